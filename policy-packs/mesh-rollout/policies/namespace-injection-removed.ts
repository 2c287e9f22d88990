import { ResourceValidationPolicy } from "@pulumi/policy";
import { isProblem } from "../fields";
import { ledgerOf, ledgerPrior, ledgerState, recordViolation } from "../records";
import { listSome } from "../values";

const NAME = "mesh-rollout-namespace-injection-removed";

/** Seed 001: a namespace that loses injection loses its sidecars at the pods' next restart. */
export const namespaceInjectionRemoved: ResourceValidationPolicy = {
    name: NAME,
    description:
        "Warns when a namespace leaves the mesh, saying what happens: unbound (labels removed, Namespace kept; its pods lose their sidecars when they next restart) or deleted (deleteWhenRemoved).",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const ledger = ledgerOf(args);
        if (ledger === undefined) {
            return;
        }
        const prior = ledgerPrior(ledger, ["namespaces", "deleteWhenRemoved"]);
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
        const before = prior as { namespaces: Record<string, string>; deleteWhenRemoved?: readonly string[] };
        const removed = Object.keys(before.namespaces).filter((ns) => !Object.prototype.hasOwnProperty.call(now, ns));
        const deleted = new Set(before.deleteWhenRemoved ?? []);
        const unbound = removed.filter((ns) => !deleted.has(ns));
        const gone = removed.filter((ns) => deleted.has(ns));
        const s = (list: string[]) => (list.length > 1 ? "s" : "");
        if (unbound.length > 0) {
            reportViolation(
                `Mesh ${ledger.name}: namespace${s(unbound)} ${listSome(unbound)} will be unbound: the mesh's labels (istio.io/rev and its extra labels) are removed and the Namespace${s(unbound)} and ${unbound.length > 1 ? "their" : "its"} workloads stay. Running pods keep their sidecars until they restart, then start without one. Keep the namespace in 'namespaces' if that is not intended.`,
            );
        }
        if (gone.length > 0) {
            reportViolation(
                `Mesh ${ledger.name}: namespace${s(gone)} ${listSome(gone)} will be DELETED with everything in ${gone.length > 1 ? "them" : "it"} (deleteWhenRemoved). Keep the namespace in 'namespaces', or apply once with deleteWhenRemoved: false first to only unbind it.`,
            );
        }
    },
};
