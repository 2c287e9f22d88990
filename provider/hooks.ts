// Calls a stage hook: one HTTP POST of JSON, answered within the hook's timeout.
import { Hook, HookAnswer } from "../domain/hooks";
import { httpRequest } from "./http";

/** POSTs `payload` to the hook; any status is an answer (only 200 passes), no answer in time is an error. */
export async function callHook(hook: Hook, payload: unknown): Promise<HookAnswer> {
    try {
        const answer = await httpRequest(new URL(hook.url), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(payload),
            timeoutMs: hook.timeoutSeconds * 1000,
        });
        return { status: answer.status, body: answer.text.slice(0, 2000) };
    } catch (e) {
        return { error: (e instanceof Error ? e.message : String(e)).slice(0, 200) };
    }
}
