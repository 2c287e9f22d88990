import { ResourceValidationPolicy } from "@pulumi/policy";
import { checkVersionJump } from "../../../domain";
import { readLedger } from "../resources";

/** No major change, no downgrade, at most one minor version skipped, the ASM canary minimum. */
export const versionJump: ResourceValidationPolicy = {
    name: "mesh-rollout-version-jump",
    description: "Checks that a mesh upgrade is one the planner allows: no major change, no downgrade, at most one minor version skipped (canary) or one minor moved (in place), and ASM canary sources at 1.12.4.58 or later.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const ledger = readLedger(args);
        if (ledger === undefined) {
            return;
        }
        const verdict = checkVersionJump(ledger.prior, ledger.state);
        if (!verdict.allowed) {
            reportViolation(`Mesh ${ledger.name}: ${verdict.reason}`);
        }
    },
};
