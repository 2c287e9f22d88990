// Calls a stage hook: one HTTP POST of JSON, answered within the hook's timeout.
import http from "node:http";
import https from "node:https";
import { Hook, HookAnswer } from "../domain/hooks";

/** POSTs `payload` to the hook; any status is an answer (only 200 passes), no answer in time is an error. */
export function callHook(hook: Hook, payload: unknown): Promise<HookAnswer> {
    const url = new URL(hook.url);
    const data = JSON.stringify(payload);
    const client = url.protocol === "https:" ? https : http;
    return new Promise((resolve) => {
        const timer = setTimeout(() => {
            req.destroy();
            resolve({ error: `no answer within ${hook.timeoutSeconds} s` });
        }, hook.timeoutSeconds * 1000);
        const req = client.request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) } }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                clearTimeout(timer);
                resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8").slice(0, 2000) });
            });
        });
        req.on("error", (e) => {
            clearTimeout(timer);
            resolve({ error: e.message.slice(0, 200) });
        });
        req.end(data);
    });
}
