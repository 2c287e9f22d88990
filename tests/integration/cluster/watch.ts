/**
 * A make-before-break watch on the API server: HTTP watches on namespaces, mutating webhook
 * configurations and Deployments (all namespaces), a timeline of every event, and an invariant judged
 * after each event in the API server's own order (resourceVersion: one etcd, one global order):
 *
 *   every namespace label `istio.io/rev`, every injected Deployment's pod-template `istio.io/rev` outside
 *   the control-plane namespace (the gateways), and every tag webhook `istio-revision-tag-<tag>` points
 *   (a tag through its webhook's `istio.io/rev` label, else the value is a revision) at a revision whose
 *   `istiod-<revision>` Deployment is Ready at that moment: readyReplicas >= 1, observedGeneration ==
 *   generation, not being deleted.
 *
 * Readiness is judged from the watch's own view, never from a separate read, so a reference and the
 * istiod it needs are compared at the same point of the API server's history. The three streams arrive
 * independently; `check()` first syncs them with marker objects (a namespace, a webhook configuration
 * with no webhooks and a Deployment of 0 replicas, all named `mesh-watch-marker`): once a stream has
 * delivered the write made to its marker, it has delivered everything before it, and the events up to
 * the lowest such point are replayed in resourceVersion order.
 */
import type https from "node:https";
import { KubeClient, KubeObject } from "./kube";

export const MARKER = "mesh-watch-marker";
const REV = "istio.io/rev";
const TAG_PREFIX = "istio-revision-tag-";

type Kind = "Namespace" | "MutatingWebhookConfiguration" | "Deployment";

const COLLECTIONS: Record<Kind, string> = {
    Namespace: "/api/v1/namespaces",
    MutatingWebhookConfiguration: "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
    Deployment: "/apis/apps/v1/deployments",
};
const KINDS = Object.keys(COLLECTIONS) as Kind[];

/** One event of the timeline, as received. */
export interface TimelineEvent {
    readonly kind: Kind;
    readonly type: "ADDED" | "MODIFIED" | "DELETED";
    readonly key: string;
    readonly rv: number;
    /** When the watch received it (ms since the epoch). */
    readonly at: number;
    readonly object: KubeObject;
}

/** A reference that pointed at a revision whose istiod was not Ready, from `since` until `until`. */
export interface Violation {
    /** `Namespace/shop`, `Deployment/istio-ingress/ingress`, `MutatingWebhookConfiguration/istio-revision-tag-canary`. */
    readonly object: string;
    /** What it pointed at, as written (`istio.io/rev=stable`). */
    readonly pointsAt: string;
    /** The revision that resolves to. */
    readonly revision: string;
    /** istiod-<revision> when the violation began: absent, or its status. */
    readonly istiod: string;
    /** The event that began it. */
    readonly since: { readonly at: string; readonly rv: number; readonly event: string };
    /** The event that ended it; undefined if it still holds. */
    until?: { readonly at: string; readonly rv: number; readonly event: string };
    /** Other istiod states seen while it held. */
    readonly istiodStates: string[];
    /** The label (run name) current when it began. */
    readonly phase: string;
}

/** A reference that began pointing at a Ready revision: how long after that revision's istiod became Ready. */
export interface Margin {
    readonly object: string;
    readonly revision: string;
    readonly phase: string;
    readonly ms: number;
}

interface Stream {
    readonly kind: Kind;
    /** Highest resourceVersion delivered (events or bookmarks). */
    delivered: number;
    /** The server answered ERROR (its history was compacted past `delivered`): the stream is not reopened. */
    broken?: boolean;
    request?: ReturnType<typeof https.request>;
}

export interface MeshWatch {
    /** Every event received so far: those `check()` replayed in resourceVersion order, then the rest as they arrived. */
    readonly timeline: readonly TimelineEvent[];
    /** The live view (arrival order), for triggers: `Kind/namespace/name` -> object. */
    current(kind: Kind, key: string): KubeObject | undefined;
    /** Waits until `pred` holds on the live view (checked at each event), at most `seconds`. */
    waitUntil(what: string, pred: () => boolean, seconds?: number): Promise<void>;
    /** Names the current phase (a run of `pulumi up`, say): violations say in which phase they began. */
    phase(name: string): void;
    /** Syncs the streams, replays the events up to the sync point, and returns the violations so far. */
    check(): Promise<Violation[]>;
    /** After `check()`: every reference that began pointing at a Ready revision, with how long it had been Ready. */
    readonly margins: readonly Margin[];
    /** Errors of the watch itself (a stream that ended with an error, a lost stretch of history). */
    readonly errors: readonly string[];
    /** Calls `listener` with every event as it arrives; returns the unsubscribe function. */
    subscribe(listener: (e: TimelineEvent) => void): () => void;
    stop(): Promise<void>;
}

