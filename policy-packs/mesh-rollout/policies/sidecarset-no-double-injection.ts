import { StackValidationPolicy } from "@pulumi/policy";
import { INJECTION_LABEL, REV_LABEL } from "../../../domain";
import { field, FieldProblem, isObject, isProblem, optional, string } from "../fields";
import { LabelIndex, LabelSelector, readSelector } from "../label-selectors";
import { fieldViolation, NAMESPACE_TYPES, podOf, PolicyResource, readMetadata, readableDeployments, readPodMetadata, resourceLabel, SIDECARSET_TYPE } from "../resources";
import { listSome, shown } from "../values";

const OPT_OUT = "sidecar.istio.io/inject";

interface Workload {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
}

interface SidecarSetView {
    readonly r: PolicyResource;
    readonly name: string;
    readonly selector: LabelSelector;
    /** Only pods in this namespace; undefined for every namespace. */
    readonly namespace: string | undefined;
}

/** A list of at most `max` items, then how many more. */
function some(items: readonly string[], total: number, max: number): string {
    const head = listSome(items.slice(0, max));
    return total > max ? `${head} and ${total - max} more` : head;
}

/** Seed 004: pods a SidecarSet injects must not also get a sidecar from namespace auto-injection. */
export const sidecarSetNoDoubleInjection: StackValidationPolicy = {
    name: "mesh-rollout-sidecarset-no-double-injection",
    description:
        "Checks that pods a SidecarSet selects are not also injected by namespace auto-injection (istio-injection or istio.io/rev), unless they opt out with sidecar.istio.io/inject=false.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const sets: SidecarSetView[] = [];
        for (const r of args.resources) {
            if (r.type !== SIDECARSET_TYPE) {
                continue;
            }
            const spec = field(r.props, "spec");
            const selector = readSelector(field(spec, "selector"), "spec.selector");
            // `spec.namespace` (v1alpha1), or a namespaceSelector naming one namespace by its name label (both versions).
            const byName = field(field(field(spec, "namespaceSelector"), "matchLabels"), "kubernetes.io/metadata.name");
            const namespace = optional(string("a namespace name", '"shop"'))(field(spec, "namespace") ?? (typeof byName === "string" ? byName : undefined), "spec.namespace");
            if (spec !== undefined && spec !== null && !isObject(spec)) {
                reportViolation(
                    fieldViolation(resourceLabel(r), new FieldProblem("spec", spec, "the SidecarSet spec", '{"selector": {"matchLabels": {"app": "cart"}}, "containers": [...]}')),
                    r.urn,
                );
            } else if (isProblem(selector) || isProblem(namespace)) {
                reportViolation(fieldViolation(resourceLabel(r), isProblem(selector) ? selector : (namespace as FieldProblem)), r.urn);
            } else {
                sets.push({ r, name: resourceLabel(r), selector, namespace });
            }
        }
        if (sets.length === 0) {
            return;
        }
        // One pass over namespaces and Deployments; each SidecarSet then looks up what it may select.
        const injecting: string[] = [];
        for (const r of args.resources) {
            if (!NAMESPACE_TYPES.has(r.type)) {
                continue;
            }
            const metadata = readMetadata(r, { labels: [INJECTION_LABEL, REV_LABEL] });
            if (isProblem(metadata)) {
                reportViolation(fieldViolation(resourceLabel(r, metadata), metadata), r.urn);
            } else if (metadata.labels[INJECTION_LABEL] === "enabled" || metadata.labels[REV_LABEL] !== undefined) {
                injecting.push(metadata.name);
            }
        }
        const injectingSet = new Set(injecting);
        const byNamespace = new Map<string, LabelIndex<Workload>>();
        const everywhere = new LabelIndex<Workload>();
        for (const { r, metadata, namespace } of readableDeployments(args.resources, reportViolation)) {
            if (!injectingSet.has(namespace)) {
                continue; // Not auto-injected: nothing to double.
            }
            const pod = podOf(r);
            const template = pod === undefined || isProblem(pod) ? pod : readPodMetadata(r, pod, { labels: true, annotations: [OPT_OUT] });
            if (isProblem(template)) {
                reportViolation(fieldViolation(resourceLabel(r, metadata), template), r.urn);
                continue;
            }
            const index = byNamespace.get(namespace) ?? new LabelIndex<Workload>();
            byNamespace.set(namespace, index);
            const optedOut = template?.labels[OPT_OUT] === "false" || template?.annotations[OPT_OUT] === "false";
            if (!optedOut) {
                const workload = { name: shown(metadata.name), namespace, labels: template?.labels ?? {} };
                index.add(workload);
                everywhere.add(workload);
            }
        }
        const withoutDeployments = injecting.filter((ns) => !byNamespace.has(ns));
        for (const set of sets) {
            if (set.namespace !== undefined && !injectingSet.has(set.namespace)) {
                continue;
            }
            const index = set.namespace === undefined ? everywhere : byNamespace.get(set.namespace);
            const selected = index?.select(set.selector) ?? [];
            const doubled = new Map<string, string[]>();
            for (const w of selected) {
                const names = doubled.get(w.namespace);
                if (names === undefined) {
                    doubled.set(w.namespace, [w.name]);
                } else {
                    names.push(w.name);
                }
            }
            // Namespaces without Deployments in the stack: their pods come from elsewhere and may be selected.
            const empty = set.namespace === undefined ? withoutDeployments : byNamespace.has(set.namespace) ? [] : [set.namespace];
            const parts = [...doubled].map(([ns, names]) => `Deployment${names.length > 1 ? "s" : ""} ${some(names, names.length, 5)} in ${shown(ns)}`);
            parts.push(...empty.slice(0, 3).map((ns) => `pods in ${shown(ns)}`));
            const namespaces = [...doubled.keys(), ...empty.slice(0, 3)].map(shown);
            const total = doubled.size + empty.length;
            if (total === 0) {
                continue;
            }
            const nsText = some(namespaces, total, 3);
            reportViolation(
                `${set.name} must not select ${some(parts, total, 3)}: namespace${total > 1 ? "s" : ""} ${nsText} also inject${total > 1 ? "" : "s"} sidecars automatically, so pods would get two. Disable auto-injection for ${nsText} (seed 004: an independent namespace), or opt the pods out with ${OPT_OUT}=false.`,
                set.r.urn,
            );
        }
    },
};
