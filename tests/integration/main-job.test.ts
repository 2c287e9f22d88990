import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runStory, STORY } from "../../job/story";
import { REPO_ROOT, TestStack } from "./harness";

describe("the main job (npm start) on the real engine", function () {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-rollout-story-"));
    const stackName = `it-story-${process.pid}`;
    after(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.rmSync(path.join(REPO_ROOT, `Pulumi.${stackName}.yaml`), { force: true });
    });

    it("tells the whole story: install, three stages (finalize refused by the metric analysis first), a sidecar hot upgrade, a canary step and a refused jump", async () => {
        const lines: string[] = [];
        const log = console.log;
        console.log = (...args: unknown[]) => lines.push(args.join(" "));
        let code: number;
        try {
            code = await runStory([], { workDir: path.join(tmp, "work"), outDir: path.join(tmp, "out"), stackName });
        } finally {
            console.log = log;
        }
        const text = lines.join("\n");
        assert.equal(code, 0, text);
        const snapshots = fs
            .readdirSync(path.join(tmp, "out"))
            .filter((d) => d !== "current")
            .sort();
        assert.deepEqual(
            snapshots,
            STORY.flatMap((s, i) => (s.expectRefused ? [] : [`${String(i + 1).padStart(2, "0")}-${s.slug}`])),
        );
        const files = (step: string) => fs.readdirSync(path.join(tmp, "out", step, "1-manifest"));
        assert.ok(
            files("01-install").some((f) => f.includes("istiod-1-12-4")),
            files("01-install").join(", "),
        );
        assert.ok(files("02-controlPlane").some((f) => f.includes("istiod-1-14-5")));
        assert.ok(!files("05-finalize").some((f) => f.includes("istiod-1-12-4")));
        // The metric analysis against the story's Prometheus: refused on failing traffic, passed on healthy.
        assert.match(text, /traffic: failing; success rate over 20s in Prometheus: (6|7)\d\.\d%/);
        assert.match(text, /REFUSED mesh-rollout-analysis-passed: .*request-success-rate = (6|7)\d(\.\d+)? \(min 99, over 20s\): FAILED/);
        assert.match(text, /\| 4 +\| finalize-refused +\| refused +\|/);
        assert.match(text, /\| 5 +\| finalize +\| applied +\|/);
        assert.match(text, /REFUSED mesh-rollout-version-jump: .*'upgrade\.to' 1\.17\.0 skips minor versions 1\.15 and 1\.16 from 1\.14\.5/);
        assert.match(text, /\| # +\| step +\| result +\| changes +\| policy verdicts +\| manifests +\|/);
        assert.match(text, /\| 8 +\| refused-jump +\| refused +\|/);
        assert.match(text, /The story ran as expected\./);
        // Every applied step is settled: previewed again with --expect-no-changes, nothing is left.
        const applied = STORY.filter((s) => !s.expectRefused).length;
        assert.equal(text.match(/re-preview \(--expect-no-changes\): no changes/g)?.length, applied, text);
        // The records are our provider's resources: no dynamic provider anywhere, and after the install
        // no provider resource in any step's changes (their settings never change in the story).
        assert.doesNotMatch(text, /pulumi-nodejs/);
        const afterInstall = text.split("== Step 2/")[1] ?? "";
        assert.deepEqual(
            afterInstall.split("\n").filter((l) => l.includes("pulumi:providers:")),
            [],
            "a provider appeared in a stage's diff",
        );
        assert.match(text.split("== Step 2/")[0], /mesh-rollout:index:MeshUpgradeLedger/);
    });

    const bad: [string, Record<string, string>, RegExp][] = [
        [
            "an unknown stage",
            { "mesh-rollout:upgradeTo": "1.14.5", "mesh-rollout:stage": "verify" },
            /'mesh-rollout:stage' verify is not an allowed value\. Use one of: controlPlane, dataPlane, finalize, rollback\./,
        ],
        ["an unparseable version", { "mesh-rollout:version": "1.12" }, /'mesh-rollout:version' 1\.12 is not a mesh version\. Give an Istio version x\.y\.z/],
        ["a stage without a target", { "mesh-rollout:stage": "dataPlane" }, /'mesh-rollout:upgradeTo' \(missing\) is required when stage is set\./],
    ];
    for (const [what, config, message] of bad) {
        it(`ends on ${what} with a message naming the setting, not a stack trace`, async () => {
            const s = await TestStack.create({ program: REPO_ROOT, config: { "mesh-rollout:renderDir": path.join(tmp, "bad"), ...config } });
            try {
                const r = await s.preview();
                assert.equal(r.ok, false);
                const all = `${r.stdout}\n${r.stderr}\n${r.errors.join("\n")}`;
                assert.match(all, message);
                assert.doesNotMatch(all, /\n\s+at .*\.(js|ts):\d+/, "no stack trace");
            } finally {
                s.dispose();
            }
        });
    }
});
