import { StackValidationPolicy } from "@pulumi/policy";
import { isProblem } from "../fields";
import { recordViolation, sidecarRecordOf, sidecarState } from "../records";
import { sidecarUseOf } from "../sidecar-uses";
import { listSome, shown } from "../values";

const NAME = "mesh-rollout-sidecar-version-in-catalog";

export interface SidecarVersionInCatalogConfig {
    /** Also refuse consumers when the stack holds no catalog at all (the catalog must live in this stack). */
    requireCatalogInStack?: boolean;
}

/** Seed 000: a version in use cannot be deleted; a consumer must name a version the catalog holds. */
export const sidecarVersionInCatalog: StackValidationPolicy = {
    name: NAME,
    description:
        "Checks that every consumer of a sidecar version names a version the stack's catalog holds, with the catalog's image; this is how deleting an in-use version is caught.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { requireCatalogInStack: { type: "boolean", default: false } } },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<SidecarVersionInCatalogConfig>();
        const catalog = new Map<string, string | undefined>();
        let unreadable = 0;
        for (const r of args.resources) {
            const record = sidecarRecordOf(r);
            const state = record && sidecarState(record, ["version", "image"]);
            if (record === undefined || state === undefined) {
                continue;
            }
            if (isProblem(state)) {
                unreadable++;
                reportViolation(recordViolation(record, state, NAME), r.urn);
            } else {
                catalog.set(state.version, state.image);
            }
        }
        if (unreadable > 0 || (catalog.size === 0 && config?.requireCatalogInStack !== true)) {
            return; // Part of the catalog is unknown (reported above), or the catalog lives in another stack.
        }
        const held = listSome([...catalog.keys()].sort());
        for (const r of args.resources) {
            const use = sidecarUseOf(r);
            if (use === undefined) {
                continue;
            }
            if ("problem" in use) {
                reportViolation(use.problem, r.urn);
                continue;
            }
            const version = shown(use.version);
            if (!catalog.has(use.version)) {
                reportViolation(
                    `${use.consumer} must use a sidecar version the catalog holds, not ${version} (held: ${held}). Keep ${version} in the catalog until nothing uses it, or switch ${use.consumer} to a held version first.`,
                    use.urn,
                );
                continue;
            }
            const image = catalog.get(use.version);
            if (use.image !== undefined && image !== undefined && use.image !== image) {
                reportViolation(
                    `${use.consumer} must inject the catalog's image for ${version} (${shown(image)}), not ${shown(use.image)}. Take the image from the catalog entry.`,
                    use.urn,
                );
            }
        }
    },
};
