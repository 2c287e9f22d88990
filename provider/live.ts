// Reads the live data plane for the ledger's `check`: the pods of the namespaces bound to the mesh,
// through the cluster's API with the stack's kubeconfig (list pods, SidecarSets). One write: swapping an
// existing namespace's `istio-injection` for `istio.io/rev` in a single merge patch (swapInjectionLabel).
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { DataPlaneObservation, podSidecar, PodSidecar } from "../domain/data-plane";

interface Endpoint {
    readonly server: URL;
    readonly agent: https.Agent;
    readonly headers: Record<string, string>;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const named = (list: unknown, name: unknown): Obj => obj((Array.isArray(list) ? (list as Obj[]) : []).find((e) => obj(e).name === name));

function fileOrData(dir: string, data: unknown, file: unknown): Buffer | undefined {
    if (typeof data === "string" && data !== "") {
        return Buffer.from(data, "base64");
    }
    if (typeof file === "string" && file !== "") {
        return fs.readFileSync(path.resolve(dir, file));
    }
    return undefined;
}

/** The API endpoint of a kubeconfig's current context (token or client-certificate auth). */
export function endpointOf(kubeconfigPath: string): Endpoint {
    const dir = path.dirname(kubeconfigPath);
    const config = obj(parseYaml(fs.readFileSync(kubeconfigPath, "utf8")));
    const context = obj(named(config.contexts, config["current-context"]).context);
    const cluster = obj(named(config.clusters, context.cluster).cluster);
    const user = obj(named(config.users, context.user).user);
    if (typeof cluster.server !== "string") {
        throw new Error(`kubeconfig ${kubeconfigPath}: the current context (${String(config["current-context"])}) names no cluster server`);
    }
    const agent = new https.Agent({
        ca: fileOrData(dir, cluster["certificate-authority-data"], cluster["certificate-authority"]),
        cert: fileOrData(dir, user["client-certificate-data"], user["client-certificate"]),
        key: fileOrData(dir, user["client-key-data"], user["client-key"]),
        rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
        keepAlive: false,
    });
    const headers: Record<string, string> = { accept: "application/json" };
    if (typeof user.token === "string") {
        headers.authorization = `Bearer ${user.token}`;
    }
    return { server: new URL(cluster.server), agent, headers };
}

function getJson(ep: Endpoint, apiPath: string, timeoutMs: number): Promise<Obj> {
    return requestJson(ep, "GET", apiPath, undefined, timeoutMs);
}

function requestJson(ep: Endpoint, method: "GET" | "PATCH", apiPath: string, mergePatch: unknown, timeoutMs: number): Promise<Obj> {
    return new Promise((resolve, reject) => {
        const url = new URL(apiPath, ep.server);
        const body = mergePatch === undefined ? undefined : JSON.stringify(mergePatch);
        const headers = body === undefined ? ep.headers : { ...ep.headers, "content-type": "application/merge-patch+json", "content-length": String(Buffer.byteLength(body)) };
        const req = https.request(url, { method, agent: ep.agent, headers, timeout: timeoutMs }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => (text += c));
            res.on("end", () => {
                if (res.statusCode !== 200) {
                    reject(new Error(`${method} ${apiPath}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
                    return;
                }
                try {
                    resolve(obj(JSON.parse(text)));
                } catch (e) {
                    reject(e instanceof Error ? e : new Error(String(e)));
                }
            });
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${apiPath}: no answer in ${timeoutMs} ms`)));
        req.on("error", reject);
        req.end(body);
    });
}

/** What a read of the cluster gives the policies: the result, or why it is not verified. */
type Read<T> = ({ readonly verified: true; readonly at: string } & T) | ({ readonly verified: false; readonly reason: string } & T);

/**
 * Runs `read` against the cluster of `kubeconfigPath`. No kubeconfig, or a failed read, is an
 * unverified result saying why (with `empty`), never a throw: the policies decide what it means.
 */
async function readCluster<T extends object>(kubeconfigPath: string | undefined, noCluster: string, empty: T, read: (ep: Endpoint) => Promise<T>): Promise<Read<T>> {
    if (kubeconfigPath === undefined || kubeconfigPath === "") {
        return { verified: false, reason: noCluster, ...empty };
    }
    let ep: Endpoint | undefined;
    try {
        ep = endpointOf(kubeconfigPath);
        return { verified: true, at: new Date().toISOString(), ...(await read(ep)) };
    } catch (e) {
        return { verified: false, reason: `the cluster could not be read: ${(e instanceof Error ? e.message : String(e)).slice(0, 300)}`, ...empty };
    } finally {
        ep?.agent.destroy();
    }
}

/** The containers and init containers of a pod spec or a SidecarSet spec. */
function containersOf(spec: unknown): Obj[] {
    const s = obj(spec);
    return [...(Array.isArray(s.containers) ? s.containers : []), ...(Array.isArray(s.initContainers) ? s.initContainers : [])].map(obj);
}

/** The pods with a sidecar in `namespaces`, read from the cluster of `kubeconfigPath`. */
export function observeDataPlane(kubeconfigPath: string | undefined, namespaces: readonly string[], timeoutMs = 15_000): Promise<DataPlaneObservation> {
    return readCluster(kubeconfigPath, "no cluster (render mode: no kubeconfig given to liveCheck)", { pods: [] as PodSidecar[] }, async (ep) => {
        const pods: PodSidecar[] = [];
        for (const ns of [...namespaces].sort()) {
            const list = await getJson(ep, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`, timeoutMs);
            for (const item of Array.isArray(list.items) ? list.items : []) {
                const p = podSidecar(item as never);
                if (p !== undefined && p.revision !== null) {
                    pods.push(p);
                }
            }
        }
        pods.sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1));
        return { pods };
    });
}

/** Who in the cluster uses one of `images`, whichever stack or person applied it. */
export interface ImageUsers {
    readonly verified: boolean;
    readonly reason?: string;
    readonly at?: string;
    /** `SidecarSet nginx-sidecar`, `Pod shop/cart-5f-x (Deployment/cart)`. */
    readonly users: readonly string[];
}

/**
 * The SidecarSets (any namespace's pods they inject) and the running pods whose containers use one of
 * `images`, read from the cluster of `kubeconfigPath`; read-only (list SidecarSets and pods).
 */
export function observeImageUsers(kubeconfigPath: string | undefined, images: readonly string[], timeoutMs = 15_000): Promise<ImageUsers> {
    const wanted = new Set(images.filter((i) => i !== ""));
    const uses = (spec: unknown) => containersOf(spec).some((c) => wanted.has(String(c.image)));
    return readCluster(kubeconfigPath, "no cluster (no kubeconfig given to liveCheck)", { users: [] as string[] }, async (ep) => {
        const users: string[] = [];
        let sets: Obj = { items: [] };
        try {
            sets = await getJson(ep, "/apis/apps.kruise.io/v1alpha1/sidecarsets", timeoutMs);
        } catch (e) {
            // No OpenKruise in the cluster: no SidecarSet can use the image.
            if (!String(e instanceof Error ? e.message : e).includes("HTTP 404")) {
                throw e;
            }
        }
        for (const set of Array.isArray(sets.items) ? (sets.items as Obj[]) : []) {
            if (uses(set.spec)) {
                users.push(`SidecarSet ${String(obj(set.metadata).name)}`);
            }
        }
        const pods = await getJson(ep, "/api/v1/pods", timeoutMs);
        for (const p of Array.isArray(pods.items) ? (pods.items as Obj[]) : []) {
            const reduced = podSidecar(p as never);
            if (reduced !== undefined && uses(p.spec)) {
                users.push(`Pod ${reduced.namespace}/${reduced.name} (${reduced.owner})`);
            }
        }
        return { users: users.sort() };
    });
}

/** The field manager of mesh-rollout's own writes (the injection-label swap). */
export const FIELD_MANAGER = "mesh-rollout";

/** What swapping an existing namespace's injection label did. */
export interface InjectionSwap {
    /** The `istio-injection` value removed, or null when the namespace carried none (nothing written). */
    readonly removed: string | null;
}

/**
 * Binding an existing namespace by `istio.io/rev` while it carries `istio-injection` (which would silently
 * win, seed 002): one JSON merge patch removes `istio-injection` and sets `istio.io/rev`, so that no
 * moment has both or neither, as `kubectl label ns X istio-injection- istio.io/rev=Y --overwrite` does. A
 * server-side apply cannot do this: it only drops fields its own manager owns. Needs get and patch on
 * namespaces.
 */
export async function swapInjectionLabel(kubeconfigPath: string, namespace: string, revLabel: string, timeoutMs = 15_000): Promise<InjectionSwap> {
    const ep = endpointOf(kubeconfigPath);
    try {
        const apiPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}`;
        const ns = await getJson(ep, apiPath, timeoutMs);
        const injection = obj(obj(ns.metadata).labels)["istio-injection"];
        if (typeof injection !== "string") {
            return { removed: null };
        }
        await requestJson(ep, "PATCH", `${apiPath}?fieldManager=${FIELD_MANAGER}`, { metadata: { labels: { "istio-injection": null, "istio.io/rev": revLabel } } }, timeoutMs);
        return { removed: injection };
    } finally {
        ep.agent.destroy();
    }
}

/**
 * When the binding goes: the `istio.io/rev` the swap set is co-owned by mesh-rollout's own manager, so
 * the binding patch's removal alone would leave it. Removes it when that manager owns it and no other
 * does (the binding patch goes first; a later binding that forced it away, or one still in place, keeps
 * it). A namespace that is gone is fine.
 */
export async function releaseSwappedLabel(kubeconfigPath: string, namespace: string, timeoutMs = 15_000): Promise<void> {
    const ep = endpointOf(kubeconfigPath);
    try {
        const apiPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}`;
        let ns: Obj;
        try {
            ns = await getJson(ep, apiPath, timeoutMs);
        } catch (e) {
            if (String(e instanceof Error ? e.message : e).includes("HTTP 404")) {
                return;
            }
            throw e;
        }
        const managed = Array.isArray(obj(ns.metadata).managedFields) ? (obj(ns.metadata).managedFields as Obj[]) : [];
        const ownsRev = (m: Obj) => obj(obj(obj(m.fieldsV1)["f:metadata"])["f:labels"])["f:istio.io/rev"] !== undefined;
        const ours = managed.some((m) => m.manager === FIELD_MANAGER && ownsRev(m));
        // Still bound by someone else (the binding patch, when only the swap goes): leave it.
        const others = managed.some((m) => m.manager !== FIELD_MANAGER && ownsRev(m));
        if (ours && !others) {
            await requestJson(ep, "PATCH", `${apiPath}?fieldManager=${FIELD_MANAGER}`, { metadata: { labels: { "istio.io/rev": null } } }, timeoutMs);
        }
    } finally {
        ep.agent.destroy();
    }
}
