// Every policy over random resource shapes (fast-check, fixed seeds so that a failure replays): stacks
// of resources of the types the pack reads, each either arbitrary JSON or a happy-path fixture with
// fields deleted, retyped or replaced. A policy must never throw, and no message may say
// `undefined`, `NaN` or `[object Object]`, or quote a value whole. MESH_ROLLOUT_FUZZ_RUNS sets the
// inputs per policy (default 2,000) and prints the tally.
import assert from "node:assert/strict";
import fc from "fast-check";
import { unguardedPolicies } from "../../../policy-packs/mesh-rollout/policies";
import { FixtureResource, runPolicy } from "../support/policy";
import { happyStack, TYPES } from "./fixtures";

const RUNS = Number(process.env.MESH_ROLLOUT_FUZZ_RUNS ?? 2000) || 2000;
const VERBOSE = process.env.MESH_ROLLOUT_FUZZ_RUNS !== undefined;
const BAD_WORDS = ["undefined", "NaN", "[object Object]"];
const MAX_MESSAGE = 2500;

const HAPPY = happyStack();
const TYPE_NAMES = [...Object.values(TYPES), "kubernetes:core/v1:ConfigMap", "random:index:Thing"];

/** Values that break assumptions: wrong types, huge strings and numbers, versions far apart, deep nesting. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(
        null,
        0,
        -1,
        1e308,
        "",
        " ",
        "x".repeat(5000),
        [],
        {},
        [[[]]],
        true,
        "1.0.0",
        "1.999999999.0",
        "v1.12.4.58-g2adf45be-aliyun",
        "finalize",
        "rollback",
        "bogus-stage",
        "ALL",
    ),
    fc.constantFrom("__proto__", "constructor", "toString").map((key) => ({ [key]: { nested: key } })),
);

function paths(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
    if (typeof value === "object" && value !== null && out.length < 400) {
        for (const key of Object.keys(value)) {
            const at = [...prefix, key];
            out.push(at);
            paths((value as Record<string, unknown>)[key], at, out);
        }
    }
    return out;
}

/** A copy of `props` with the field at `path` deleted or replaced. */
function mutate(props: Record<string, unknown>, path: string[], replacement: unknown, remove: boolean): Record<string, unknown> {
    const copy = JSON.parse(JSON.stringify(props)) as Record<string, unknown>;
    let at = copy as Record<string, unknown>;
    for (const key of path.slice(0, -1)) {
        at = at[key] as Record<string, unknown>;
    }
    if (remove) {
        delete at[path[path.length - 1]];
    } else {
        at[path[path.length - 1]] = replacement;
    }
    return copy;
}

const mutatedFixture: fc.Arbitrary<FixtureResource> = fc
    .tuple(fc.constantFrom(...HAPPY), fc.array(fc.tuple(fc.nat(), oddValue, fc.boolean()), { minLength: 1, maxLength: 3 }), fc.option(fc.constantFrom(...TYPE_NAMES), { freq: 5 }))
    .map(([base, changes, type]) => {
        let props = base.props;
        for (const [pick, value, remove] of changes) {
            const all = paths(props);
            if (all.length > 0) {
                props = mutate(props, all[pick % all.length], value, remove);
            }
        }
        return { type: type ?? base.type, name: base.name, props };
    });

const arbitraryResource: fc.Arbitrary<FixtureResource> = fc.record({
    type: fc.constantFrom(...TYPE_NAMES),
    name: fc.oneof(fc.string({ maxLength: 12 }), fc.constant("n".repeat(300))),
    props: fc.dictionary(fc.constantFrom("metadata", "spec", "state", "prior", "key", "x"), oddValue, { maxKeys: 4 }) as fc.Arbitrary<Record<string, unknown>>,
});

