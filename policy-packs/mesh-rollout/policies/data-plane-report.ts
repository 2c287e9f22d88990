import { ResourceValidationPolicy } from "@pulumi/policy";
import { dataPlaneWords, podsOnRevision } from "../../../domain/data-plane";
import { isProblem } from "../fields";
import { ledgerOf, ledgerState, liveDataPlaneOf } from "../records";

const NAME = "mesh-rollout-data-plane-report";

/**
 * The live data plane of an upgrade, in words, in the preview: which pods still run the old revision
 * and what to restart; or that it could not be verified (render mode: no cluster). Silent when every
 * pod runs the new revision. Advisory: the refusals are the finalize policy's.
 */
export const dataPlaneReport: ResourceValidationPolicy = {
    name: NAME,
    description:
        "Warns during an upgrade of the pods of the mesh's namespaces still on the old revision (read from the cluster), or that the data plane was not verified (render mode: no cluster).",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const ledger = ledgerOf(args);
        const live = ledger && liveDataPlaneOf(ledger);
        if (ledger === undefined || live === undefined) {
            return;
        }
        const state = ledgerState(ledger, ["upgrade", "oldRevision", "newRevision", "tags"]);
        // The data plane matters once it moves (dataPlane) and when the old revision goes (finalize).
        if (isProblem(state) || (state.upgrade?.stage !== "dataPlane" && state.upgrade?.stage !== "finalize")) {
            return;
        }
        // Silent when verified and no pod is left on the old revision.
        if (live.observation.verified && podsOnRevision(live.observation.pods, state.oldRevision, state.tags).length === 0) {
            return;
        }
        const words = dataPlaneWords(live.observation, state.oldRevision, state.newRevision, state.tags);
        reportViolation(`Mesh ${ledger.name}: ${words}${live.observation.verified ? "" : ` (finalize gate: ${live.gate})`}.`);
    },
};
