// The fuzz harness: generated inputs (near-valid mutations of the documented examples, and arbitrary
// JSON) run through a component; every outcome must be accepted or our validation error with a path,
// a refused input must register nothing, and no input may take long. Fixed seeds, so a failure replays.
import assert from "node:assert/strict";
import * as runtimeResource from "@pulumi/pulumi/runtime/resource";
import fc from "fast-check";
import { MeshRolloutValidationError, quote } from "../../../domain";

/** Inputs per target: 2,000 by default; MESH_ROLLOUT_FUZZ_RUNS=10000 for the large run. */
export const FUZZ_RUNS = Math.max(1, Number(process.env.MESH_ROLLOUT_FUZZ_RUNS ?? "2000") || 2000);
/**
 * An input that takes longer than this counts as a hang (a runaway regex or loop takes seconds to
 * forever; a busy 2-core machine under a cluster test was measured to pause a normal input for 1.4 s).
 */
export const HANG_MS = 5000;

export interface FuzzTally {
    target: string;
    tried: number;
    accepted: number;
    refused: number;
    crashes: number;
    hangs: number;
    slowestMs: number;
}

const tallies: FuzzTally[] = [];
export function tally(target: string): FuzzTally {
    const t = { target, tried: 0, accepted: 0, refused: 0, crashes: 0, hangs: 0, slowestMs: 0 };
    tallies.push(t);
    return t;
}
export function printTallies(): void {
    for (const t of tallies.splice(0)) {
        process.stdout.write(
            `      fuzz ${t.target}: ${t.tried} tried, ${t.accepted} accepted, ${t.refused} refused, ${t.crashes} crashes, ${t.hangs} hangs (slowest ${t.slowestMs.toFixed(1)} ms)\n`,
        );
    }
}

// Counts registrations synchronously: the runtime's registerResource is called from every Resource
// constructor (component, custom or dynamic) before any asynchronous work.
let registrations = 0;
const original = runtimeResource.registerResource;
(runtimeResource as { registerResource: typeof original }).registerResource = (...args: Parameters<typeof original>) => {
    registrations++;
    return original(...args);
};

/** Runs one generated input; throws (failing the property) on a crash, a hang or a half-registered refusal. */
export function judge(t: FuzzTally, build: () => unknown, label: unknown): void {
    t.tried++;
    const before = registrations;
    const start = process.hrtime.bigint();
    let error: unknown;
    try {
        build();
    } catch (e) {
        error = e;
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    t.slowestMs = Math.max(t.slowestMs, ms);
    if (ms > HANG_MS) {
        t.hangs++;
        assert.fail(`took ${ms} ms: ${describe(label)}`);
    }
    if (error === undefined) {
        t.accepted++;
        assert.ok(registrations > before, "an accepted input registers its component (the registration counter works)");
        return;
    }
    if (!(error instanceof MeshRolloutValidationError) || !error.path.startsWith("args")) {
        t.crashes++;
        assert.fail(`crash ${String(error)}\n${(error as Error)?.stack ?? ""}\non ${describe(label)}`);
    }
    t.refused++;
    // Our own words never say [object Object], undefined or NaN (the quoted value may: it is the user's text).
    const words = error.message
        .split(quote(error.value))
        .join("")
        .replace(/\(not a number\)/g, "");
    assert.ok(!/\[object Object\]|undefined|NaN/.test(words), `message: ${error.message}`);
    assert.ok(error.message.length < 1200, `message of ${error.message.length} characters: ${error.message.slice(0, 300)}`);
    assert.equal(registrations - before, 0, `a refused input registered ${registrations - before} resources: ${error.message}`);
}

function describe(value: unknown): string {
    try {
        return JSON.stringify(value)?.slice(0, 500) ?? String(value);
    } catch {
        return String(value);
    }
}

/** Odd values a user (or a typo) might put anywhere. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
    fc.constantFrom(null, undefined, "", " ", "Install", "no", "true", 0, -1, 1.5, NaN, Infinity, -Infinity, 1e306, 1e300, 2 ** 53, [], {}, [null], { a: null }),
    fc.string({ maxLength: 20 }),
    fc.string({ minLength: 200, maxLength: 400 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(
        "http://example.com",
        "https://u:p@example.com/x",
        "./local",
        "/abs/path",
        "1.999999999.0",
        "1.100000.0",
        "v1.12.4.58-3-aliyun",
        "NOT an image",
        "Not A Namespace!",
        "registry.example.com/x:1",
    ),
    fc.nat({ max: 300 }).map((depth) => nest(depth)),
);

/** A value nested `depth` levels deep (built iteratively). */
export function nest(depth: number): unknown {
    let v: unknown = "leaf";
    for (let i = 0; i < depth; i++) {
        v = i % 2 === 0 ? { a: v } : [v];
    }
    return v;
}

type Json = Record<string, unknown> | unknown[];

function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = [], depth = 0): (string | number)[][] {
    if (depth > 8 || value === null || typeof value !== "object") {
        return out;
    }
    for (const [k, v] of Object.entries(value)) {
        const key = Array.isArray(value) ? Number(k) : k;
        out.push([...prefix, key]);
        paths(v, [...prefix, key], out, depth + 1);
    }
    return out;
}

function clone<T>(v: T): T {
    return structuredClone(v);
}

/** One mutation: replace a value somewhere, delete a key, or add an unknown key. */
const mutation = fc.tuple(fc.nat(), fc.constantFrom("replace", "replace", "delete", "add"), oddValue, fc.string({ minLength: 1, maxLength: 12 }));

/** Documented examples with one to three mutations each. */
export function nearValid(examples: readonly object[]): fc.Arbitrary<unknown> {
    return fc.tuple(fc.constantFrom(...examples), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([example, mutations]) => {
        const value = clone(example) as Json;
        for (const [index, op, odd, key] of mutations) {
            const all = paths(value);
            if (all.length === 0) {
                break;
            }
            const path = all[index % all.length];
            let parent: Json = value;
            for (const k of path.slice(0, -1)) {
                parent = (parent as Record<string, Json>)[k as string];
            }
            const last = path[path.length - 1];
            if (op === "delete" && !Array.isArray(parent)) {
                delete (parent as Record<string, unknown>)[last as string];
            } else if (op === "add" && !Array.isArray(parent)) {
                (parent as Record<string, unknown>)[key] = odd;
            } else {
                (parent as Record<string | number, unknown>)[last] = odd;
            }
        }
        return value;
    });
}

/** Arbitrary JSON as the whole args, or as the value of each documented key. */
export function arbitraryArgs(keys: readonly string[]): fc.Arbitrary<unknown> {
    return fc.oneof(
        fc.jsonValue({ maxDepth: 4 }),
        fc.record(Object.fromEntries(keys.map((k) => [k, fc.oneof(oddValue, fc.jsonValue({ maxDepth: 3 }))])), { requiredKeys: [] }),
        fc.constantFrom(null, undefined, [], "args", 42),
    );
}

/** Yields to the event loop now and then, so that the registrations of accepted inputs drain. */
export async function drain(): Promise<void> {
    await new Promise((r) => setImmediate(r));
}
