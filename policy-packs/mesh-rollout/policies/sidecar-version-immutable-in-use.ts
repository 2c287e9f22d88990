import { StackValidationPolicy } from "@pulumi/policy";
import { firstProblem, isProblem } from "../fields";
import { recordViolation, sidecarPrior, sidecarRecordOf, sidecarState } from "../records";
import { sidecarUseOf } from "../sidecar-uses";
import { listSome, shown } from "../values";

const NAME = "mesh-rollout-sidecar-version-immutable-in-use";

/** Seed 000: a version in use cannot be edited. */
export const sidecarVersionImmutableInUse: StackValidationPolicy = {
    name: NAME,
    description: "Checks that a sidecar catalog version is not edited (same version, different digest) while a consumer in the stack uses it.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        // Consumers by version, indexed once.
        const users = new Map<string, string[]>();
        for (const r of args.resources) {
            const use = sidecarUseOf(r);
            if (use !== undefined && !("problem" in use)) {
                const list = users.get(use.version);
                if (list === undefined) {
                    users.set(use.version, [use.consumer]);
                } else {
                    list.push(use.consumer);
                }
            }
        }
        for (const r of args.resources) {
            const record = sidecarRecordOf(r);
            const prior = record && sidecarPrior(record, ["version", "digest"]);
            if (record === undefined || prior === undefined || prior === null) {
                continue; // Not a record, or first published: nothing was edited.
            }
            const state = sidecarState(record, ["version", "digest"]);
            if (isProblem(prior) || isProblem(state)) {
                reportViolation(recordViolation(record, firstProblem(state, prior)!, NAME), r.urn);
                continue;
            }
            if (prior.version !== state.version || prior.digest === state.digest) {
                continue;
            }
            const consumers = users.get(state.version) ?? [];
            if (consumers.length > 0) {
                reportViolation(
                    `Sidecar version ${shown(state.version)} must not be edited while in use (by ${listSome(consumers)}): its digest would change from ${shown(prior.digest)} to ${shown(state.digest)}. Publish a new version instead and switch the consumers to it.`,
                    r.urn,
                );
            }
        }
    },
};
