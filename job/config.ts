import { z } from "zod";
import { MeshRolloutValidationError, parseInput, stageSchema, versionStringSchema } from "../domain";

/**
 * The main job's stack config (namespace `mesh-rollout`). Every setting is checked here, so a bad value
 * ends the update with the setting's name, the value and what to do, not with a stack trace.
 */
export const jobConfigSchema = z
    .object({
        /** The mesh's version (before an upgrade: its source). */
        version: versionStringSchema.default("1.12.4"),
        /** The upgrade target; with `stage`. */
        upgradeTo: versionStringSchema.optional(),
        stage: stageSchema.optional(),
        /** The catalog version the SidecarSet injects. */
        sidecarVersion: z.enum(["1.0.0", "1.0.1"]).default("1.0.0"),
        /** The share of `reviews` traffic on v2 (0: no canary release yet). */
        canaryWeight: z.coerce.number().int().min(0).max(100).default(0),
        /** Render manifests here (no cluster). */
        renderDir: z.string().min(1).default("out/current"),
        /** A kubeconfig path: target that cluster instead of rendering. */
        kubeconfig: z.string().min(1).optional(),
        /** The istiod chart: a local path or a chart name in `istiodRepository`. */
        istiodChart: z.string().min(1).default("charts/istiod-minimal"),
        istiodRepository: z.string().url().optional(),
        /**
         * Extra istiod chart values, a JSON object: e.g. an injector reached by URL on a cluster with no
         * real istiod (`{"istiodRemote":{"injectionURL":"https://127.0.0.1:9443/inject","injectionCABundle":"..."}}`).
         */
        istiodValues: z
            .string()
            .transform((text, ctx) => {
                try {
                    const v: unknown = JSON.parse(text);
                    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
                        return v as Record<string, unknown>;
                    }
                } catch {
                    // reported below
                }
                ctx.addIssue({ code: "custom", message: `must be a JSON object of chart values, e.g. {"istiodRemote":{"injectionURL":"https://127.0.0.1:9443/inject"}}` });
                return z.NEVER;
            })
            .optional(),
    })
    .strict()
    .superRefine((c, ctx) => {
        if ((c.upgradeTo === undefined) !== (c.stage === undefined)) {
            const missing = c.upgradeTo === undefined ? "upgradeTo" : "stage";
            const error = new MeshRolloutValidationError({
                path: missing,
                rule: "job/upgrade-pair",
                value: undefined,
                problem: `is required when ${missing === "stage" ? "upgradeTo" : "stage"} is set`,
                remedy: "Set both mesh-rollout:upgradeTo and mesh-rollout:stage for an upgrade, or neither.",
            });
            ctx.addIssue({ code: "custom", path: [missing], message: error.message, params: { error } });
        }
    });

export type JobConfig = z.output<typeof jobConfigSchema>;

/** Reads and checks the job's config; `raw` is the `mesh-rollout` namespace as strings. */
export function parseJobConfig(raw: Record<string, string | undefined>): JobConfig {
    const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
    return parseInput(jobConfigSchema, defined, "mesh-rollout:");
}
