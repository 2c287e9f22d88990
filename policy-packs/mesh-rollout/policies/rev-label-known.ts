import { StackValidationPolicy } from "@pulumi/policy";
import { REV_LABEL } from "../../../domain";
import { isProblem } from "../fields";
import { ledgerOf, ledgerState, recordViolation } from "../records";
import { revLabelOf } from "../rev-labels";
import { listSome, shown } from "../values";

const NAME = "mesh-rollout-rev-label-known";

/** Every istio.io/rev value names a revision or tag this stack installs. */
export const revLabelKnown: StackValidationPolicy = {
    name: NAME,
    description: "Checks that every istio.io/rev label on a namespace or a workload's pods names a revision or a tag that a MeshRevision of this stack installs at this stage.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const known = new Set<string>();
        let ledgers = 0;
        let unreadable = 0;
        for (const r of args.resources) {
            const ledger = ledgerOf(r);
            if (ledger === undefined) {
                continue;
            }
            ledgers++;
            const state = ledgerState(ledger, ["revisions", "tags"]);
            if (isProblem(state)) {
                unreadable++;
                reportViolation(recordViolation(ledger, state, NAME), ledger.urn);
                continue;
            }
            state.revisions.forEach((rev) => known.add(rev));
            Object.keys(state.tags).forEach((tag) => known.add(tag));
        }
        if (ledgers === 0 || unreadable > 0) {
            return; // No mesh in this stack, or not all of what it installs is known: nothing to judge against.
        }
        const choices = listSome([...known].sort());
        for (const r of args.resources) {
            const rev = revLabelOf(r);
            if (rev === undefined) {
                continue;
            }
            if ("problem" in rev) {
                reportViolation(rev.problem, r.urn);
            } else if (!known.has(rev.value)) {
                reportViolation(
                    `${rev.owner} must name an installed revision or tag in ${REV_LABEL}, not ${shown(rev.value)} ('${rev.path}'): its new pods would get no sidecar. Installed at this stage: ${choices}. Use one of them, or install that revision first.`,
                    r.urn,
                );
            }
        }
    },
};
