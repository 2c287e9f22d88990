import assert from "node:assert/strict";
import fc from "fast-check";
import { checkVersionJump, MAX_LISTED_HOPS, planUpgrade } from "../../../domain";

const timed = <T>(f: () => T): { value: T; ms: number } => {
    const start = process.hrtime.bigint();
    const value = f();
    return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
};

describe("planUpgrade: bounded work and output (issue 11, hang)", () => {
    it("1.0.0 -> 1.999999999.0 answers at once, counting the hops and listing the first few", () => {
        const { value: p, ms } = timed(() => planUpgrade("1.0.0", "1.999999999.0"));
        assert.ok(ms < 50, `${ms} ms`);
        assert.equal(p.allowed, false);
        assert.equal(p.rule, "version/minor-skip");
        assert.equal(p.hopCount, 500000000);
        assert.equal(p.hops.length, MAX_LISTED_HOPS);
        assert.equal(
            p.reason,
            "'to' 1.999999999.0 skips 999999998 minor versions (1.1 to 1.999999998) from 1.0.0; canary upgrades may skip at most one. " +
                "Upgrade through 1.0.0 -> 1.2.x -> 1.4.x -> 1.6.x -> 1.8.x -> 1.10.x -> … -> 1.999999999.0 (500000000 hops in all; the first 5 are listed), one hop per upgrade.",
        );
    });

    it("an ASM source stuck below the canary minimum (major 0) is counted in place", () => {
        const p = planUpgrade("0.1.0.1", "0.999999999.0");
        assert.equal(p.rule, "version/minor-skip");
        assert.equal(p.hopCount, 999999998);
        assert.deepEqual(
            p.hops.map((h) => h.strategy),
            Array(MAX_LISTED_HOPS).fill("in-place"),
        );
    });

    it("an ASM path through the canary minimum is spelled out, then counted", () => {
        const p = planUpgrade("1.5.0.1", "1.40.0");
        assert.equal(p.hops.length, 5);
        assert.deepEqual(
            p.hops.map((h) => `${h.from} -> ${h.to}`),
            ["1.5.0.1 -> 1.6.x", "1.6.x -> 1.7.x", "1.7.x -> 1.8.x", "1.8.x -> 1.9.x", "1.9.x -> 1.10.x"],
        );
        // 1.5 -> 1.12.4.58 in place (7 hops), then 1.12 -> 1.40 by canary (14 hops).
        assert.equal(p.hopCount, 21);
    });

    it("an in-place refusal across many minors is bounded too", () => {
        const p = planUpgrade("1.0.0", "1.2.0", "in-place");
        assert.equal(p.hopCount, 2);
        assert.ok(timed(() => planUpgrade("1.0.0", "1.999999999.0", "in-place")).ms < 50);
    });

    it("the version-jump rule on such a ledger answers at once", () => {
        const state = { version: "1.0.0", upgrade: { to: "1.999999999.0", stage: "controlPlane" as const } };
        const { value, ms } = timed(() => checkVersionJump(null, state as never));
        assert.equal(value.allowed, false);
        assert.ok(ms < 50, `${ms} ms`);
        assert.ok(value.reason.length < 400, value.reason);
    });

    it("any pair of versions: under 10 ms (99th percentile, on a busy machine), a bounded answer, hops consistent with the count", () => {
        const times: number[] = [];
        const num = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 999999999 }));
        const version = fc.oneof(
            fc.tuple(num, num, num).map(([a, b, c]) => `${a}.${b}.${c}`),
            fc.tuple(num, num, num, num).map(([a, b, c, d]) => `${a}.${b}.${c}.${d}`),
        );
        fc.assert(
            fc.property(version, version, fc.constantFrom("auto", "canary", "in-place"), (from, to, strategy) => {
                const { value: p, ms } = timed(() => planUpgrade(from, to, strategy));
                times.push(ms);
                assert.ok(ms < 250, `${from} -> ${to}: ${ms} ms`);
                assert.ok(p.hops.length <= MAX_LISTED_HOPS);
                assert.ok(p.hopCount >= p.hops.length);
                assert.ok(p.reason.length < 600, p.reason);
            }),
            { seed: 11, numRuns: 2000 },
        );
        times.sort((a, b) => a - b);
        assert.ok(times[Math.floor(times.length * 0.99)] < 10, `p99 ${times[Math.floor(times.length * 0.99)]} ms`);
    });
});
