import assert from "node:assert/strict";
import fc from "fast-check";
import { formatVersion, MeshRolloutValidationError, parseVersion, planUpgrade, compareVersions } from "../../../domain";

const num = fc.integer({ min: 0, max: 40 });
const istio = fc
    .tuple(fc.boolean(), num, num, num, fc.option(fc.constantFrom("alpha.0", "beta.1", "rc.2", "beta"), { nil: undefined }))
    .map(([v, a, b, c, pre]) => `${v ? "v" : ""}${a}.${b}.${c}${pre ? `-${pre}` : ""}`);
const asm = fc
    .tuple(
        fc.boolean(),
        num,
        num,
        num,
        fc.integer({ min: 0, max: 200 }),
        fc.option(
            fc.oneof(
                fc.nat(99).map(String),
                fc.stringMatching(/^[0-9a-f]{7,9}$/).map((h) => `g${h}`),
            ),
            { nil: undefined },
        ),
    )
    .map(([v, a, b, c, d, build]) => `${v ? "v" : ""}${a}.${b}.${c}.${d}${build !== undefined ? `-${build}-aliyun` : ""}`);
const version = fc.oneof(istio, asm);

describe("properties", () => {
    it("format(parse(v)) parses back to the same version, and is a fixed point", () => {
        fc.assert(
            fc.property(version, (v) => {
                const parsed = parseVersion(v);
                const text = formatVersion(parsed);
                assert.deepEqual(parseVersion(text), parsed);
                assert.equal(formatVersion(parseVersion(text)), text);
                assert.equal(text.startsWith("v"), false);
            }),
            { numRuns: 500 },
        );
    });

    it("the planner never allows a major change, a downgrade or more than one skipped minor", () => {
        fc.assert(
            fc.property(version, version, fc.constantFrom("auto", "canary", "in-place"), (a, b, strategy) => {
                const plan = planUpgrade(a, b, strategy);
                const from = parseVersion(a);
                const to = parseVersion(b);
                if (plan.allowed) {
                    assert.equal(to.major, from.major);
                    assert.ok(compareVersions(from, to) <= 0);
                    assert.ok(to.minor - from.minor <= 2);
                    if (plan.strategy === "in-place") {
                        assert.ok(to.minor - from.minor <= 1);
                    }
                    assert.equal(plan.rule, undefined);
                } else {
                    assert.equal(plan.strategy, null);
                    assert.match(plan.reason, /^'(from|to|strategy)' /);
                    assert.ok(plan.rule?.startsWith("version/"));
                }
                for (const hop of plan.hops) {
                    assert.ok(["canary", "in-place"].includes(hop.strategy));
                }
            }),
            { numRuns: 1000 },
        );
    });

    it("never throws anything but the project's validation error on arbitrary strings", () => {
        fc.assert(
            fc.property(fc.oneof(fc.string(), version), fc.oneof(fc.string(), version, fc.anything()), fc.oneof(fc.string(), fc.constantFrom("auto", "canary")), (a, b, s) => {
                try {
                    planUpgrade(a, b, s);
                } catch (e) {
                    assert.ok(e instanceof MeshRolloutValidationError, `threw ${String(e)}`);
                    assert.match(e.message, /^'(from|to|strategy)' /);
                }
            }),
            { numRuns: 1000 },
        );
    });
});
