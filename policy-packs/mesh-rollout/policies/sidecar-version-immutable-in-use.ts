import { StackValidationPolicy } from "@pulumi/policy";
import { readSidecarRecord, sidecarUse } from "../resources";

/** Seed 000: a version in use cannot be edited. */
export const sidecarVersionImmutableInUse: StackValidationPolicy = {
    name: "mesh-rollout-sidecar-version-immutable-in-use",
    description: "Checks that a sidecar catalog version is not edited (same version, different digest) while a consumer in the stack uses it.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const uses = args.resources.map(sidecarUse).filter((u) => u !== undefined);
        for (const r of args.resources) {
            const record = readSidecarRecord(r);
            if (record === undefined || record.prior === null || record.prior.version !== record.state.version || record.prior.digest === record.state.digest) {
                continue;
            }
            const users = uses.filter((u) => u.version === record.state.version).map((u) => u.consumer);
            if (users.length > 0) {
                reportViolation(
                    `Sidecar version ${record.state.version} must not be edited while in use (by ${users.join(", ")}): its digest would change from ${record.prior.digest} to ${record.state.digest}. Publish a new version instead and switch the consumers to it.`,
                    r.urn,
                );
            }
        }
    },
};
