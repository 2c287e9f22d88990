import { MeshRolloutValidationError } from "../errors";

// Seed 003 states CPU in cores and memory in MiB; Kubernetes wants quantities. Only whole
// millicores and whole MiB are accepted, so that the rendered quantity is exactly what was asked.

/** CPU in cores as a Kubernetes quantity: 2 -> "2", 0.5 -> "500m", 0.125 -> "125m". */
export function cpuQuantity(cores: number, path: string): string {
    const millicores = Math.round(cores * 1000);
    if (!Number.isFinite(cores) || cores <= 0 || Math.abs(millicores - cores * 1000) > 1e-6) {
        throw new MeshRolloutValidationError({
            path,
            rule: "resources/cpu",
            value: cores,
            problem: cores <= 0 ? "is not a positive number of cores" : "is finer than one millicore (0.001 cores)",
            remedy: "Give cores as a positive number with at most three decimals, e.g. 0.5 for 500m.",
        });
    }
    return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

/** Memory in MiB as a Kubernetes quantity: 512 -> "512Mi". */
export function memoryQuantity(mib: number, path: string): string {
    if (!Number.isInteger(mib) || mib <= 0) {
        throw new MeshRolloutValidationError({
            path,
            rule: "resources/memory",
            value: mib,
            problem: "is not a positive whole number of MiB",
            remedy: "Give memory in whole MiB, e.g. 512 for 512Mi or 1024 for 1Gi.",
        });
    }
    return `${mib}Mi`;
}
