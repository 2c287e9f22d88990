import { ResourceValidationPolicy } from "@pulumi/policy";
import { isProblem } from "../fields";
import { ledgerOf, ledgerPrior, ledgerState, recordViolation } from "../records";
import { listSome } from "../values";

const NAME = "mesh-rollout-namespace-injection-removed";

/** Seed 001: a namespace that loses injection loses its sidecars at the pods' next restart. */
export const namespaceInjectionRemoved: ResourceValidationPolicy = {
    name: NAME,
    description: "Warns when a namespace bound to the mesh is unbound: its pods lose their sidecars when they next restart, unless a pod carries its own injection label.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const ledger = ledgerOf(args);
        if (ledger === undefined) {
            return;
        }
        const prior = ledgerPrior(ledger, ["namespaces"]);
        if (prior === null) {
            return; // First apply: nothing was bound before.
        }
        const state = ledgerState(ledger, ["namespaces"]);
        for (const read of [prior, state]) {
            if (isProblem(read)) {
                return reportViolation(recordViolation(ledger, read, NAME));
            }
        }
        const now = (state as { namespaces: Record<string, string> }).namespaces;
        const removed = Object.keys((prior as { namespaces: Record<string, string> }).namespaces).filter((ns) => !Object.prototype.hasOwnProperty.call(now, ns));
        if (removed.length > 0) {
            reportViolation(
                `Mesh ${ledger.name}: namespace${removed.length > 1 ? "s" : ""} ${listSome(removed)} will no longer get sidecars; pods there lose their sidecars at their next restart. Keep the namespace in 'namespaces' if that is not intended.`,
            );
        }
    },
};
