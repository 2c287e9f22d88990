import { compareVersions, formatVersion, isVersion, MeshVersion, parseVersion } from "./versions";

// The live data plane as the guards judge it: which revision's sidecar each pod of the mesh's
// namespaces runs. Pure: the provider reads the pods (provider/live.ts), this decides what they mean.

/** A pod as read from the cluster, reduced to what the guards need. */
export interface PodSidecar {
    readonly namespace: string;
    readonly name: string;
    /** The workload that owns it: `Deployment/cart`, `StatefulSet/db`, `DaemonSet/agent`, or `Pod/<name>`. */
    readonly owner: string;
    /** The revision (or tag) whose injector gave it its sidecar; null without a sidecar. */
    readonly revision: string | null;
    /** The `istio-proxy` container's image; null without a sidecar. */
    readonly image: string | null;
}

/** What the ledger's provider observed in the cluster when the stage was checked. */
export interface DataPlaneObservation {
    /** False when no cluster was read (render mode, or the read failed: see `reason`). */
    readonly verified: boolean;
    /** Why it is not verified, in words. */
    readonly reason?: string;
    /** When the pods were read (ISO 8601). */
    readonly at?: string;
    /** The pods with a sidecar in the namespaces bound to the mesh. */
    readonly pods: readonly PodSidecar[];
}

/** What the finalize gate does when the data plane could not be read. */
export type LiveGate = "refuse" | "warn";

const POD_TEMPLATE_HASH = "pod-template-hash";

interface PodObject {
    readonly metadata?: {
        readonly name?: unknown;
        readonly namespace?: unknown;
        readonly deletionTimestamp?: unknown;
        readonly labels?: Record<string, unknown>;
        readonly annotations?: Record<string, unknown>;
        readonly ownerReferences?: readonly { readonly kind?: unknown; readonly name?: unknown; readonly controller?: unknown }[];
    };
    readonly spec?: { readonly containers?: readonly { readonly name?: unknown; readonly image?: unknown }[] };
    readonly status?: { readonly phase?: unknown };
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * The revision whose injector gave a pod its sidecar, as Istio marks it: the `istio.io/rev` label the
 * injector sets, else the `revision` in the `sidecar.istio.io/status` annotation.
 */
export function podRevision(pod: PodObject): string | null {
    const label = str(pod.metadata?.labels?.["istio.io/rev"]);
    const status = str(pod.metadata?.annotations?.["sidecar.istio.io/status"]);
    let fromStatus: string | undefined;
    if (status !== undefined) {
        try {
            fromStatus = str((JSON.parse(status) as { revision?: unknown }).revision);
        } catch {
            fromStatus = undefined;
        }
    }
    const proxy = pod.spec?.containers?.some((c) => c.name === "istio-proxy") ?? false;
    if (!proxy && status === undefined) {
        return null;
    }
    return label ?? fromStatus ?? "default";
}

/** `Deployment/<name>` for a pod of a ReplicaSet (its name without the pod-template hash), else its owner. */
export function podOwner(pod: PodObject): string {
    const ref = pod.metadata?.ownerReferences?.find((r) => r.controller === true) ?? pod.metadata?.ownerReferences?.[0];
    const kind = str(ref?.kind);
    const name = str(ref?.name);
    if (kind === undefined || name === undefined) {
        return `Pod/${str(pod.metadata?.name) ?? "?"}`;
    }
    if (kind === "ReplicaSet") {
        const hash = str(pod.metadata?.labels?.[POD_TEMPLATE_HASH]);
        return `Deployment/${hash !== undefined && name.endsWith(`-${hash}`) ? name.slice(0, -hash.length - 1) : name.replace(/-[a-z0-9]{6,10}$/, "")}`;
    }
    return `${kind}/${name}`;
}

/**
 * A pod object read from the API server, reduced; undefined for a pod that is finished, being deleted
 * (a restart already replaced it) or unreadable.
 */
export function podSidecar(pod: PodObject): PodSidecar | undefined {
    const namespace = str(pod.metadata?.namespace);
    const name = str(pod.metadata?.name);
    const phase = str(pod.status?.phase);
    if (namespace === undefined || name === undefined || phase === "Succeeded" || phase === "Failed" || pod.metadata?.deletionTimestamp !== undefined) {
        return undefined;
    }
    const revision = podRevision(pod);
    const image = str(pod.spec?.containers?.find((c) => c.name === "istio-proxy")?.image) ?? null;
    return { namespace, name, owner: podOwner(pod), revision, image };
}

/** Resolves a tag to its revision (the ledger's tags); a revision name stays as it is. */
export function resolveRevision(value: string, tags: Readonly<Record<string, string>>): string {
    return tags[value] ?? value;
}

/** The pods whose sidecar comes from `revision` (directly or through a tag that names it). */
export function podsOnRevision(pods: readonly PodSidecar[], revision: string, tags: Readonly<Record<string, string>>): PodSidecar[] {
    return pods.filter((p) => p.revision !== null && resolveRevision(p.revision, tags) === revision);
}

/** `shop: 3 pods (Deployment/cart, Deployment/reviews)`, per namespace, in words. */
export function describePods(pods: readonly PodSidecar[]): string[] {
    const byNamespace = new Map<string, PodSidecar[]>();
    for (const p of pods) {
        byNamespace.set(p.namespace, [...(byNamespace.get(p.namespace) ?? []), p]);
    }
    return [...byNamespace]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([ns, list]) => {
            const owners = [...new Set(list.map((p) => p.owner))].sort();
            const names = list
                .map((p) => p.name)
                .sort()
                .slice(0, 5);
            return `${list.length} pod${list.length === 1 ? "" : "s"} in ${ns} (${names.join(", ")}${list.length > 5 ? ", ..." : ""}): restart ${owners.join(" and ")}`;
        });
}

