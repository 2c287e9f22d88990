import { ResourceValidationPolicy } from "@pulumi/policy";
import { checkStageOrder } from "../../../domain";
import { readLedger } from "../resources";

/** controlPlane -> dataPlane -> finalize, rollback only before finalize, nothing skipped. */
export const stageOrder: ResourceValidationPolicy = {
    name: "mesh-rollout-stage-order",
    description: "Checks that upgrade stages follow controlPlane -> dataPlane -> finalize, one per stack update, with rollback only before finalize and no stage skipped.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const ledger = readLedger(args);
        if (ledger === undefined) {
            return;
        }
        const verdict = checkStageOrder(ledger.prior, ledger.state);
        if (!verdict.allowed) {
            const applied = ledger.prior?.upgrade ? `${ledger.prior.upgrade.stage} of ${ledger.prior.version} -> ${ledger.prior.upgrade.to}` : "no upgrade stage";
            reportViolation(`Mesh ${ledger.name} (applied: ${applied}): ${verdict.reason}`);
        }
    },
};
