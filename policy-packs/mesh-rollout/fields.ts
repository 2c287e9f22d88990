// Reading fields of resource inputs without trusting their shape. A reader returns the value, or a
// FieldProblem naming the property path, what it must be with an example, and what it is instead;
// policies turn a problem into a violation instead of throwing.
import { describeValue } from "./values";

/**
 * A property path, built only when a message needs it: reading a field on the happy path costs one
 * small object, not a string.
 */
export class PropertyPath {
    constructor(
        readonly parent: Path,
        readonly key: string | number,
    ) {}

    toString(): string {
        const parent = String(this.parent);
        if (typeof this.key === "number") {
            return `${parent}[${this.key}]`;
        }
        if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(this.key)) {
            return parent === "" ? this.key : `${parent}.${this.key}`;
        }
        return `${parent}[${JSON.stringify(this.key.length > 40 ? `${this.key.slice(0, 40)}…` : this.key)}]`;
    }
}

export type Path = string | PropertyPath;

export class FieldProblem {
    private readonly at: Path;

    constructor(
        at: Path,
        readonly value: unknown,
        /** What the field must be, in words: `a map of label names to strings`. */
        readonly expected: string,
        /** A valid value: `{"app": "cart"}`. */
        readonly example: string,
    ) {
        this.at = at;
    }

    /** `spec.template.metadata.labels["istio.io/rev"]`. */
    get path(): string {
        return String(this.at);
    }

    /** `'spec.selector' as a label selector, e.g. {...}; it is 5 (a number)` */
    describe(): string {
        const found = this.value === undefined ? "it is missing" : `it is ${describeValue(this.value)}`;
        return `'${this.path}' as ${this.expected}, e.g. ${this.example}; ${found}`;
    }
}

export type Read<T> = T | FieldProblem;
export type Checker<T> = (value: unknown, path: Path) => Read<T>;

export function isProblem(value: unknown): value is FieldProblem {
    return value instanceof FieldProblem;
}

/** The first of several reads that failed, if any. */
export function firstProblem(...reads: unknown[]): FieldProblem | undefined {
    return reads.find(isProblem);
}

export function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A property of an object; undefined when `value` is not an object. The keys policies read
 * (`metadata`, `spec`, `labels`, ...) are never names an object inherits, so no own-property check:
 * under the SDK's proxy each extra trap costs time on every resource.
 */
export function field(value: unknown, key: string): unknown {
    return isObject(value) ? value[key] : undefined;
}

/** `spec.template` + `metadata` -> `spec.template.metadata`; `labels` + `istio.io/rev` -> `labels["istio.io/rev"]`. */
export function joinKey(path: Path, key: string | number): PropertyPath {
    return new PropertyPath(path, key);
}

/** A string of `min` (default 1) to `max` characters. */
export function string(expected: string, example: string, { min = 1, max = Infinity }: { min?: number; max?: number } = {}): Checker<string> {
    return (value, path) => (typeof value === "string" && value.length >= min && value.length <= max ? value : new FieldProblem(path, value, expected, example));
}

export function oneOf<T extends string>(values: readonly T[], example: T): Checker<T> {
    return (value, path) =>
        typeof value === "string" && (values as readonly string[]).includes(value)
            ? (value as T)
            : new FieldProblem(path, value, `one of ${values.join(", ")}`, JSON.stringify(example));
}

/** Absent (undefined or null) reads as undefined. */
export function optional<T>(check: Checker<T>): Checker<T | undefined> {
    return (value, path) => (value === undefined || value === null ? undefined : check(value, path));
}

/** Absent (undefined or null) reads as null: the engine may drop nulls on the way to the policies. */
export function nullable<T>(check: Checker<T>): Checker<T | null> {
    return (value, path) => (value === undefined || value === null ? null : check(value, path));
}

export function listOf<T>(item: Checker<T>, expected: string, example: string): Checker<T[]> {
    return (value, path) => {
        if (!Array.isArray(value)) {
            return new FieldProblem(path, value, expected, example);
        }
        const out: T[] = [];
        for (let i = 0; i < value.length; i++) {
            const read = item(value[i], joinKey(path, i));
            if (isProblem(read)) {
                return read;
            }
            out.push(read);
        }
        return out;
    };
}

export function mapOf<T>(entry: Checker<T>, expected: string, example: string): Checker<Record<string, T>> {
    return (value, path) => {
        if (!isObject(value)) {
            return new FieldProblem(path, value, expected, example);
        }
        // No prototype: a key such as `__proto__` or `constructor` is just a key.
        const out = Object.create(null) as Record<string, T>;
        for (const key of Object.keys(value)) {
            const read = entry(value[key], joinKey(path, key));
            if (isProblem(read)) {
                return read;
            }
            out[key] = read;
        }
        return out;
    };
}

type Spec = Record<string, Checker<unknown>>;
type Checked<C> = C extends Checker<infer T> ? T : never;
export type Shape<S extends Spec> = { -readonly [K in keyof S]: Checked<S[K]> };

/** Reads the listed fields of an object, each with its checker; the first problem wins. */
export function readFields<S extends Spec, K extends keyof S & string>(
    value: unknown,
    path: Path,
    spec: S,
    keys: readonly K[],
    expected: string,
    example: string,
): Read<Pick<Shape<S>, K>> {
    if (!isObject(value)) {
        return new FieldProblem(path, value, expected, example);
    }
    const out = {} as Pick<Shape<S>, K>;
    for (const key of keys) {
        const read = spec[key](field(value, key), joinKey(path, key));
        if (isProblem(read)) {
            return read;
        }
        out[key] = read as Shape<S>[K];
    }
    return out;
}

/** An empty map without a prototype: `"constructor" in emptyMap()` is false. */
export function emptyMap<T>(): Record<string, T> {
    return Object.create(null) as Record<string, T>;
}

/** A valid value for a label or annotation, for messages: `"1-14-5"` for `istio.io/rev`. */
export function labelExample(key: string): string {
    const examples: Record<string, string> = {
        "istio.io/rev": '"1-14-5"',
        "istio.io/tag": '"stable"',
        "istio-injection": '"enabled"',
        "sidecar.istio.io/inject": '"false"',
        "mesh-rollout.io/sidecar-version": '"1.0.0"',
        "mesh-rollout.io/sidecar-image": '"registry.example.com/mesh/proxy:1.0.0"',
        "mesh-rollout.io/current-version": '"v1"',
        "mesh-rollout.io/new-version": '"v2"',
        "mesh-rollout.io/canary-steps-left": '"2"',
    };
    return Object.prototype.hasOwnProperty.call(examples, key) ? examples[key] : '"cart"';
}

/** A label or annotation value: any string, empty included. */
export const labelValue: Checker<string> = (value, path) =>
    typeof value === "string" ? value : new FieldProblem(path, value, "a string", labelExample(path instanceof PropertyPath ? String(path.key) : ""));

export const labelMap = mapOf(labelValue, "a map of names to strings", '{"app": "cart"}');

/** A map whose values must be strings; absent reads as empty. */
export const optionalLabels: Checker<Record<string, string>> = (value, path) => (value === undefined || value === null ? emptyMap<string>() : labelMap(value, path));
