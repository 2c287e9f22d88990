import { StackValidationPolicy } from "@pulumi/policy";
import { canonicalJson } from "../../../provider/state-record";
import { isProblem } from "../fields";
import { ledgerOf, ledgerPrior, ledgerState, RecordResource, recordViolation, stageAppliedOf } from "../records";
import { shown } from "../values";

const NAME = "mesh-rollout-stage-completed";

type Step = { version: string; upgrade: { to: string; stage: string } | null } | null;
const words = (s: Step): string =>
    s === null ? "nothing" : s.upgrade === null ? `version ${shown(s.version)}` : `stage ${shown(s.upgrade.stage)} of ${shown(s.version)} -> ${shown(s.upgrade.to)}`;
const sameStep = (a: Step, b: Step): boolean =>
    canonicalJson(a === null ? null : { version: a.version, upgrade: a.upgrade }) === canonicalJson(b === null ? null : { version: b.version, upgrade: b.upgrade });

/**
 * The ledger is written first (its policies judge a stage before anything moves); MeshStageApplied is
 * written last, once every child is applied. When they disagree, the last update was interrupted
 * (killed, or a child failed): only that stage may be applied again, to complete it.
 */
export const stageCompleted: StackValidationPolicy = {
    name: NAME,
    description:
        "Checks that a mesh's last update completed before the next stage: when the ledger (written first) names a stage that MeshStageApplied (written after every child) does not, only that interrupted stage may be applied again.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const applied = new Map<string, RecordResource>();
        for (const r of args.resources) {
            const a = stageAppliedOf(r);
            if (a !== undefined && typeof a.key === "string") {
                applied.set(a.key, a);
            }
        }
        for (const r of args.resources) {
            const ledger = ledgerOf(r);
            const done = ledger && typeof ledger.key === "string" ? applied.get(ledger.key) : undefined;
            if (ledger === undefined || done === undefined) {
                continue;
            }
            const requestedBefore = ledgerPrior(ledger, ["version", "upgrade"]);
            const completedBefore = ledgerPrior(done, ["version", "upgrade"]);
            const now = ledgerState(ledger, ["version", "upgrade"]);
            const problem = [requestedBefore, completedBefore, now].find(isProblem);
            if (problem !== undefined) {
                reportViolation(recordViolation(ledger, problem, NAME), ledger.urn);
                continue;
            }
            if (isProblem(requestedBefore) || isProblem(completedBefore) || isProblem(now)) {
                continue; // (narrowing only: reported above)
            }
            // A record new in this update (a stack made before it existed) has no history to compare.
            if (completedBefore === null || requestedBefore === null || sameStep(requestedBefore, completedBefore)) {
                continue;
            }
            // The last update requested `requestedBefore` but did not complete it: re-applying it is the way on.
            if (!sameStep(now, requestedBefore)) {
                reportViolation(
                    `Mesh ${ledger.name}: the last update did not complete ${words(requestedBefore)} (it was interrupted: the last completed is ${words(completedBefore)}), so ${words(now)} must wait. Apply ${words(requestedBefore)} again first (same config as the interrupted update), then move on.`,
                    ledger.urn,
                );
            }
        }
    },
};
