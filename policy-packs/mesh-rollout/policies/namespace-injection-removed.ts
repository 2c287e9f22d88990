import { ResourceValidationPolicy } from "@pulumi/policy";
import { readLedger } from "../resources";

/** Seed 001: a namespace that loses injection loses its sidecars at the pods' next restart. */
export const namespaceInjectionRemoved: ResourceValidationPolicy = {
    name: "mesh-rollout-namespace-injection-removed",
    description: "Warns when a namespace bound to the mesh is unbound: its pods lose their sidecars when they next restart, unless a pod carries its own injection label.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const ledger = readLedger(args);
        if (ledger === undefined || ledger.prior === null) {
            return;
        }
        const removed = Object.keys(ledger.prior.namespaces).filter((ns) => !(ns in ledger.state.namespaces));
        if (removed.length > 0) {
            reportViolation(
                `Mesh ${ledger.name}: namespace${removed.length > 1 ? "s" : ""} ${removed.join(", ")} will no longer get sidecars; pods there lose their sidecars at their next restart. Keep the namespace in 'namespaces' if that is not intended.`,
            );
        }
    },
};
