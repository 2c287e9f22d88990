// CLI fuzzing (issue 11): odd argument lists keep the exit-code contract: 0 allowed, 1 refused, 2 bad
// arguments with nothing on stdout; nothing throws, nothing hangs.
import assert from "node:assert/strict";
import fc from "fast-check";
import { main } from "../../../cli/main";
import { FUZZ_RUNS, HANG_MS, printTallies, tally } from "./harness";

const num = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(999999999, 100000, 1000000000, -1), fc.nat());
const version = fc.oneof(
    fc.tuple(num, num, num).map(([a, b, c]) => `${a}.${b}.${c}`),
    fc.tuple(num, num, num, num).map(([a, b, c, d]) => `v${a}.${b}.${c}.${d}`),
    fc.constantFrom("1.12.4.58", "1.14.5", "1.999999999.0", "1.100000.0", "v1.10.5.40-g2adf45be-aliyun", "1.20.0-beta.1", "banana", "", " "),
    fc.string({ maxLength: 30 }),
);
const token = fc.oneof(
    fc.constantFrom("plan", "help", "--help", "-h", "--from", "--to", "--strategy", "--json", "--json=yes", "--", "-", "--colour", "auto", "canary", "in-place", "fast"),
    version,
    version.map((v) => `--from=${v}`),
    version.map((v) => `--to=${v}`),
    fc.string({ maxLength: 12 }).map((s) => `--${s}`),
    fc.string({ maxLength: 2000 }),
);
const argv = fc.oneof(
    fc.array(token, { maxLength: 8 }),
    fc
        .tuple(version, version, fc.constantFrom("auto", "canary", "in-place"), fc.boolean())
        .map(([from, to, strategy, json]) => ["plan", "--from", from, "--to", to, "--strategy", strategy, ...(json ? ["--json"] : [])]),
);

describe(`CLI fuzzing (${FUZZ_RUNS} argument lists)`, function () {
    this.timeout(600_000);
    after(printTallies);
    it("every argument list exits 0, 1 or 2; 2 prints nothing on stdout; nothing throws or hangs", async () => {
        const t = tally("mesh-rollout CLI");
        await fc.assert(
            fc.asyncProperty(argv, async (args) => {
                t.tried++;
                let out = "";
                let err = "";
                const start = Date.now();
                let code: number;
                try {
                    code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
                } catch (e) {
                    t.crashes++;
                    throw e;
                }
                const ms = Date.now() - start;
                t.slowestMs = Math.max(t.slowestMs, ms);
                if (ms > HANG_MS) {
                    t.hangs++;
                    assert.fail(`${JSON.stringify(args)} took ${ms} ms`);
                }
                assert.ok([0, 1, 2].includes(code), `exit ${code}`);
                if (code === 2) {
                    t.refused++;
                    assert.equal(out, "", JSON.stringify(args));
                    assert.ok(err.startsWith("mesh-rollout: ") || err.startsWith("Usage:"), err);
                    assert.ok(err.length < 2000, `${err.length} characters on stderr`);
                } else {
                    t.accepted++;
                    assert.equal(err, "");
                    assert.ok(out.length > 0 && out.length < 5000, `${out.length} characters on stdout`);
                }
            }),
            { seed: 1105, numRuns: FUZZ_RUNS },
        );
    });
});
