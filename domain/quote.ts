// How messages show a value: short, bounded and never `[object Object]`, `undefined` or `NaN`,
// whatever the value (long strings, deep or cyclic objects, Outputs, class instances).

/** Values longer than this are cut, with their full length in the message. */
export const QUOTE_LIMIT = 80;
const DEPTH_LIMIT = 3;

/** Renders a value the way messages quote it: strings as-is unless empty or padded, others as compact JSON, all cut to about 80 characters. */
export function quote(value: unknown): string {
    if (typeof value === "string") {
        if (value.length > QUOTE_LIMIT) {
            return `${JSON.stringify(value.slice(0, QUOTE_LIMIT))}… (${value.length} characters)`;
        }
        return value === "" || /\s/.test(value) || hasControlCharacter(value) ? JSON.stringify(value) : value;
    }
    if (value === undefined) {
        return "(missing)";
    }
    if (value === null || typeof value !== "object") {
        return scalar(value);
    }
    const opaque = opaqueName(value);
    if (opaque !== undefined) {
        return opaque;
    }
    const budget = { left: QUOTE_LIMIT + 20 };
    let text: string;
    try {
        text = compact(value, 0, budget);
    } catch {
        return "(an unreadable value)";
    }
    if (text.length <= QUOTE_LIMIT && budget.left > 0) {
        return text;
    }
    return `${text.slice(0, QUOTE_LIMIT)}… (${sizeOf(value)})`;
}

function hasControlCharacter(text: string): boolean {
    for (let i = 0; i < text.length; i++) {
        if (text.charCodeAt(i) < 0x20) {
            return true;
        }
    }
    return false;
}

/** Cuts free text taken from an input (a name, a key) to `max` characters, saying how long it was. */
export function clip(text: string, max = QUOTE_LIMIT): string {
    return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

function scalar(value: unknown): string {
    switch (typeof value) {
        case "number":
            return Number.isNaN(value) ? "(not a number)" : String(value);
        case "bigint":
            return String(value);
        case "function":
            return "(a function)";
        case "symbol":
            return clip(value.toString());
        case "string":
            return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
        default:
            return String(value); // boolean, null
    }
}

/** Outputs, promises and class instances are named, not serialised (Output's toJSON throws). */
function opaqueName(value: object): string | undefined {
    if ((value as { __pulumiOutput?: unknown }).__pulumiOutput === true) {
        return "(a Pulumi Output, known only at deployment)";
    }
    if (typeof (value as { then?: unknown }).then === "function") {
        return "(a Promise)";
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (Array.isArray(value) || proto === Object.prototype || proto === null) {
        return undefined;
    }
    const ctor = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof ctor === "string" && ctor !== "" ? `(a ${clip(ctor, 40)})` : "(an object)";
}

function compact(value: unknown, depth: number, budget: { left: number }): string {
    if (value === null || typeof value !== "object") {
        const s = value === undefined ? "(missing)" : scalar(value);
        budget.left -= s.length;
        return s;
    }
    const opaque = opaqueName(value);
    if (opaque !== undefined) {
        budget.left -= opaque.length;
        return opaque;
    }
    if (depth >= DEPTH_LIMIT) {
        budget.left -= 5;
        return Array.isArray(value) ? "[…]" : "{…}";
    }
    const parts: string[] = [];
    const entries: [string | undefined, unknown][] = Array.isArray(value)
        ? value.slice(0, QUOTE_LIMIT).map((v): [undefined, unknown] => [undefined, v])
        : Object.keys(value)
              .slice(0, QUOTE_LIMIT)
              .map((k): [string, unknown] => [k, (value as Record<string, unknown>)[k]]);
    for (const [key, v] of entries) {
        if (budget.left <= 0) {
            parts.push("…");
            break;
        }
        const k = key === undefined ? "" : `${JSON.stringify(clip(key, 20))}:`;
        budget.left -= k.length + 1;
        parts.push(k + compact(v, depth + 1, budget));
    }
    return Array.isArray(value) ? `[${parts.join(",")}]` : `{${parts.join(",")}}`;
}

function sizeOf(value: object): string {
    if (Array.isArray(value)) {
        return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
    }
    const n = Object.keys(value).length;
    return `an object with ${n} key${n === 1 ? "" : "s"}`;
}
