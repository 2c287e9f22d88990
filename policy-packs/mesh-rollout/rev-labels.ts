// The `istio.io/rev` value a namespace or a workload's pods carry, as the revision policies read it.
import { REV_LABEL } from "../../domain";
import { isProblem } from "./fields";
import { fieldViolation, kindName, NAMESPACE_TYPES, podOf, PolicyResource, readMetadata, readPodMetadata, resourceLabel, WORKLOAD_TYPES } from "./resources";
import { shown } from "./values";

export type RevLabel =
    | {
          readonly kind: "namespace" | "workload";
          /** `shop`, `shop/cart` (namespace `default` when not given). */
          readonly name: string;
          /** `Namespace shop`, `Deployment shop/cart`. */
          readonly owner: string;
          /** Where the label is: `metadata.labels["istio.io/rev"]`, `spec.template.metadata.labels["istio.io/rev"]`. */
          readonly path: string;
          readonly value: string;
      }
    | { readonly problem: string };

/**
 * A namespace or workload (`shop`, `shop/cart`) and its `istio.io/rev` value; a violation text when the
 * fields holding it are unreadable; undefined when the resource carries none or is neither.
 */
export function revLabelOf(r: PolicyResource): RevLabel | undefined {
    const namespace = NAMESPACE_TYPES.has(r.type);
    if (!namespace && !WORKLOAD_TYPES.has(r.type)) {
        return undefined;
    }
    const metadata = readMetadata(r, namespace ? { labels: [REV_LABEL] } : {});
    if (isProblem(metadata)) {
        return { problem: fieldViolation(resourceLabel(r, metadata), metadata) };
    }
    if (namespace) {
        const value = metadata.labels[REV_LABEL];
        return value === undefined
            ? undefined
            : { kind: "namespace", name: shown(metadata.name), owner: `Namespace ${shown(metadata.name)}`, path: `metadata.labels["${REV_LABEL}"]`, value };
    }
    const name = `${shown(metadata.namespace ?? "default")}/${shown(metadata.name)}`;
    const what = `${kindName(r.type)} ${name}`;
    const pod = podOf(r);
    if (isProblem(pod)) {
        return { problem: fieldViolation(what, pod) };
    }
    if (pod === undefined) {
        return undefined;
    }
    const podMetadata = readPodMetadata(r, pod, { labels: [REV_LABEL] });
    if (isProblem(podMetadata)) {
        return { problem: fieldViolation(what, podMetadata) };
    }
    const value = podMetadata.labels[REV_LABEL];
    return value === undefined ? undefined : { kind: "workload", name, owner: what, path: `${pod.path === "" ? "" : `${pod.path}.`}metadata.labels["${REV_LABEL}"]`, value };
}
