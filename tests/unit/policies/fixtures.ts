// Happy-path resources of every type the pack reads, each passing every policy; tests change one
// field per case. Plain JSON on purpose (not built with domain/): the policies read what the engine
// hands them, which may come from another package version.
import { mixedStack } from "../../../bench/mixed-stack";
import { FixtureResource } from "../support/policy";
import { MESH_LEDGER_TYPE, SIDECAR_VERSION_RECORD_TYPE } from "../../../provider/tokens";

export const TYPES = {
    ledger: MESH_LEDGER_TYPE,
    record: SIDECAR_VERSION_RECORD_TYPE,
    namespace: "kubernetes:core/v1:Namespace",
    namespacePatch: "kubernetes:core/v1:NamespacePatch",
    deployment: "kubernetes:apps/v1:Deployment",
    deploymentPatch: "kubernetes:apps/v1:DeploymentPatch",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    pod: "kubernetes:core/v1:Pod",
    sidecarSet: "kubernetes:apps.kruise.io/v1alpha1:SidecarSet",
    virtualService: "kubernetes:networking.istio.io/v1:VirtualService",
    virtualServiceBeta: "kubernetes:networking.istio.io/v1beta1:VirtualService",
    destinationRule: "kubernetes:networking.istio.io/v1:DestinationRule",
    webhook: "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
} as const;

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** One of each kind from the bench's realistic stack (one group: a mesh at finalize, its namespaces, workloads, routes, SidecarSets, a catalog record). */
export function happyStack(): FixtureResource[] {
    const stack = mixedStack(20).map((r) => ({ type: r.type, name: r.name, props: clone(r.props) }));
    const deployment = stack.find((r) => r.type === TYPES.deployment)!;
    const pod: FixtureResource = {
        type: TYPES.pod,
        name: "debug-pod",
        props: { metadata: { name: "debug", namespace: "shop-0" }, spec: clone((deployment.props.spec as { template: { spec: object } }).template.spec) },
    };
    const webhook: FixtureResource = {
        type: TYPES.webhook,
        name: "tag-stable",
        props: { metadata: { name: "istio-revision-tag-stable", labels: { "istio.io/tag": "stable", "istio.io/rev": "1-14-5" } }, webhooks: [] },
    };
    return [...stack, pod, webhook];
}

export function happy(type: string, index = 0): FixtureResource {
    const found = happyStack().filter((r) => r.type === type)[index];
    if (found === undefined) {
        throw new Error(`no happy-path fixture of type ${type}`);
    }
    return found;
}

/**
 * `withField(r, "spec.template.metadata", undefined)`: a copy of `r` with one field changed
 * (undefined deletes it). Give the path as a list when a key has dots: `["metadata", "labels", "istio.io/rev"]`.
 */
export function withField(r: FixtureResource, path: string | readonly string[], value: unknown): FixtureResource {
    const props = clone(r.props);
    const keys = typeof path === "string" ? path.split(".") : path;
    let at: Record<string, unknown> = props;
    for (const key of keys.slice(0, -1)) {
        at = at[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1];
    if (value === undefined) {
        delete at[last];
    } else {
        at[last] = value;
    }
    return { ...r, props };
}
