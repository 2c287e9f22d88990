import { ResourceValidationPolicy } from "@pulumi/policy";
import { describePods, podsOnRevision } from "../../../domain/data-plane";
import { isProblem } from "../fields";
import { ledgerOf, ledgerPrior, ledgerState, liveDataPlaneOf, recordViolation } from "../records";
import { shown } from "../values";

const NAME = "mesh-rollout-rollback-nothing-on-new-revision";

/**
 * A rollback is two updates: stage `rollback` moves every label back to the old revision and restarts
 * the listed workloads (the new istiod stays); removing `upgrade` then removes the new revision. That
 * end is refused while any pod still runs the new revision's sidecar (read from the cluster): its
 * proxies would lose their control plane.
 */
export const rollbackNothingOnNewRevision: ResourceValidationPolicy = {
    name: NAME,
    description:
        "Checks that the end of a rollback (removing 'upgrade' after stage rollback, which removes the new revision) is applied only when no pod of the mesh runs the new revision's sidecar, as read from the cluster (liveCheck); refuses unverified ends when liveCheck.finalizeGate is refuse.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const ledger = ledgerOf(args);
        const live = ledger && liveDataPlaneOf(ledger);
        if (ledger === undefined || live === undefined) {
            return;
        }
        const state = ledgerState(ledger, ["upgrade"]);
        const prior = ledgerPrior(ledger, ["version", "upgrade", "newRevision", "tags"]);
        if (isProblem(state) || isProblem(prior)) {
            return reportViolation(recordViolation(ledger, isProblem(state) ? state : (prior as never), NAME));
        }
        if (state.upgrade !== null || prior === null || prior.upgrade?.stage !== "rollback" || prior.newRevision === null) {
            return; // Not the end of a rollback.
        }
        const newRevision = prior.newRevision;
        if (live.observation.verified) {
            const pods = podsOnRevision(live.observation.pods, newRevision, prior.tags);
            if (pods.length > 0) {
                reportViolation(
                    `Mesh ${ledger.name} must not end the rollback yet: removing 'upgrade' removes istiod ${shown(newRevision)} while ${pods.length} pod${pods.length === 1 ? "" : "s"} still run its sidecar (read from the cluster): ${describePods(pods).join("; ")}. Restart them onto ${shown(prior.version)} (list them in the namespace's restart and apply stage rollback again, or kubectl rollout restart), then remove 'upgrade'.`,
                );
            }
        } else if (live.gate === "refuse") {
            reportViolation(
                `Mesh ${ledger.name} must not end the rollback unverified: ${shown(live.observation.reason ?? "no cluster")}, so no one knows whether pods still run the new revision ${shown(newRevision)}, which removing 'upgrade' takes offline. Give liveCheck.kubeconfig of the cluster (read access to pods), or set liveCheck.finalizeGate: "warn" to accept the risk.`,
            );
        }
    },
};