const VERSIONS = [
    "1.12.4",
    "1.13.4",
    "1.14.5",
    "1.15.0",
    "2.0.0",
    "1.11.0",
    "1.12.4.58",
    "1.12.4.40",
    "v1.10.5.40-g2adf45be-aliyun",
    "1.0.0",
    "1.999999999.0",
    "999999988.278533891.378335530",
    "bogus",
    "",
    "1.2",
];
const STAGES = ["controlPlane", "dataPlane", "finalize", "rollback", "inPlace", "bogus"];
const ledgerAt = (version: string, to: string | null, stage: string) => ({ version, upgrade: to === null ? null : { to, stage } });

/** The mesh's ledger with its versions and stages drawn from valid, odd and unparsable ones: the planner and stage rules at work. */
const ledgerVariant: fc.Arbitrary<FixtureResource> = fc
    .tuple(
        fc.constantFrom(...VERSIONS),
        fc.option(fc.constantFrom(...VERSIONS)),
        fc.constantFrom(...STAGES),
        fc.option(fc.tuple(fc.constantFrom(...VERSIONS), fc.option(fc.constantFrom(...VERSIONS)), fc.constantFrom(...STAGES))),
    )
    .map(([version, to, stage, prior]) => {
        const base = HAPPY.find((r) => r.type === TYPES.ledger)!;
        const state = { ...(base.props.state as object), ...ledgerAt(version, to, stage) };
        const priorState = prior === null ? null : { ...(base.props.prior as object), ...ledgerAt(prior[0], prior[1], prior[2]) };
        return { ...base, props: { ...base.props, state, prior: priorState } };
    });

/** A stack: mostly mutated fixtures beside intact ones (so that rules have something to relate to), some arbitrary JSON. */
const stack = fc.array(
    fc.oneof(
        { arbitrary: mutatedFixture, weight: 5 },
        { arbitrary: arbitraryResource, weight: 2 },
        { arbitrary: ledgerVariant, weight: 1 },
        { arbitrary: fc.constantFrom(...HAPPY), weight: 3 },
    ),
    { minLength: 1, maxLength: 8 },
);

interface Tally {
    inputs: number;
    withViolations: number;
    violations: number;
    passes: number;
    throws: number;
}

describe("policy pack: every policy over random resource shapes (fuzz)", function () {
    this.timeout(Math.max(120_000, RUNS * 200));
    const tallies: [string, Tally][] = [];

    unguardedPolicies.forEach((policy, index) => {
        it(`${policy.name} never throws and reports readable messages (${RUNS} inputs)`, async () => {
            const tally: Tally = { inputs: 0, withViolations: 0, violations: 0, passes: 0, throws: 0 };
            tallies.push([policy.name, tally]);
            await fc.assert(
                fc.asyncProperty(stack, async (resources) => {
                    tally.inputs++;
                    let reported;
                    try {
                        reported = await runPolicy(policy, resources, { config: { requireCatalogInStack: true } });
                    } catch (e) {
                        tally.throws++;
                        throw e;
                    }
                    const input = JSON.stringify(resources);
                    for (const { message } of reported) {
                        assert.equal(typeof message, "string");
                        assert.ok(message.length <= MAX_MESSAGE, `message of ${message.length} characters: ${message.slice(0, 300)}`);
                        for (const word of BAD_WORDS) {
                            assert.ok(!message.includes(word) || input.includes(word), `message says ${word}: ${message}`);
                        }
                    }
                    tally.violations += reported.length;
                    tally[reported.length > 0 ? "withViolations" : "passes"]++;
                }),
                { numRuns: RUNS, seed: 20261 + index, endOnFailure: true },
            );
        });
    });

    after(() => {
        if (VERBOSE) {
            console.log(`\npolicy fuzz, ${RUNS} inputs per policy (policy: inputs, inputs with violations / violations, passes, throws)`);
            for (const [name, t] of tallies) {
                console.log(`  ${name}: ${t.inputs}, ${t.withViolations} / ${t.violations}, ${t.passes}, ${t.throws}`);
            }
        }
    });
});