/** The plan in words: `3 pods in shop still run 1-12-4: restart Deployment/cart and Deployment/reviews to move them`. */
export function dataPlaneWords(observed: DataPlaneObservation, oldRevision: string, newRevision: string | null, tags: Readonly<Record<string, string>>): string {
    if (!observed.verified) {
        return `data plane not verified: ${observed.reason ?? "no cluster"}`;
    }
    const old = podsOnRevision(observed.pods, oldRevision, tags);
    if (newRevision === null || old.length === 0) {
        return `data plane verified at ${observed.at ?? "?"}: no pod runs ${oldRevision}${newRevision !== null ? `; ${podsOnRevision(observed.pods, newRevision, tags).length} on ${newRevision}` : ""}`;
    }
    return `${old.length} pod${old.length === 1 ? "" : "s"} still run ${oldRevision}: ${describePods(old).join("; ")} to move them to ${newRevision}`;
}

/**
 * The version of a proxy image from its tag (`docker.io/istio/proxyv2:1.14.5`, `...:1.14.5-distroless`,
 * ASM's `...:1.12.4.58`); undefined when the image names no version (a digest only, `latest`, none).
 */
export function proxyVersion(image: string | null): MeshVersion | undefined {
    if (image === null) {
        return undefined;
    }
    const withoutDigest = image.split("@")[0] ?? "";
    const lastSlash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.lastIndexOf(":");
    if (colon <= lastSlash) {
        return undefined;
    }
    const m = /^v?(\d+\.\d+\.\d+(?:\.\d+)?)(?:$|[-_])/.exec(withoutDigest.slice(colon + 1));
    return m !== null && isVersion(m[1]) ? parseVersion(m[1]) : undefined;
}

/**
 * Pods whose proxy is newer than every control plane that stays installed: a control plane older than
 * its data plane (istio #51459: proxies of a newer version broke when their control plane was rolled
 * back under them).
 */
export function podsNewerThan(pods: readonly PodSidecar[], controlPlanes: readonly string[]): { pod: PodSidecar; version: string }[] {
    const installed = controlPlanes.filter(isVersion).map((v) => parseVersion(v));
    if (installed.length === 0) {
        return [];
    }
    const newest = installed.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
    return pods.flatMap((pod) => {
        const v = proxyVersion(pod.image);
        return v !== undefined && compareVersions(v, newest) > 0 ? [{ pod, version: formatVersion(v) }] : [];
    });
}
