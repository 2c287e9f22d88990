import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { main } from "../../../cli/main";

const root = path.resolve(__dirname, "../../..");

async function run(args: string[]) {
    let out = "";
    let err = "";
    const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
}

describe("mesh-rollout plan", () => {
    it("--json prints one allowed canary object (exit 0)", async () => {
        const r = await run(["plan", "--from", "1.12.4.58", "--to", "1.14.5", "--json"]);
        assert.equal(r.code, 0);
        assert.equal(r.err, "");
        assert.equal(r.out.trim().split("\n").length, 1);
        const json = JSON.parse(r.out);
        assert.deepEqual(Object.keys(json), ["from", "to", "fromRevision", "toRevision", "allowed", "strategy", "reason", "hops"]);
        assert.deepEqual(json, {
            from: "1.12.4.58",
            to: "1.14.5",
            fromRevision: "1-12-4",
            toRevision: "1-14-5",
            allowed: true,
            strategy: "canary",
            reason: "1.12.4.58 -> 1.14.5 skips 1.13, the most a canary may skip; canary upgrade: revision 1-14-5 beside 1-12-4, then the data plane, then the old revision offline.",
            hops: [{ from: "1.12.4.58", to: "1.14.5", strategy: "canary", stages: ["controlPlane", "dataPlane", "finalize"] }],
        });
    });

    it("normalises v and the ASM suffix in from/to", async () => {
        const r = await run(["plan", "--from=v1.10.5.40-g2adf45be-aliyun", "--to=1.10.5.41", "--json"]);
        const json = JSON.parse(r.out);
        assert.equal(json.from, "1.10.5.40");
        assert.equal(json.to, "1.10.5.41");
        assert.equal(json.strategy, "in-place");
    });

    it("a refused plan exits 1 with the reason and suggested hops", async () => {
        const r = await run(["plan", "--from", "1.12.4.58", "--to", "1.15.0", "--json"]);
        assert.equal(r.code, 1);
        const json = JSON.parse(r.out);
        assert.equal(json.allowed, false);
        assert.equal(json.strategy, null);
        assert.match(json.reason, /skips minor versions 1\.13 and 1\.14/);
        assert.deepEqual(
            json.hops.map((h: { from: string; to: string }) => `${h.from}>${h.to}`),
            ["1.12.4.58>1.14.x", "1.14.x>1.15.0"],
        );
    });

    it("prints a readable plan by default", async () => {
        const r = await run(["plan", "--from", "1.12.4", "--to", "1.13.4"]);
        assert.equal(r.code, 0);
        assert.equal(
            r.out,
            [
                "Upgrade 1.12.4 (revision 1-12-4) -> 1.13.4 (revision 1-13-4)",
                "Allowed: canary upgrade.",
                "  1.12.4 -> 1.13.4 moves one minor version; canary upgrade: revision 1-13-4 beside 1-12-4, then the data plane, then the old revision offline.",
                "",
                "Plan:",
                "  hop 1: 1.12.4 -> 1.13.4 (canary)",
                "    1. controlPlane: install the new revision beside the old one; nothing moves",
                "    2. dataPlane: move namespaces, gateways and tags to the new revision; restart the workloads you list",
                "    3. finalize: take the old revision offline (only when nothing points at it)",
                "",
                "Each stage is one `pulumi up` with mesh-rollout:stage set; rollback is possible until finalize.",
                "",
            ].join("\n"),
        );
        const refused = await run(["plan", "--from", "1.12.4", "--to", "1.15.0"]);
        assert.equal(refused.code, 1);
        assert.match(refused.out, /^Upgrade 1\.12\.4 \(revision 1-12-4\) -> 1\.15\.0 \(revision 1-15-0\)\nRefused\.\n/);
        assert.match(refused.out, /Suggested path:\n {2}hop 1: 1\.12\.4 -> 1\.14\.x \(canary\)/);
    });

    const usage: [string[], string][] = [
        [["plan", "--from", "1.12.4", "--to", "banana", "--json"], "mesh-rollout: 'to' banana is not a mesh version. Give an Istio version"],
        [["plan", "--from", "1.12.4"], "mesh-rollout: '--to' (missing) is required. Write mesh-rollout plan --from <version> --to <version>"],
        [["plan", "--from", "1.12.4", "--to", "1.14.5", "--strategy", "fast"], "mesh-rollout: 'strategy' fast is not an allowed value. Use one of: auto, canary, in-place."],
        [["plan", "--from", "1.12.4", "--to", "1.14.5", "--colour"], "mesh-rollout: '--colour' --colour is not an option. Options are --from, --to, --strategy, --json."],
        [["plan", "--from"], "mesh-rollout: '--from' (missing) needs a value. Write --from <value>."],
        [["plan", "--from", "--to", "1.14.5"], "mesh-rollout: '--from' (missing) needs a value. Write --from <value>."],
        [["plan", "--json=yes"], "mesh-rollout: '--json' yes takes no value. Write --json alone."],
        [["deploy"], "mesh-rollout: unknown command 'deploy'. Commands: plan, help."],
        [["plan", "--from", "1.12.4", "--to", "1.13.0", "--to", "1.14.5"], "mesh-rollout: '--to' 1.14.5 is given twice (first 1.13.0). Give --to once."],
        [["plan", "--from=1.12.4", "--from=1.12.5", "--to", "1.14.5"], "mesh-rollout: '--from' 1.12.5 is given twice (first 1.12.4). Give --from once."],
        [["plan", "--from", "1.12.4", "--to", "1.14.5", "--json", "--json"], "mesh-rollout: '--json' (missing) is given twice. Give --json once."],
        [[], "Usage: mesh-rollout <command>"],
    ];
    for (const [args, message] of usage) {
        it(`exits 2 on ${JSON.stringify(args)}, nothing on stdout`, async () => {
            const r = await run(args);
            assert.equal(r.code, 2);
            assert.equal(r.out, "");
            assert.ok(r.err.startsWith(message), r.err);
        });
    }

    it("--to 1.999999999.0 returns at once (issue 11, hang), refused with the hop count", async () => {
        const start = Date.now();
        const r = await run(["plan", "--from", "1.0.0", "--to", "1.999999999.0", "--json"]);
        assert.ok(Date.now() - start < 1000);
        assert.equal(r.code, 1);
        const json = JSON.parse(r.out);
        assert.equal(json.hops.length, 5);
        assert.match(json.reason, /\(500000000 hops in all; the first 5 are listed\)/);
    });

    it("--to 1.100000.0 prints a short answer (issue 11: it printed 17 MB)", async () => {
        const r = await run(["plan", "--from", "1.0.0", "--to", "1.100000.0"]);
        assert.equal(r.code, 1);
        assert.ok(r.out.length < 2000, `${r.out.length} characters`);
        assert.match(r.out, /\n {2}\.\.\. and 49995 more hops to 1\.100000\.0\n/);
    });

    it("help prints usage and exits 0", async () => {
        const r = await run(["help"]);
        assert.equal(r.code, 0);
        assert.match(r.out, /plan --from <version> --to <version>/);
    });

    it("the installed bin runs with the documented exit codes", function () {
        this.timeout(30000);
        const bin = path.join(root, "bin", "mesh-rollout.js");
        const ok = execFileSync(process.execPath, [bin, "plan", "--from", "1.12.4.58", "--to", "1.14.5", "--json"], { encoding: "utf8" });
        assert.equal(JSON.parse(ok).toRevision, "1-14-5");
        const refused = spawnSync(process.execPath, [bin, "plan", "--from", "1.12.4.58", "--to", "1.15.0", "--json"], { encoding: "utf8" });
        assert.equal(refused.status, 1);
        assert.equal(JSON.parse(refused.stdout).allowed, false);
        const bad = spawnSync(process.execPath, [bin, "plan", "--from", "1.12.4.58", "--to", "banana"], { encoding: "utf8" });
        assert.equal(bad.status, 2);
        assert.equal(bad.stdout, "");
        assert.match(bad.stderr, /^mesh-rollout: 'to' banana is not a mesh version/);
    });
});
