import { ResourceValidationPolicy } from "@pulumi/policy";
import { podSpecOf } from "../containers";
import { field, FieldProblem, isProblem, joinKey, Path } from "../fields";
import { fieldViolation, POD_TYPE, resourceLabel, SIDECARSET_TYPE, WORKLOAD_TYPES } from "../resources";
import { shown } from "../values";

export interface ImagesPinnedByDigestConfig {
    /**
     * Image prefixes that need no digest, e.g. `registry.example.com/dev/`.
     * @default []
     */
    exemptPrefixes?: string[];
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;
const EXAMPLE_DIGEST = "@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const EXAMPLE = `registry.example.com/mesh/proxy:1.0.0${EXAMPLE_DIGEST}`;

/** Off by default: a tag can be moved to other content, a digest cannot. */
export const imagesPinnedByDigest: ResourceValidationPolicy = {
    name: "mesh-rollout-images-pinned-by-digest",
    description:
        "Checks that the images of SidecarSets (including the hot-upgrade empty image), workloads and Pods are pinned by digest (@sha256:...), so that what runs is exactly what was reviewed (disabled by default; enable it in the policy pack config).",
    enforcementLevel: "disabled",
    configSchema: { properties: { exemptPrefixes: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, reportViolation) => {
        const isSet = args.type === SIDECARSET_TYPE;
        if (!isSet && !WORKLOAD_TYPES.has(args.type) && args.type !== POD_TYPE) {
            return;
        }
        const config = (args.getConfig<ImagesPinnedByDigestConfig>() ?? {}) as Record<string, unknown>;
        const exempt = Array.isArray(config.exemptPrefixes) ? config.exemptPrefixes.filter((p): p is string => typeof p === "string" && p !== "") : [];
        const label = resourceLabel(args);
        const spec = podSpecOf(args);
        if (isProblem(spec)) {
            return reportViolation(fieldViolation(label, spec));
        }
        for (const c of spec?.containers ?? []) {
            const images: [Path, unknown][] = [[joinKey(c.path, "image"), field(c.raw, "image")]];
            if (isSet) {
                const emptyImagePath = joinKey(joinKey(c.path, "upgradeStrategy"), "hotUpgradeEmptyImage");
                images.push([emptyImagePath, field(field(c.raw, "upgradeStrategy"), "hotUpgradeEmptyImage")]);
            }
            for (const [path, image] of images) {
                if (image === undefined || image === null) {
                    continue; // A patch, or no hot upgrade: no image to pin here.
                }
                if (typeof image !== "string") {
                    reportViolation(fieldViolation(label, new FieldProblem(path, image, "an image reference", JSON.stringify(EXAMPLE))));
                } else if (!DIGEST.test(image) && !exempt.some((prefix) => image.startsWith(prefix))) {
                    reportViolation(
                        `${label} must pin the image of container ${shown(c.name)} by digest: '${path}' is ${shown(image)}, whose tag can be moved to other content. Append the digest of the reviewed image, e.g. ${image.length <= 80 && !image.includes("@") ? image + EXAMPLE_DIGEST : EXAMPLE}.`,
                    );
                }
            }
        }
    },
};
