// Free-form values users hand through to Kubernetes (chart values, container overrides, volumes):
// checked to be plain JSON, bounded in depth and size, without prototype-polluting keys. The walk is
// iterative, so a value nested a million levels deep is refused, not a stack overflow.
import { z } from "zod";
import { joinPath, MeshRolloutValidationError } from "./errors";
import { addDomainIssue, splitPath } from "./schema";

export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_NODES = 20000;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** A Pulumi Output or a Promise: known only at deployment, so not checkable now (duck-typed; the domain imports no Pulumi). */
export function isDeferredValue(value: unknown): boolean {
    return (
        typeof value === "object" && value !== null && ((value as { __pulumiOutput?: unknown }).__pulumiOutput === true || typeof (value as { then?: unknown }).then === "function")
    );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return false;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
}

export interface JsonCheckOptions {
    /** Accept Outputs and Promises anywhere (checked by Kubernetes at deployment instead). */
    readonly allowDeferred?: boolean;
    /** The remedy for any problem, with an example of the setting. */
    readonly remedy: string;
}

/**
 * Throws the project's error (path relative to `value`) unless `value` is plain JSON: strings,
 * finite numbers, booleans, null, lists and plain objects, at most {@link MAX_JSON_DEPTH} deep and
 * {@link MAX_JSON_NODES} values in all. Object properties that are `undefined` count as absent.
 */
export function assertJsonValue(value: unknown, options: JsonCheckOptions): void {
    const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: "", depth: 0 }];
    let nodes = 0;
    const problemAt = (path: string, v: unknown, problem: string) => new MeshRolloutValidationError({ path, rule: "input/json", value: v, problem, remedy: options.remedy });
    while (stack.length > 0) {
        const { value: v, path, depth } = stack.pop()!;
        if (++nodes > MAX_JSON_NODES) {
            throw problemAt("", value, `holds more than ${MAX_JSON_NODES} values`);
        }
        if (depth > MAX_JSON_DEPTH) {
            throw problemAt(path, v, `is nested more than ${MAX_JSON_DEPTH} levels deep`);
        }
        if (v === null || typeof v === "string" || typeof v === "boolean") {
            continue;
        }
        if (typeof v === "number") {
            if (!Number.isFinite(v)) {
                throw problemAt(path, v, "is not a finite number");
            }
            continue;
        }
        if (options.allowDeferred && isDeferredValue(v)) {
            continue;
        }
        if (Array.isArray(v)) {
            v.forEach((item, i) => stack.push({ value: item, path: joinPath(path, i), depth: depth + 1 }));
            continue;
        }
        if (!isPlainObject(v)) {
            throw problemAt(path, v, "is not a JSON value (a string, number, boolean, null, list or plain object)");
        }
        for (const key of Object.keys(v)) {
            if (FORBIDDEN_KEYS.has(key)) {
                throw problemAt(joinPath(path, key), v[key], "is a reserved object key");
            }
            if (v[key] !== undefined) {
                stack.push({ value: v[key], path: joinPath(path, key), depth: depth + 1 });
            }
        }
    }
}

/** A zod schema of a plain JSON object (see {@link assertJsonValue}); with `allowDeferred`, an Output is accepted as is. */
export function jsonObjectSetting(options: JsonCheckOptions) {
    return z
        .custom<Record<string, unknown>>(() => true)
        .superRefine((value, ctx) => {
            try {
                if (!(options.allowDeferred && isDeferredValue(value)) && !isPlainObject(value)) {
                    throw new MeshRolloutValidationError({ path: "", rule: "input/type", value, problem: "must be an object", remedy: options.remedy });
                }
                assertJsonValue(value, options);
            } catch (e) {
                addDomainIssue(ctx, e, e instanceof MeshRolloutValidationError && e.path !== "" ? splitPath(e.path) : []);
            }
        });
}
