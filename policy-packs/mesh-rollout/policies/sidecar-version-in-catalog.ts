import { StackValidationPolicy } from "@pulumi/policy";
import { readSidecarRecord, sidecarUse } from "../resources";

export interface SidecarVersionInCatalogConfig {
    /** Also refuse consumers when the stack holds no catalog at all (the catalog must live in this stack). */
    requireCatalogInStack?: boolean;
}

/** Seed 000: a version in use cannot be deleted; a consumer must name a version the catalog holds. */
export const sidecarVersionInCatalog: StackValidationPolicy = {
    name: "mesh-rollout-sidecar-version-in-catalog",
    description: "Checks that every consumer of a sidecar version names a version the stack's catalog holds, with the catalog's image; this is how deleting an in-use version is caught.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { requireCatalogInStack: { type: "boolean", default: false } } },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<SidecarVersionInCatalogConfig>();
        const catalog = new Map(args.resources.map(readSidecarRecord).filter((r) => r !== undefined).map((r) => [r.state.version, r.state]));
        if (catalog.size === 0 && config.requireCatalogInStack !== true) {
            return; // The catalog lives in another stack.
        }
        const held = [...catalog.keys()].sort().join(", ") || "none";
        for (const r of args.resources) {
            const use = sidecarUse(r);
            if (use === undefined) {
                continue;
            }
            const entry = catalog.get(use.version);
            if (entry === undefined) {
                reportViolation(
                    `${use.consumer} must use a sidecar version the catalog holds, not ${use.version} (held: ${held}). Keep ${use.version} in the catalog until nothing uses it, or switch ${use.consumer} to a held version first.`,
                    use.urn,
                );
            } else if (use.image !== undefined && entry.image !== undefined && use.image !== entry.image) {
                reportViolation(`${use.consumer} must inject the catalog's image for ${use.version} (${entry.image}), not ${use.image}. Take the image from the catalog entry.`, use.urn);
            }
        }
    },
};
