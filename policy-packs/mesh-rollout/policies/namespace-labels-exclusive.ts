import { ResourceValidationPolicy } from "@pulumi/policy";
import { INJECTION_LABEL, REV_LABEL } from "../../../domain";
import { labelsOf, metadataName, NAMESPACE_TYPES } from "../resources";

/** Seed 002: a namespace never carries both istio-injection and istio.io/rev. */
export const namespaceLabelsExclusive: ResourceValidationPolicy = {
    name: "mesh-rollout-namespace-labels-exclusive",
    description: "Checks that no namespace carries both istio-injection and istio.io/rev (istio-injection silently wins).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!NAMESPACE_TYPES.includes(args.type)) {
            return;
        }
        const labels = labelsOf(args);
        if (INJECTION_LABEL in labels && REV_LABEL in labels) {
            reportViolation(
                `Namespace ${metadataName(args)} must not carry both ${INJECTION_LABEL}=${labels[INJECTION_LABEL]} and ${REV_LABEL}=${labels[REV_LABEL]}: ${INJECTION_LABEL} takes precedence and the revision label is silently ignored. Keep only ${REV_LABEL}.`,
            );
        }
    },
};
