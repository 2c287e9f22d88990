import { MeshRolloutValidationError } from "../errors";

// Seed 003 states CPU in cores and memory in MiB; Kubernetes wants quantities. Only whole
// millicores and whole MiB are accepted, so that the rendered quantity is exactly what was asked,
// and both are bounded, so that it is always a plain number (never `Infinitym` or `1e+300Mi`).

/** The most CPU a container may ask for: 4096 cores (no node has more). */
export const MAX_CPU_CORES = 4096;
/** The most memory a container may ask for: 16 TiB, in MiB. */
export const MAX_MEMORY_MIB = 16 * 1024 * 1024;

/** CPU in cores as a Kubernetes quantity: 2 -> "2", 0.5 -> "500m", 0.125 -> "125m". */
export function cpuQuantity(cores: number, path: string): string {
    const fail = (problem: string) =>
        new MeshRolloutValidationError({
            path,
            rule: "resources/cpu",
            value: cores,
            problem,
            remedy: `Give cores as a number from 0.001 to ${MAX_CPU_CORES} with at most three decimals, e.g. 0.5 for 500m or 2 for 2 cores.`,
        });
    if (typeof cores !== "number" || !Number.isFinite(cores) || cores <= 0) {
        throw fail("is not a positive, finite number of cores");
    }
    if (cores > MAX_CPU_CORES) {
        throw fail(`is more than ${MAX_CPU_CORES} cores, the bound for one container`);
    }
    const millicores = Math.round(cores * 1000);
    if (Math.abs(millicores - cores * 1000) > 1e-6) {
        throw fail("is finer than one millicore (0.001 cores)");
    }
    return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

/** Memory in MiB as a Kubernetes quantity: 512 -> "512Mi". */
export function memoryQuantity(mib: number, path: string): string {
    const fail = (problem: string) =>
        new MeshRolloutValidationError({
            path,
            rule: "resources/memory",
            value: mib,
            problem,
            remedy: `Give memory in whole MiB from 1 to ${MAX_MEMORY_MIB} (16 TiB), e.g. 512 for 512Mi or 1024 for 1Gi.`,
        });
    if (typeof mib !== "number" || !Number.isInteger(mib) || mib <= 0) {
        throw fail("is not a positive whole number of MiB");
    }
    if (mib > MAX_MEMORY_MIB) {
        throw fail(`is more than ${MAX_MEMORY_MIB} MiB (16 TiB), the bound for one container`);
    }
    return `${mib}Mi`;
}
