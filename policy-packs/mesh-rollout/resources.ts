// Reading the stack's Kubernetes objects the way the policies need them, without trusting their
// shape: a field of the wrong type is a FieldProblem (a violation naming it), a missing optional
// field reads as empty.
import { emptyMap, FieldProblem, field, isObject, isProblem, joinKey, labelValue, optional, optionalLabels, Path, Read, string } from "./fields";
import { shown } from "./values";

export const NAMESPACE_TYPES: ReadonlySet<string> = new Set(["kubernetes:core/v1:Namespace", "kubernetes:core/v1:NamespacePatch"]);
export const DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment";
export const POD_TYPE = "kubernetes:core/v1:Pod";
export const WORKLOAD_TYPES: ReadonlySet<string> = new Set([
    DEPLOYMENT_TYPE,
    "kubernetes:apps/v1:DeploymentPatch",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
]);
export const WEBHOOK_TYPE = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration";
export const SIDECARSET_TYPE = "kubernetes:apps.kruise.io/v1alpha1:SidecarSet";

/** Any Istio VirtualService, whatever its API version: `kubernetes:networking.istio.io/v1:VirtualService`. */
export function isVirtualService(type: string): boolean {
    return /^kubernetes:networking\.istio\.io\/v[0-9a-z]+:VirtualService$/.test(type);
}

/** What a policy sees of a resource: the SDK's ResourceValidationArgs and PolicyResource both fit. */
export interface PolicyResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, unknown>;
}

/** `Deployment` for `kubernetes:apps/v1:Deployment`. */
export function kindName(type: string): string {
    return shown(type.slice(type.lastIndexOf(":") + 1) || type);
}

export interface Metadata {
    readonly name: string;
    readonly namespace: string | undefined;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

const objectName = optional(string("a name", '"cart"'));
const namespaceName = optional(string("a namespace name", '"shop"'));
const optionalLabelValue = optional(labelValue);

/** Which labels and annotations to read: all of them, only the listed keys, or none (the default). */
export interface MetadataWant {
    readonly labels?: true | readonly string[];
    readonly annotations?: true | readonly string[];
}

function readMap(metadata: Record<string, unknown>, path: Path, key: "labels" | "annotations", want: true | readonly string[] | undefined): Read<Record<string, string>> {
    const value = field(metadata, key);
    if (want === undefined || value === undefined || value === null) {
        return emptyMap();
    }
    const at = joinKey(path, key);
    if (want === true) {
        return optionalLabels(value, at);
    }
    if (!isObject(value)) {
        return new FieldProblem(at, value, "a map of names to strings", '{"app": "cart"}');
    }
    const out = emptyMap<string>();
    for (const name of want) {
        const read = optionalLabelValue(value[name], joinKey(at, name));
        if (isProblem(read)) {
            return read;
        }
        if (read !== undefined) {
            out[name] = read;
        }
    }
    return out;
}

/**
 * `metadata` of a Kubernetes object (or of a pod template, at `path`): the name (the resource's when
 * absent), the namespace, and the labels and annotations asked for; absent maps read as empty.
 * Only what is asked for is read: under the SDK's proxy every property read has a cost.
 */
export function readMetadata(r: PolicyResource, want: MetadataWant = {}, path: Path = "metadata", metadata: unknown = field(r.props, "metadata")): Read<Metadata> {
    if (metadata === undefined || metadata === null) {
        return { name: r.name, namespace: undefined, labels: emptyMap(), annotations: emptyMap() };
    }
    if (!isObject(metadata)) {
        const example = path === "metadata" ? '{"name": "cart", "namespace": "shop", "labels": {"app": "cart"}}' : '{"labels": {"app": "cart"}}';
        return new FieldProblem(path, metadata, "an object", example);
    }
    const name = objectName(field(metadata, "name"), joinKey(path, "name"));
    const namespace = namespaceName(field(metadata, "namespace"), joinKey(path, "namespace"));
    const labels = readMap(metadata, path, "labels", want.labels);
    const annotations = readMap(metadata, path, "annotations", want.annotations);
    for (const read of [name, namespace, labels, annotations]) {
        if (isProblem(read)) {
            return read;
        }
    }
    return {
        name: (name as string | undefined) ?? r.name,
        namespace: namespace as string | undefined,
        labels: labels as Metadata["labels"],
        annotations: annotations as Metadata["annotations"],
    };
}

/** How a message names a resource: `Namespace shop`, `Deployment shop/cart`, or by its Pulumi name when its metadata is unreadable. */
export function resourceLabel(r: PolicyResource, metadata?: Read<Metadata>): string {
    const m = metadata ?? readMetadata(r);
    if (isProblem(m)) {
        return `${kindName(r.type)} ${shown(r.name)}`;
    }
    return `${kindName(r.type)} ${m.namespace !== undefined ? `${shown(m.namespace)}/` : ""}${shown(m.name)}`;
}

/** `Namespace shop must have 'metadata.labels' as ..., e.g. ...; it is 5 (a number). Correct ...` */
export function fieldViolation(label: string, problem: FieldProblem, remedy = "Correct that field in the program; the Kubernetes API would refuse it too."): string {
    return `${label} must have ${problem.describe()}. ${remedy}`;
}

/** A pod template (a workload's `spec.template`) or a Pod itself: where its metadata and spec are. */
export interface PodView {
    /** `spec.template` for a workload, `` for a Pod. */
    readonly path: Path;
    readonly metadata: unknown;
    readonly spec: unknown;
}

const OBJECT_EXAMPLE = '{"metadata": {"labels": {"app": "cart"}}, "spec": {"containers": []}}';

/**
 * The Deployments of a stack with readable metadata, each with its namespace (`default` when not given);
 * a Deployment whose metadata cannot be read is reported (naming it and the field) and left out.
 */
export function readableDeployments(
    resources: readonly PolicyResource[],
    report: (message: string, urn?: string) => void,
): { r: PolicyResource; metadata: Metadata; namespace: string }[] {
    const out: { r: PolicyResource; metadata: Metadata; namespace: string }[] = [];
    for (const r of resources) {
        if (r.type !== DEPLOYMENT_TYPE) {
            continue;
        }
        const metadata = readMetadata(r);
        if (isProblem(metadata)) {
            report(fieldViolation(resourceLabel(r, metadata), metadata), r.urn);
        } else {
            out.push({ r, metadata, namespace: metadata.namespace ?? "default" });
        }
    }
    return out;
}

/** The pod a workload or Pod describes; undefined when it has none (a patch without a template). */
export function podOf(r: PolicyResource): Read<PodView | undefined> {
    if (r.type === POD_TYPE) {
        return { path: "", metadata: field(r.props, "metadata"), spec: field(r.props, "spec") };
    }
    const spec = field(r.props, "spec");
    if (spec === undefined || spec === null) {
        return undefined;
    }
    if (!isObject(spec)) {
        return new FieldProblem("spec", spec, "an object", '{"template": ' + OBJECT_EXAMPLE + "}");
    }
    const template = field(spec, "template");
    if (template === undefined || template === null) {
        return undefined;
    }
    if (!isObject(template)) {
        return new FieldProblem("spec.template", template, "a pod template", OBJECT_EXAMPLE);
    }
    return { path: "spec.template", metadata: field(template, "metadata"), spec: field(template, "spec") };
}

/** Labels and annotations of a pod (template). */
export function readPodMetadata(r: PolicyResource, pod: PodView, want: MetadataWant): Read<Metadata> {
    return readMetadata(r, want, joinKey(pod.path, "metadata"), pod.metadata);
}
