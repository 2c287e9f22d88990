import { ResourceValidationPolicy } from "@pulumi/policy";
import { dataPlaneWords, describePods, podsOnRevision } from "../../../domain/data-plane";
import { isProblem } from "../fields";
import { ledgerOf, ledgerPrior, ledgerState, liveDataPlaneOf } from "../records";
import { shown } from "../values";

const NAME = "mesh-rollout-data-plane-report";

/**
 * The live data plane in words, in the preview, whenever an update moves it or takes a revision away:
 * at dataPlane and finalize, which pods still run the old revision and what to restart; at rollback and
 * its end, which still run the new one; at an in-place version change, that the removed istiod's pods
 * were not verified. Or that nothing could be verified (render mode: no cluster). Silent when no pod is
 * left behind. Advisory: the refusals are the gate policies'.
 */
export const dataPlaneReport: ResourceValidationPolicy = {
    name: NAME,
    description:
        "Warns when an update moves the data plane or removes a revision (dataPlane, finalize, rollback and its end, an in-place version change) of the pods still on the revision being left (read from the cluster), or that the data plane was not verified (render mode: no cluster).",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const ledger = ledgerOf(args);
        const live = ledger && liveDataPlaneOf(ledger);
        if (ledger === undefined || live === undefined) {
            return;
        }
        const state = ledgerState(ledger, ["version", "upgrade", "oldRevision", "newRevision", "tags"]);
        const prior = ledgerPrior(ledger, ["version", "upgrade", "oldRevision", "newRevision", "tags"]);
        if (isProblem(state) || isProblem(prior)) {
            return;
        }
        const gate = live.observation.verified ? "" : ` (gate: ${live.gate})`;
        const stage = state.upgrade?.stage;
        if (stage === "dataPlane" || stage === "finalize") {
            // Silent when verified and no pod is left on the old revision.
            if (live.observation.verified && podsOnRevision(live.observation.pods, state.oldRevision, state.tags).length === 0) {
                return;
            }
            return reportViolation(`Mesh ${ledger.name}: ${dataPlaneWords(live.observation, state.oldRevision, state.newRevision, state.tags)}${gate}.`);
        }
        // Leaving the new revision: at rollback (pods move back) and when 'upgrade' is then removed (it goes offline).
        const leaving = stage === "rollback" ? state.newRevision : state.upgrade === null && prior?.upgrade?.stage === "rollback" ? prior.newRevision : null;
        if (leaving !== null) {
            const tags = { ...(prior?.tags ?? {}), ...state.tags };
            const pods = live.observation.verified ? podsOnRevision(live.observation.pods, leaving, tags) : [];
            if (!live.observation.verified) {
                return reportViolation(
                    `Mesh ${ledger.name}: data plane not verified: ${live.observation.reason ?? "no cluster"}; no one knows whether pods still run ${leaving}${gate}.`,
                );
            }
            if (pods.length > 0) {
                return reportViolation(
                    `Mesh ${ledger.name}: ${pods.length} pod${pods.length === 1 ? "" : "s"} still run ${leaving}: ${describePods(pods).join("; ")} to move them back to ${state.oldRevision}${stage === "rollback" ? "; the upgrade can be removed once none is left" : ""}.`,
                );
            }
            return;
        }
        // An in-place version change removes the old istiod in the same update.
        if (state.upgrade === null && prior !== null && prior.upgrade === null && prior.oldRevision !== state.oldRevision && !live.observation.verified) {
            reportViolation(
                `Mesh ${ledger.name}: moving in place from ${shown(prior.version)} to ${shown(state.version)} removes istiod ${shown(prior.oldRevision)} in this update, and the data plane is not verified (${live.observation.reason ?? "no cluster"}): any pod still running its sidecar loses its control plane. A canary upgrade (upgrade: { to: "${state.version}", stage: "controlPlane" }) keeps it until finalize${gate}.`,
            );
        }
    },
};
