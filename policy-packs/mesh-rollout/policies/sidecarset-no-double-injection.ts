import { StackValidationPolicy } from "@pulumi/policy";
import { INJECTION_LABEL, REV_LABEL } from "../../../domain";
import { labelsOf, metadataName, NAMESPACE_TYPES, PolicyResource, SIDECARSET_TYPE } from "../resources";

interface Selector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function selects(selector: Selector, labels: Record<string, string>): boolean {
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
        if (labels[k] !== v) {
            return false;
        }
    }
    for (const e of selector.matchExpressions ?? []) {
        const has = e.key in labels;
        const inValues = has && (e.values ?? []).includes(labels[e.key]);
        const ok = e.operator === "In" ? inValues : e.operator === "NotIn" ? !inValues : e.operator === "Exists" ? has : !has;
        if (!ok) {
            return false;
        }
    }
    return true;
}

function optedOut(template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } | undefined): boolean {
    return template?.metadata?.labels?.["sidecar.istio.io/inject"] === "false" || template?.metadata?.annotations?.["sidecar.istio.io/inject"] === "false";
}

/** Seed 004: pods a SidecarSet injects must not also get a sidecar from namespace auto-injection. */
export const sidecarSetNoDoubleInjection: StackValidationPolicy = {
    name: "mesh-rollout-sidecarset-no-double-injection",
    description: "Checks that pods a SidecarSet selects are not also injected by namespace auto-injection (istio-injection or istio.io/rev), unless they opt out with sidecar.istio.io/inject=false.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const injecting = new Set(
            args.resources
                .filter((r) => NAMESPACE_TYPES.includes(r.type))
                .filter((r) => labelsOf(r)[INJECTION_LABEL] === "enabled" || labelsOf(r)[REV_LABEL] !== undefined)
                .map(metadataName),
        );
        const workloads = args.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment") as PolicyResource[];
        for (const set of args.resources.filter((r) => r.type === SIDECARSET_TYPE)) {
            const spec = set.props.spec as { selector?: Selector; namespace?: string } | undefined;
            const selector = spec?.selector ?? {};
            const namespaces = spec?.namespace !== undefined ? [spec.namespace] : [...injecting];
            for (const ns of namespaces.filter((n) => injecting.has(n))) {
                const inNs = workloads.filter((w) => (w.props.metadata as { namespace?: string } | undefined)?.namespace === ns);
                const templates = inNs.map((w) => ({ w, template: (w.props.spec as { template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } }).template }));
                const doubled = templates.filter(({ template }) => selects(selector, template?.metadata?.labels ?? {}) && !optedOut(template)).map(({ w }) => metadataName(w));
                if (doubled.length > 0 || inNs.length === 0) {
                    const who = doubled.length > 0 ? `Deployment${doubled.length > 1 ? "s" : ""} ${doubled.join(", ")} in ${ns}` : `pods in ${ns}`;
                    reportViolation(
                        `SidecarSet ${metadataName(set as PolicyResource)} must not select ${who}: namespace ${ns} also injects sidecars automatically, so pods would get two. Disable auto-injection for ${ns} (seed 004: an independent namespace), or opt the pods out with sidecar.istio.io/inject=false.`,
                        set.urn,
                    );
                }
            }
        }
    },
};
