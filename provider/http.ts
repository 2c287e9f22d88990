// One HTTP(S) request of the provider's gates (Prometheus queries, stage hooks): the status and the body
// as text, or a rejection when no complete answer came within the deadline.
import http from "node:http";
import https from "node:https";

export interface HttpAnswer {
    readonly status: number;
    readonly text: string;
}

/** Sends one request to `url` and resolves with its answer; rejects on a network error or when `timeoutMs` passes first. */
export function httpRequest(url: URL, opts: { method: "GET" | "POST"; headers: Record<string, string>; body?: string; timeoutMs: number }): Promise<HttpAnswer> {
    const client = url.protocol === "https:" ? https : http;
    const headers = opts.body === undefined ? opts.headers : { ...opts.headers, "content-length": String(Buffer.byteLength(opts.body)) };
    return new Promise((resolve, reject) => {
        const req = client.request(url, { method: opts.method, headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                clearTimeout(timer);
                resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
            });
        });
        const timer = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs / 1000} s`)), opts.timeoutMs);
        req.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        req.end(opts.body);
    });
}
