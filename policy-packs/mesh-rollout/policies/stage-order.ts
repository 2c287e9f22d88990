import { ResourceValidationPolicy } from "@pulumi/policy";
import { checkStageOrder, MeshLedgerState } from "../../../domain";
import { verdictOf } from "../domain-verdicts";
import { isProblem } from "../fields";
import { ledgerOf, ledgerPrior, ledgerState, recordViolation } from "../records";

const NAME = "mesh-rollout-stage-order";

/** controlPlane -> dataPlane -> finalize, rollback only before finalize, nothing skipped. */
export const stageOrder: ResourceValidationPolicy = {
    name: NAME,
    description: "Checks that upgrade stages follow controlPlane -> dataPlane -> finalize, one per stack update, with rollback only before finalize and no stage skipped.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const ledger = ledgerOf(args);
        if (ledger === undefined) {
            return;
        }
        const state = ledgerState(ledger, ["version", "upgrade"]);
        const prior = ledgerPrior(ledger, ["version", "upgrade"]);
        for (const read of [state, prior]) {
            if (isProblem(read)) {
                return reportViolation(recordViolation(ledger, read, NAME));
            }
        }
        const next = state as MeshLedgerState;
        const applied = prior as MeshLedgerState | null;
        // checkStageOrder reads only `version` and `upgrade`, the fields checked above.
        const verdict = verdictOf(() => checkStageOrder(applied, next));
        if (!verdict.allowed) {
            const appliedText = applied?.upgrade ? `${applied.upgrade.stage} of ${applied.version} -> ${applied.upgrade.to}` : "no upgrade stage";
            reportViolation(`Mesh ${ledger.name} (applied: ${appliedText}): ${verdict.reason}`);
        }
    },
};
