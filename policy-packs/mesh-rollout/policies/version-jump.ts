import { ResourceValidationPolicy } from "@pulumi/policy";
import { checkVersionJump, MeshLedgerState } from "../../../domain";
import { verdictOf } from "../domain-verdicts";
import { isProblem } from "../fields";
import { ledgerOf, ledgerPrior, ledgerState, recordViolation } from "../records";

const NAME = "mesh-rollout-version-jump";

/** No major change, no downgrade, at most one minor version skipped, the ASM canary minimum. */
export const versionJump: ResourceValidationPolicy = {
    name: NAME,
    description:
        "Checks that a mesh upgrade is one the planner allows: no major change, no downgrade, at most one minor version skipped (canary) or one minor moved (in place), and ASM canary sources at 1.12.4.58 or later.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const ledger = ledgerOf(args);
        if (ledger === undefined) {
            return;
        }
        const state = ledgerState(ledger, ["version", "upgrade"]);
        if (isProblem(state)) {
            return reportViolation(recordViolation(ledger, state, NAME));
        }
        // The prior matters only for an in-place change (no upgrade declared).
        const prior = state.upgrade === null ? ledgerPrior(ledger, ["version", "upgrade"]) : null;
        if (isProblem(prior)) {
            return reportViolation(recordViolation(ledger, prior, NAME));
        }
        // checkVersionJump reads only `version` and `upgrade`, the fields checked above.
        const verdict = verdictOf(() => checkVersionJump(prior as MeshLedgerState | null, state as MeshLedgerState));
        if (!verdict.allowed) {
            reportViolation(`Mesh ${ledger.name}: ${verdict.reason}`);
        }
    },
};
