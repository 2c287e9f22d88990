import { ResourceValidationPolicy } from "@pulumi/policy";
import { INJECTION_LABEL, REV_LABEL } from "../../../domain";
import { isProblem } from "../fields";
import { fieldViolation, NAMESPACE_TYPES, readMetadata, resourceLabel } from "../resources";
import { shown } from "../values";

/** Seed 002: a namespace never carries both istio-injection and istio.io/rev. */
export const namespaceLabelsExclusive: ResourceValidationPolicy = {
    name: "mesh-rollout-namespace-labels-exclusive",
    description: "Checks that no namespace carries both istio-injection and istio.io/rev (istio-injection silently wins).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!NAMESPACE_TYPES.has(args.type)) {
            return;
        }
        const metadata = readMetadata(args, { labels: [INJECTION_LABEL, REV_LABEL] });
        if (isProblem(metadata)) {
            return reportViolation(fieldViolation(resourceLabel(args, metadata), metadata));
        }
        const labels = metadata.labels;
        if (INJECTION_LABEL in labels && REV_LABEL in labels) {
            reportViolation(
                `Namespace ${shown(metadata.name)} must not carry both ${INJECTION_LABEL}=${shown(labels[INJECTION_LABEL])} and ${REV_LABEL}=${shown(labels[REV_LABEL])}: ${INJECTION_LABEL} takes precedence and the revision label is silently ignored. Keep only ${REV_LABEL}, e.g. ${REV_LABEL}=1-14-5.`,
            );
        }
    },
};
