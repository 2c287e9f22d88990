import { StackValidationPolicy } from "@pulumi/policy";
import { REV_LABEL } from "../../../domain";
import { labelsOf, metadataName, NAMESPACE_TYPES, podTemplateRev, readLedger, WORKLOAD_TYPES, workloadName } from "../resources";

/** Every istio.io/rev value names a revision or tag this stack installs. */
export const revLabelKnown: StackValidationPolicy = {
    name: "mesh-rollout-rev-label-known",
    description: "Checks that every istio.io/rev label on a namespace or a workload's pods names a revision or a tag that a MeshRevision of this stack installs at this stage.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const ledgers = args.resources.map(readLedger).filter((l) => l !== undefined);
        if (ledgers.length === 0) {
            return; // No mesh in this stack: nothing to check against.
        }
        const known = new Set<string>();
        for (const l of ledgers) {
            l.state.revisions.forEach((r) => known.add(r));
            Object.keys(l.state.tags).forEach((t) => known.add(t));
        }
        const choices = [...known].sort().join(", ");
        for (const r of args.resources) {
            let value: string | undefined;
            let what: string;
            if (NAMESPACE_TYPES.includes(r.type)) {
                value = labelsOf(r)[REV_LABEL];
                what = `Namespace ${metadataName(r)}`;
            } else if (WORKLOAD_TYPES.includes(r.type)) {
                value = podTemplateRev(r);
                what = `Workload ${workloadName(r)}`;
            } else {
                continue;
            }
            if (value !== undefined && !known.has(value)) {
                reportViolation(
                    `${what} must name an installed revision or tag in ${REV_LABEL}, not ${value}: its new pods would get no sidecar. Installed at this stage: ${choices}. Use one of them, or install that revision first.`,
                    r.urn,
                );
            }
        }
    },
};
