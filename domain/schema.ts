import { z } from "zod";
import { clip, joinPath, MeshRolloutValidationError } from "./errors";

/** Marks a zod issue message as the setting's own remedy; see `remedy()` in settings.ts. */
export const REMEDY_MARK = "\u0001remedy:";

/**
 * Validates `value` against a zod schema and returns the parsed value, or throws a
 * {@link MeshRolloutValidationError} for the first problem, with its full property path.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, path: string): z.output<S> {
    const result = schema.safeParse(value);
    if (result.success) {
        return result.data;
    }
    throw toValidationError(result.error.issues[0], value, path);
}

/** Turns one zod issue into the project's error: the path, the value, the rule, what to do. */
export function toValidationError(issue: z.core.$ZodIssue, root: unknown, base: string): MeshRolloutValidationError {
    const path = issue.path.reduce<string>((p, key) => joinPath(p, typeof key === "symbol" ? String(key) : typeof key === "string" ? clip(key, 40) : key), base);
    const value = valueAt(root, issue.path);
    const hint = issue.message.startsWith(REMEDY_MARK) ? issue.message.slice(REMEDY_MARK.length) : undefined;
    const inner = (issue as { params?: { error?: unknown } }).params?.error;
    if (inner instanceof MeshRolloutValidationError) {
        // A domain check raised inside a refinement: keep its words, put it at the full path.
        return new MeshRolloutValidationError({
            path,
            rule: inner.rule,
            value: inner.value,
            problem: inner.problem,
            remedy: inner.remedy,
        });
    }
    switch (issue.code) {
        case "invalid_value":
            return new MeshRolloutValidationError({
                path,
                rule: "input/enum",
                value,
                problem: "is not an allowed value",
                remedy: `Use one of: ${issue.values.map((v) => String(v)).join(", ")}.${hint !== undefined ? ` ${hint}` : ""}`,
            });
        case "unrecognized_keys":
            return new MeshRolloutValidationError({
                path: joinPath(path, clip(issue.keys[0], 40)),
                rule: "input/unknown-key",
                value: valueAt(value, [issue.keys[0]]),
                problem: "is not a known setting",
                remedy: "Remove it, or check its spelling against the documented arguments.",
            });
        case "invalid_type":
            return new MeshRolloutValidationError({
                path,
                rule: "input/type",
                value,
                problem: value === undefined ? "is required" : `must be ${expectedWords(issue.expected)}`,
                remedy: hint ?? typeRemedy(issue.expected, value),
            });
        case "too_small":
        case "too_big": {
            const bound = issue.code === "too_small" ? "at least" : "at most";
            const limit = String(issue.code === "too_small" ? issue.minimum : issue.maximum);
            const plural = limit === "1" ? "" : "s";
            const sized = issue.origin === "string" || issue.origin === "array";
            const what = issue.origin === "string" ? ` character${plural}` : issue.origin === "array" ? ` item${plural}` : "";
            const generic =
                issue.origin === "array"
                    ? issue.code === "too_small"
                        ? `List at least ${limit}${what}.`
                        : `List at most ${limit}${what}; split the rest over several resources.`
                    : issue.origin === "string"
                      ? `Use ${bound} ${limit}${what}.`
                      : `Give a number ${bound} ${limit}, e.g. ${limit}.`;
            return new MeshRolloutValidationError({
                path,
                rule: `input/${issue.code === "too_small" ? "min" : "max"}`,
                value,
                problem: sized ? `must have ${bound} ${limit}${what}` : `must be ${bound} ${limit}`,
                remedy: hint ?? generic,
            });
        }
        default:
            return new MeshRolloutValidationError({
                path,
                rule: "input/invalid",
                value,
                problem: hint !== undefined || issue.code === "invalid_union" ? "does not have any of the accepted forms" : issue.message.replace(/\.$/, "").toLowerCase(),
                remedy: hint ?? "See the setting's documentation for its accepted forms.",
            });
    }
}

/** Adds a domain error as a zod issue, so that {@link parseInput} can report it at the right path. */
export function addDomainIssue(ctx: z.RefinementCtx, error: unknown, path: (string | number)[] = []): void {
    if (error instanceof MeshRolloutValidationError) {
        ctx.addIssue({ code: "custom", message: error.message, params: { error }, path });
        return;
    }
    throw error;
}

/**
 * A zod refinement that runs a domain check which throws {@link MeshRolloutValidationError}. With
 * `relativePath`, the error's own path (e.g. `labels.istio-injection`) is appended to the checked value's.
 */
export function domainCheck<T>(check: (value: T) => void, relativePath = false): (value: T, ctx: z.RefinementCtx) => void {
    return (value, ctx) => {
        try {
            check(value);
        } catch (e) {
            addDomainIssue(ctx, e, relativePath && e instanceof MeshRolloutValidationError ? splitPath(e.path) : []);
        }
    };
}

/**
 * A zod refinement from checks that return (rather than throw) a domain error: the first error found is
 * reported at its own path, relative to the checked value.
 */
export function firstDomainError(...checks: ((value: never) => MeshRolloutValidationError | undefined)[]): (value: unknown, ctx: z.RefinementCtx) => void {
    return domainCheck((value: unknown) => {
        for (const check of checks) {
            // Each check reads the fields it needs of the object zod has already parsed.
            const error = (check as (v: unknown) => MeshRolloutValidationError | undefined)(value);
            if (error !== undefined) {
                throw error;
            }
        }
    }, true);
}

/** `labels.istio-injection` -> ["labels", "istio-injection"]; `ports[1].name` -> ["ports", 1, "name"]. */
export function splitPath(path: string): (string | number)[] {
    return path
        .split(/\.|\[(\d+)\]/)
        .filter((p) => p !== undefined && p !== "")
        .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let cur = root;
    for (const key of path) {
        if (cur === null || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Record<PropertyKey, unknown>)[key];
    }
    return cur;
}

function article(noun: string): string {
    return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function expectedWords(expected: string): string {
    switch (expected) {
        case "int":
            return "a whole number";
        case "record":
            return "an object";
        case "array":
            return "a list";
        default:
            return article(expected);
    }
}

/** The remedy of a type error when the setting gave none of its own. */
function typeRemedy(expected: string, value: unknown): string {
    const missing = value === undefined;
    switch (expected) {
        case "boolean":
            return "Give true or false (a boolean, not a string).";
        case "number":
        case "int":
            if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
                return `Write the number without quotes: ${Number(value)}, not "${value}".`;
            }
            if (typeof value === "number") {
                return Number.isFinite(value) ? `Give a whole number, e.g. ${Math.round(value)}.` : "Give a finite number.";
            }
            return `Give ${expectedWords(expected)}.`;
        case "object":
        case "record":
            return missing ? "Set it to an object ({ ... }) with the documented fields." : "Give an object ({ ... }) with the documented fields, not a string or a list.";
        case "array":
            return "Give a list ([ ... ]).";
        default:
            return missing ? `Set it to ${article(expected)}.` : `Give ${article(expected)}.`;
    }
}