/** Whether the istiod Deployment `d` is Ready, and its state in words. */
export function istiodState(d: KubeObject | undefined): { ready: boolean; words: string } {
    if (d === undefined) {
        return { ready: false, words: "absent" };
    }
    const ready = d.status?.readyReplicas ?? 0;
    const words = `generation ${d.metadata.generation}, observedGeneration ${d.status?.observedGeneration ?? "-"}, readyReplicas ${ready}/${d.spec?.replicas ?? "?"}${
        d.metadata.deletionTimestamp ? `, deleting since ${d.metadata.deletionTimestamp}` : ""
    }`;
    return { ready: ready >= 1 && d.status?.observedGeneration === d.metadata.generation && d.metadata.deletionTimestamp === undefined, words };
}

function keyOf(kind: Kind, o: KubeObject): string {
    return kind === "Deployment" ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

/** Starts the watches on the cluster of `kubeconfigPath` (token auth and CA from it, as KubeClient). */
export async function watchMesh(kubeconfigPath: string, opts: { istioNamespace?: string } = {}): Promise<MeshWatch> {
    const istioNs = opts.istioNamespace ?? "istio-system";
    const client = new KubeClient(kubeconfigPath);
    const must = (method: string, path: string, body?: unknown, contentType?: string) => client.must(method, path, body, contentType);

    // Marker objects, one per watched collection, for syncing the streams.
    const markers: Record<Kind, { path: string; object: KubeObject }> = {
        Namespace: { path: `/api/v1/namespaces/${MARKER}`, object: { apiVersion: "v1", kind: "Namespace", metadata: { name: MARKER } } },
        MutatingWebhookConfiguration: {
            path: `${COLLECTIONS.MutatingWebhookConfiguration}/${MARKER}`,
            object: { apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingWebhookConfiguration", metadata: { name: MARKER }, webhooks: [] },
        },
        Deployment: {
            path: `/apis/apps/v1/namespaces/${MARKER}/deployments/${MARKER}`,
            object: {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: MARKER, namespace: MARKER },
                spec: {
                    replicas: 0,
                    selector: { matchLabels: { app: MARKER } },
                    template: { metadata: { labels: { app: MARKER } }, spec: { containers: [{ name: "pause", image: "registry.example.com/pause:1" }] } },
                },
            },
        },
    };
    let syncs = 0;
    const touch = (kind: Kind): Promise<KubeObject> =>
        must(
            "PATCH",
            `${markers[kind].path}?fieldManager=mesh-watch&force=true`,
            { ...markers[kind].object, metadata: { ...markers[kind].object.metadata, annotations: { "mesh-watch/sync": String(++syncs) } } },
            "application/apply-patch+yaml",
        );
    for (const kind of KINDS) {
        await touch(kind);
    }

    // Initial lists, then watches from each list's resourceVersion.
    const initial = new Map<string, KubeObject>();
    const live = new Map<string, KubeObject>();
    const streams = new Map<Kind, Stream>();
    let startRv = 0;
    for (const kind of KINDS) {
        const list = await must("GET", COLLECTIONS[kind]);
        const rv = Number(list.metadata.resourceVersion);
        startRv = Math.max(startRv, rv);
        for (const o of list.items as KubeObject[]) {
            initial.set(`${kind}/${keyOf(kind, o)}`, o);
            live.set(`${kind}/${keyOf(kind, o)}`, o);
        }
        streams.set(kind, { kind, delivered: rv });
    }
    const timeline: TimelineEvent[] = [];
    const errors: string[] = [];
    const waiters = new Set<() => void>();
    const listeners = new Set<(e: TimelineEvent) => void>();
    let stopped = false;

    const open = (s: Stream): void => {
        if (stopped) {
            return;
        }
        s.request = client.stream(`${COLLECTIONS[s.kind]}?watch=1&allowWatchBookmarks=true&timeoutSeconds=3600&resourceVersion=${s.delivered}`, {
            onEvent: (e) => receive(s, e),
            // The server ends a watch after its timeout: continue from the last delivered version.
            onEnd: () => setImmediate(() => (s.broken ? undefined : open(s))),
            onError: (e) => {
                if (!stopped) {
                    errors.push(`${s.kind} watch: ${e.message}`);
                }
            },
        });
    };
    const receive = (s: Stream, e: { type: string; object: KubeObject }): void => {
        const at = Date.now();
        if (e.type === "ERROR") {
            errors.push(`${s.kind} watch: ${JSON.stringify(e.object)} (history after ${s.delivered} is lost)`);
            s.broken = true;
            return;
        }
        const rv = Number(e.object.metadata.resourceVersion);
        s.delivered = Math.max(s.delivered, rv);
        if (e.type !== "BOOKMARK") {
            const key = keyOf(s.kind, e.object);
            const event: TimelineEvent = { kind: s.kind, type: e.type as TimelineEvent["type"], key, rv, at, object: e.object };
            timeline.push(event);
            for (const l of [...listeners]) {
                l(event);
            }
            if (e.type === "DELETED") {
                live.delete(`${s.kind}/${key}`);
            } else {
                live.set(`${s.kind}/${key}`, e.object);
            }
        }
        for (const w of [...waiters]) {
            w();
        }
    };
    for (const s of streams.values()) {
        open(s);
    }

    // Replay in resourceVersion order, judging the invariant after each event.
    const state = new Map(initial);
    let replayed = 0; // events of `timeline` replayed so far (its first `replayed`)
    let replayedRv = 0;
    const violations: Violation[] = [];
    const open_ = new Map<string, Violation>();
    /** revision -> when its istiod last became Ready (watch time); object -> the revision it points at. */
    const readySince = new Map<string, number>();
    const pointing = new Map<string, string>();
    const margins: Margin[] = [];
    let phaseName = "start";
    const phases: { at: number; name: string }[] = [];

    const get = (kind: Kind, key: string): KubeObject | undefined => state.get(`${kind}/${key}`);
    /** The references now: object -> [written value, revision]; tags resolve through their webhook. */
    const references = (): Map<string, { pointsAt: string; revision: string }> => {
        const out = new Map<string, { pointsAt: string; revision: string }>();
        const resolve = (value: string): string => {
            const tag = get("MutatingWebhookConfiguration", `${TAG_PREFIX}${value}`);
            return tag ? (tag.metadata.labels?.[REV] ?? `(tag webhook ${TAG_PREFIX}${value} has no ${REV} label)`) : value;
        };
        for (const [k, o] of state) {
            const [kind] = k.split("/") as [Kind];
            if (kind === "Namespace") {
                const v = o.metadata.labels?.[REV];
                if (v !== undefined) {
                    out.set(`Namespace/${o.metadata.name}`, { pointsAt: `${REV}=${v}`, revision: resolve(v) });
                }
            } else if (kind === "MutatingWebhookConfiguration") {
                if (o.metadata.name.startsWith(TAG_PREFIX)) {
                    out.set(`MutatingWebhookConfiguration/${o.metadata.name}`, {
                        pointsAt: `tag ${o.metadata.name.slice(TAG_PREFIX.length)} -> ${REV}=${o.metadata.labels?.[REV]}`,
                        revision: o.metadata.labels?.[REV] ?? "(none)",
                    });
                }
            } else if (o.metadata.namespace !== istioNs) {
                const labels = o.spec?.template?.metadata?.labels ?? {};
                const v = labels[REV];
                if (v !== undefined && labels["sidecar.istio.io/inject"] !== "false") {
                    out.set(`Deployment/${o.metadata.namespace}/${o.metadata.name}`, { pointsAt: `pod template ${REV}=${v}`, revision: resolve(v) });
                }
            }
        }
        return out;
    };
    const describe = (e: TimelineEvent): string => `${e.type} ${e.kind}/${e.key} rv ${e.rv}`;
    const judge = (e: TimelineEvent): void => {
        if (e.kind === "Deployment" && e.key.startsWith(`${istioNs}/istiod-`)) {
            const revision = e.key.slice(`${istioNs}/istiod-`.length);
            if (!istiodState(get("Deployment", e.key)).ready) {
                readySince.delete(revision);
            } else if (!readySince.has(revision)) {
                readySince.set(revision, e.at);
            }
        }
        const now = references();
        for (const [object, ref] of now) {
            const istiod = istiodState(get("Deployment", `${istioNs}/istiod-${ref.revision}`));
            if (pointing.get(object) !== ref.revision && istiod.ready && readySince.has(ref.revision)) {
                margins.push({ object, revision: ref.revision, phase: phaseName, ms: e.at - readySince.get(ref.revision)! });
            }
            const current = open_.get(object);
            if (current !== undefined && (current.revision !== ref.revision || istiod.ready)) {
                current.until = { at: new Date(e.at).toISOString(), rv: e.rv, event: describe(e) };
                open_.delete(object);
            }
            if (!istiod.ready) {
                const still = open_.get(object);
                if (still === undefined) {
                    const v: Violation = {
                        object,
                        pointsAt: ref.pointsAt,
                        revision: ref.revision,
                        istiod: `istiod-${ref.revision}: ${istiod.words}`,
                        since: { at: new Date(e.at).toISOString(), rv: e.rv, event: describe(e) },
                        istiodStates: [],
                        phase: phaseName,
                    };
                    violations.push(v);
                    open_.set(object, v);
                } else if (!still.istiodStates.includes(istiod.words) && `istiod-${ref.revision}: ${istiod.words}` !== still.istiod) {
                    still.istiodStates.push(istiod.words);
                }
            }
        }
        pointing.clear();
        for (const [object, ref] of now) {
            pointing.set(object, ref.revision);
        }
        for (const [object, v] of open_) {
            if (!now.has(object)) {
                v.until = { at: new Date(e.at).toISOString(), rv: e.rv, event: describe(e) };
                open_.delete(object);
            }
        }
    };
    const replayTo = (limit: number): void => {
        const pending = timeline
            .slice(replayed)
            .map((e, i) => ({ e, i }))
            .sort((a, b) => a.e.rv - b.e.rv || a.i - b.i);
        const take = pending.filter((p) => p.e.rv <= limit);
        const keep = pending.filter((p) => p.e.rv > limit).map((p) => p.e);
        // Keep the timeline in replay order: what is replayed first, then what waits (arrival order).
        const done = take.map((p) => p.e);
        timeline.splice(replayed, timeline.length - replayed, ...done, ...keep);
        for (const e of done) {
            if (e.rv <= replayedRv) {
                errors.push(`event ${describe(e)} arrived after ${replayedRv} was replayed`);
            }
            while (phases.length > 0 && phases[0].at <= e.at) {
                phaseName = phases.shift()!.name;
            }
            const k = `${e.kind}/${e.key}`;
            if (e.type === "DELETED") {
                state.delete(k);
            } else {
                state.set(k, e.object);
            }
            if (e.rv > startRv) {
                judge(e);
            }
        }
        replayed += done.length;
        replayedRv = Math.max(replayedRv, limit);
    };

    const waitUntil = (what: string, pred: () => boolean, seconds = 120): Promise<void> =>
        new Promise((resolve, reject) => {
            const check = () => {
                if (pred()) {
                    clearTimeout(timer);
                    waiters.delete(check);
                    resolve();
                }
            };
            const timer = setTimeout(() => {
                waiters.delete(check);
                reject(new Error(`the watch waited ${seconds}s for ${what}`));
            }, seconds * 1000);
            waiters.add(check);
            check();
        });

    return {
        timeline,
        errors,
        margins,
        current: (kind, key) => live.get(`${kind}/${key}`),
        waitUntil,
        subscribe(listener) {
            listeners.add(listener);
            return () => listeners.delete(listener);
        },
        phase(name) {
            phases.push({ at: Date.now(), name });
        },
        async check() {
            // Touch every marker; once each stream delivered its marker's write, it delivered all before it.
            const rvs: Record<string, number> = {};
            for (const kind of KINDS) {
                rvs[kind] = Number((await touch(kind)).metadata.resourceVersion);
            }
            for (const kind of KINDS) {
                const s = streams.get(kind)!;
                await waitUntil(`the ${kind} watch to reach ${rvs[kind]}`, () => s.delivered >= rvs[kind], 30);
            }
            replayTo(Math.min(...Object.values(rvs)));
            return violations;
        },
        async stop() {
            stopped = true;
            for (const s of streams.values()) {
                s.request?.destroy();
            }
        },
    };
}
