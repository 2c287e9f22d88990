// Consumers of a sidecar catalog version: any Kubernetes object annotated with the version it injects.
import { isProblem } from "./fields";
import { fieldViolation, kindName, PolicyResource, readMetadata, resourceLabel } from "./resources";
import { shown } from "./values";

export const SIDECAR_VERSION_ANNOTATION = "mesh-rollout.io/sidecar-version";
export const SIDECAR_IMAGE_ANNOTATION = "mesh-rollout.io/sidecar-image";

export interface SidecarUse {
    /** `SidecarSet nginx`. */
    readonly consumer: string;
    readonly version: string;
    readonly image: string | undefined;
    readonly urn: string;
}

/** The use a resource declares; a violation text when its annotations are unreadable; undefined when it declares none. */
export function sidecarUseOf(r: PolicyResource): SidecarUse | { readonly problem: string } | undefined {
    if (!r.type.startsWith("kubernetes:")) {
        return undefined; // Only Kubernetes objects inject sidecars.
    }
    const metadata = readMetadata(r, { annotations: [SIDECAR_VERSION_ANNOTATION, SIDECAR_IMAGE_ANNOTATION] });
    if (isProblem(metadata)) {
        // Only a problem when the object may carry the annotation: its annotations exist but are unreadable.
        return metadata.path.startsWith("metadata.annotations") ? { problem: fieldViolation(resourceLabel(r, metadata), metadata) } : undefined;
    }
    const version = metadata.annotations[SIDECAR_VERSION_ANNOTATION];
    if (version === undefined) {
        return undefined;
    }
    return { consumer: `${kindName(r.type)} ${shown(metadata.name)}`, version, image: metadata.annotations[SIDECAR_IMAGE_ANNOTATION], urn: r.urn };
}
