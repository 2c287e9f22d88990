/**
 * A small Kubernetes API client for the tests: reads what the API server holds, creates the objects an
 * app team would, and watches. Token auth and the cluster CA from the kubeconfig `scripts/cluster up`
 * wrote; every request goes to 127.0.0.1.
 */
import fs from "node:fs";
import https from "node:https";
import { parse } from "yaml";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type KubeObject = Record<string, any>;

export class KubeApiError extends Error {
    constructor(
        readonly status: number,
        readonly body: KubeObject | string,
        what: string,
    ) {
        super(`${what}: HTTP ${status} ${typeof body === "string" ? body : (body.message ?? JSON.stringify(body))}`);
    }
}

export interface WatchEvent {
    readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
    readonly object: KubeObject;
}

export class KubeClient {
    private readonly server: URL;
    private readonly token: string;
    private readonly ca: Buffer;

    constructor(kubeconfigPath: string) {
        const kc = parse(fs.readFileSync(kubeconfigPath, "utf8"));
        this.server = new URL(kc.clusters[0].cluster.server);
        if (this.server.hostname !== "127.0.0.1") {
            throw new Error(`the test client talks to 127.0.0.1 only, not ${this.server.hostname}`);
        }
        this.token = kc.users[0].user.token;
        this.ca = Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64");
    }

    /** One request; the body is parsed as JSON when it is JSON. Any status resolves. */
    request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<{ status: number; body: any }> {
        return new Promise((resolve, reject) => {
            const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
            const req = https.request(
                {
                    host: "127.0.0.1",
                    port: this.server.port,
                    path,
                    method,
                    ca: this.ca,
                    headers: { authorization: `Bearer ${this.token}`, accept: "application/json", ...(data ? { "content-type": contentType } : {}) },
                    timeout: 30_000,
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        let parsed: any = text;
                        try {
                            parsed = JSON.parse(text);
                        } catch {
                            // not JSON: keep the text
                        }
                        resolve({ status: res.statusCode ?? 0, body: parsed });
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
            req.on("error", reject);
            if (data) {
                req.write(data);
            }
            req.end();
        });
    }

    /** One request that must answer 2xx: its body. */
    async must(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeObject> {
        const r = await this.request(method, path, body, contentType);
        if (r.status < 200 || r.status > 299) {
            throw new KubeApiError(r.status, r.body, `${method} ${path}`);
        }
        return r.body;
    }

    /** The object at `path`, or undefined when the API server answers 404. */
    async get(path: string): Promise<KubeObject | undefined> {
        const r = await this.request("GET", path);
        if (r.status === 404) {
            return undefined;
        }
        if (r.status !== 200) {
            throw new KubeApiError(r.status, r.body, `GET ${path}`);
        }
        return r.body;
    }

    async list(path: string): Promise<KubeObject[]> {
        return (await this.get(path))?.items ?? [];
    }

    async create(path: string, obj: KubeObject): Promise<KubeObject> {
        const r = await this.request("POST", path, obj);
        if (r.status !== 201 && r.status !== 200) {
            throw new KubeApiError(r.status, r.body, `POST ${path}`);
        }
        return r.body;
    }

    /** Server-side apply of `obj` to `path` (the object's own URL) as field manager `manager`. */
    async apply(path: string, obj: KubeObject, manager = "mesh-rollout-tests"): Promise<KubeObject> {
        const r = await this.request("PATCH", `${path}?fieldManager=${manager}&force=true`, obj, "application/apply-patch+yaml");
        if (r.status !== 200 && r.status !== 201) {
            throw new KubeApiError(r.status, r.body, `apply ${path}`);
        }
        return r.body;
    }

    async delete(path: string): Promise<void> {
        const r = await this.request("DELETE", path);
        if (r.status !== 200 && r.status !== 202 && r.status !== 404) {
            throw new KubeApiError(r.status, r.body, `DELETE ${path}`);
        }
    }

    /** Watches `path` (a collection) from `resourceVersion`; calls `onEvent` for each event until stopped. */
    watch(path: string, resourceVersion: string, onEvent: (e: WatchEvent) => void): { stop(): void } {
        const sep = path.includes("?") ? "&" : "?";
        const req = this.stream(`${path}${sep}watch=true&allowWatchBookmarks=false&resourceVersion=${resourceVersion}`, {
            onEvent,
            onError: () => undefined, // a stopped watch ends with an aborted socket
        });
        return { stop: () => req.destroy() };
    }

    /** A GET whose answer is a stream of JSON lines (a watch): each line to `onEvent`, the stream's end to `onEnd`. */
    stream(path: string, on: { onEvent(e: WatchEvent): void; onEnd?(): void; onError(e: Error): void }): ReturnType<typeof https.request> {
        const req = https.request(
            {
                host: "127.0.0.1",
                port: this.server.port,
                path,
                method: "GET",
                ca: this.ca,
                headers: { authorization: `Bearer ${this.token}`, accept: "application/json" },
            },
            (res) => {
                let buffer = "";
                res.setEncoding("utf8");
                res.on("data", (chunk: string) => {
                    buffer += chunk;
                    let nl: number;
                    while ((nl = buffer.indexOf("\n")) >= 0) {
                        const line = buffer.slice(0, nl).trim();
                        buffer = buffer.slice(nl + 1);
                        if (line) {
                            on.onEvent(JSON.parse(line));
                        }
                    }
                });
                res.on("end", () => on.onEnd?.());
            },
        );
        req.on("error", (e) => on.onError(e));
        req.end();
        return req;
    }

    /** Polls `read` until `done` holds for its value (at most `seconds`), and returns that value. */
    async waitFor<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, seconds = 60): Promise<T> {
        const until = Date.now() + seconds * 1000;
        let last: T = await read();
        while (!done(last)) {
            if (Date.now() > until) {
                throw new Error(`timed out after ${seconds}s waiting for ${what}; last seen: ${JSON.stringify(last)?.slice(0, 2000)}`);
            }
            await new Promise((r) => setTimeout(r, 250));
            last = await read();
        }
        return last;
    }
}

/** The parts of an object that are the writer's, not the server's: for comparing objects across updates. */
const SERVER_METADATA = ["resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink"];

export function withoutServerFields(obj: KubeObject): KubeObject {
    const rest: KubeObject = { ...obj };
    delete rest.status;
    const meta: KubeObject = { ...(obj.metadata ?? {}) };
    delete rest.metadata;
    SERVER_METADATA.forEach((k) => delete meta[k]);
    const annotations = Object.fromEntries(
        Object.entries((meta.annotations ?? {}) as Record<string, string>).filter(
            ([k]) => k !== "deployment.kubernetes.io/revision" && k !== "kubectl.kubernetes.io/last-applied-configuration",
        ),
    );
    const out: KubeObject = { ...rest, metadata: { ...meta, ...(Object.keys(annotations).length ? { annotations } : {}) } };
    if (Object.keys(annotations).length === 0) {
        delete out.metadata.annotations;
    }
    return out;
}
