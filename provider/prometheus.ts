// Runs an analysis gate's queries against Prometheus (`/api/v1/query`, instant queries) for the record's
// `check`: the only other I/O of the provider besides the cluster reads (live.ts).
import { QueryAnswer } from "../domain/analysis";
import { HttpAnswer, httpRequest } from "./http";

/** Where Prometheus is and how to authenticate (the credentials come from secret stack config). */
export interface PrometheusEndpoint {
    readonly address: string;
    readonly bearerToken?: string;
    readonly username?: string;
    readonly password?: string;
}

const TIMEOUT_MS = 15_000;

/** GET `path` on the endpoint, with its credentials: the status and the body as text. */
function get(ep: PrometheusEndpoint, path: string): Promise<HttpAnswer> {
    const url = new URL(path, ep.address.endsWith("/") ? ep.address : `${ep.address}/`);
    const headers: Record<string, string> = { accept: "application/json" };
    if (ep.bearerToken !== undefined && ep.bearerToken !== "") {
        headers.authorization = `Bearer ${ep.bearerToken}`;
    } else if (ep.username !== undefined && ep.username !== "") {
        headers.authorization = `Basic ${Buffer.from(`${ep.username}:${ep.password ?? ""}`).toString("base64")}`;
    }
    return httpRequest(url, { method: "GET", headers, timeoutMs: TIMEOUT_MS });
}

/**
 * One instant query: a single number, no data (an empty result or NaN), or an error in words. A query
 * returning several series is an error: a gate judges one number, so the query must aggregate.
 */
export async function queryPrometheus(ep: PrometheusEndpoint, query: string): Promise<QueryAnswer> {
    let answer: HttpAnswer;
    try {
        answer = await get(ep, `api/v1/query?query=${encodeURIComponent(query)}`);
    } catch (e) {
        return { error: `Prometheus at ${ep.address} did not answer: ${(e instanceof Error ? e.message : String(e)).slice(0, 200)}` };
    }
    let body: { status?: unknown; error?: unknown; data?: { resultType?: unknown; result?: unknown } };
    try {
        body = JSON.parse(answer.text);
    } catch {
        return { error: `Prometheus at ${ep.address} answered HTTP ${answer.status} with no JSON: ${answer.text.slice(0, 120)}` };
    }
    if (answer.status !== 200 || body.status !== "success") {
        return { error: `HTTP ${answer.status}: ${String(body.error ?? answer.text).slice(0, 200)}` };
    }
    const { resultType, result } = body.data ?? {};
    let raw: unknown;
    if (resultType === "scalar") {
        raw = (result as unknown[])[1];
    } else if (resultType === "vector" && Array.isArray(result)) {
        if (result.length === 0) {
            return { noData: true };
        }
        if (result.length > 1) {
            return { error: `the query returned ${result.length} series; a gate judges one number: aggregate it (sum, max, avg)` };
        }
        raw = (result[0] as { value?: unknown[] }).value?.[1];
    } else {
        return { error: `the query returned a ${String(resultType)}; a gate judges one number (an instant vector of one series, or a scalar)` };
    }
    const value = Number(raw);
    return Number.isNaN(value) ? { noData: true } : { value };
}
