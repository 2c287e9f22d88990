// How policy messages show values they did not expect: short, typed, never `undefined`, `NaN` or
// `[object Object]`. Policies read inputs that may be hand-written, produced by another package
// version, or wrapped in the policy SDK's proxies, so nothing here assumes a shape.

/** About how many characters of a value a message quotes. */
export const MAX_QUOTED = 80;

/** How many items a message lists before it says how many more there are. */
export const MAX_LISTED = 10;

/** `text` whole when short, else its first 80 characters and its length: `"aaa…" (2,000 characters)`. */
export function cut(text: string): string {
    return text.length <= MAX_QUOTED ? text : `${text.slice(0, MAX_QUOTED)}… (${text.length.toLocaleString("en-US")} characters)`;
}

/** What a value is, in words: `a string`, `a number`, `a list`, `an object`, `null`, `missing`. */
export function kindOf(value: unknown): string {
    if (value === undefined) {
        return "missing";
    }
    if (value === null) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "a list";
    }
    switch (typeof value) {
        case "string":
            return "a string";
        case "number":
            return "a number";
        case "boolean":
            return "a boolean";
        case "object":
            return "an object";
        default:
            return `a ${typeof value}`;
    }
}

function number(value: number): string {
    return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? "not-a-number" : value > 0 ? "infinity" : "-infinity";
}

function keysOf(value: object): string[] {
    try {
        return Object.keys(value);
    } catch {
        return [];
    }
}

/**
 * A value as a message shows it, with its kind: `"x" (a string)`, `5 (a number)`,
 * `a list of 3 items`, `an object with keys name, labels`. Strings and key lists are cut to about
 * 80 characters, with the full length when longer.
 */
export function describeValue(value: unknown): string {
    if (value === undefined) {
        return "nothing (missing)";
    }
    if (value === null) {
        return "null";
    }
    if (typeof value === "string") {
        return `${cut(JSON.stringify(value))} (a string)`;
    }
    if (typeof value === "number") {
        return `${number(value)} (a number)`;
    }
    if (typeof value === "boolean") {
        return `${String(value)} (a boolean)`;
    }
    if (Array.isArray(value)) {
        return value.length === 0 ? "an empty list" : `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
    }
    if (typeof value === "object") {
        const keys = keysOf(value);
        if (keys.length === 0) {
            return "an empty object";
        }
        const shown = cut(keys.slice(0, MAX_LISTED).join(", "));
        return `an object with key${keys.length === 1 ? "" : "s"} ${shown}${keys.length > MAX_LISTED ? ` and ${keys.length - MAX_LISTED} more` : ""}`;
    }
    return kindOf(value);
}

/** A name or value taken from the inputs and shown as text: cut to about 80 characters. */
export function shown(text: string): string {
    return cut(text);
}

/** `a, b, c` with at most 10 items, then `and 5 more`; `none` when empty. */
export function listSome(items: readonly string[], separator = ", "): string {
    if (items.length === 0) {
        return "none";
    }
    const head = items.slice(0, MAX_LISTED).map(cut).join(separator);
    return items.length > MAX_LISTED ? `${head} and ${items.length - MAX_LISTED} more` : head;
}

/** An error as a message shows it: its message, cut; never `[object Object]`. */
export function describeError(e: unknown): string {
    if (e instanceof Error) {
        return cut(`${e.name}: ${e.message}`);
    }
    return describeValue(e);
}
