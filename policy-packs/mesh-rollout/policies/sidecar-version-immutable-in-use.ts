import { StackValidationPolicy } from "@pulumi/policy";
import { firstProblem, isProblem } from "../fields";
import { clusterUsersOf, recordViolation, sidecarPrior, sidecarRecordOf, sidecarState } from "../records";
import { sidecarUseOf } from "../sidecar-uses";
import { listSome, shown } from "../values";

const NAME = "mesh-rollout-sidecar-version-immutable-in-use";

/** Seed 000: a version in use cannot be edited. */
export const sidecarVersionImmutableInUse: StackValidationPolicy = {
    name: NAME,
    description:
        "Checks that a sidecar catalog version is not edited (same version, different digest) while a consumer in the stack, or (with liveCheck) a SidecarSet or pod in the cluster, uses it.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        // The edited records first (usually none); consumers are looked up only when one is.
        const edited: { urn: string; version: string; from: string; to: string; cluster: string[] }[] = [];
        for (const r of args.resources) {
            const record = sidecarRecordOf(r);
            const prior = record && sidecarPrior(record, ["version", "digest"]);
            if (record === undefined || prior === undefined || prior === null) {
                continue; // Not a record, or first published: nothing was edited.
            }
            const state = sidecarState(record, ["version", "digest"]);
            if (isProblem(prior) || isProblem(state)) {
                reportViolation(recordViolation(record, firstProblem(state, prior)!, NAME), r.urn);
            } else if (prior.version === state.version && prior.digest !== state.digest) {
                edited.push({ urn: r.urn, version: state.version, from: prior.digest, to: state.digest, cluster: clusterUsersOf(record) });
            }
        }
        if (edited.length === 0) {
            return;
        }
        const users = new Map<string, string[]>();
        for (const r of args.resources) {
            const use = sidecarUseOf(r);
            if (use === undefined || "problem" in use) {
                continue; // An unreadable consumer is reported by mesh-rollout-sidecar-version-in-catalog.
            }
            const list = users.get(use.version);
            if (list === undefined) {
                users.set(use.version, [use.consumer]);
            } else {
                list.push(use.consumer);
            }
        }
        for (const e of edited) {
            // Consumers in the stack, and those read from the cluster (another stack's, or applied by hand).
            const consumers = [...(users.get(e.version) ?? []), ...e.cluster];
            if (consumers.length > 0) {
                reportViolation(
                    `Sidecar version ${shown(e.version)} must not be edited while in use (by ${listSome(consumers)}): its digest would change from ${shown(e.from)} to ${shown(e.to)}. Publish a new version instead and switch the consumers to it.`,
                    e.urn,
                );
            }
        }
    },
};
