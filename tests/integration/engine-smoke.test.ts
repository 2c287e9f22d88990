import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { engineBinDir, PACKS, TestStack } from "./harness";

const MANIFEST_CM = "1-manifest/v1-configmap-mesh-settings.yaml";
const MANIFEST_NS = "1-manifest/v1-namespace-default-mesh.yaml";

describe("the real Pulumi engine (smoke)", function () {
    const stacks: TestStack[] = [];
    after(() => stacks.forEach((s) => s.dispose()));
    const stack = async (program: string, config: Record<string, string> = {}) => {
        const s = await TestStack.create({ program, config });
        stacks.push(s);
        return s;
    };

    it("the built CLI reports the pinned version", () => {
        const version = execFileSync(path.join(engineBinDir(), "pulumi"), ["version"], { encoding: "utf8" }).trim();
        assert.equal(version, "v3.259.0");
    });

    it("pulumi up renders manifests to a folder, and a second up changes nothing", async () => {
        const s = await stack("render-smoke");
        const first = await s.up();
        assert.equal(first.ok, true, first.stderr);
        assert.deepEqual(Object.keys(first.rendered), [MANIFEST_CM, MANIFEST_NS]);
        assert.match(first.rendered[MANIFEST_CM], /kind: ConfigMap/);
        assert.match(first.rendered[MANIFEST_CM], /greeting: hello/);
        assert.match(first.rendered[MANIFEST_CM], /app.kubernetes.io\/managed-by: mesh-rollout/);
        assert.match(first.rendered[MANIFEST_NS], /istio.io\/rev: 1-14-5/);
        const creates = first.changes.filter((c) => c.op === "create").map((c) => `${c.type}::${c.name}`);
        assert.deepEqual(
            creates.sort(),
            [
                "kubernetes:core/v1:ConfigMap::settings",
                "kubernetes:core/v1:Namespace::mesh",
                "pulumi:providers:kubernetes::render",
                "pulumi:pulumi:Stack::mesh-rollout-test-" + s.stack.name,
            ].sort(),
        );

        const second = await s.up();
        assert.equal(second.ok, true, second.stderr);
        assert.deepEqual(second.changes, [], `second up changed ${JSON.stringify(second.changes)}`);
        assert.deepEqual(second.rendered, first.rendered);

        await s.setConfig({ "mesh-rollout-test:greeting": "hola" });
        const third = await s.up();
        // The Kubernetes provider replaces a ConfigMap whose data changes (so that pods roll to it).
        assert.deepEqual(third.changes.map((c) => `${c.op} ${c.name}`).sort(), ["create-replacement settings", "delete-replaced settings", "replace settings"]);
        assert.match(third.rendered[MANIFEST_CM], /greeting: hola/);
    });

    it("pulumi preview with our policy pack fails on a mandatory violation, naming the policy", async () => {
        const pack = path.join(PACKS, "smoke");
        const s = await stack("render-smoke", { "mesh-rollout-test:labelled": "false" });
        const refused = await s.preview({ policyPacks: [pack] });
        assert.equal(refused.ok, false);
        assert.deepEqual(
            refused.violations.map((v) => [v.policyPack, v.policyName, v.level]),
            [["mesh-rollout-smoke", "smoke-configmap-managed-by", "mandatory"]],
        );
        assert.match(refused.violations[0].message, /ConfigMap settings must carry app.kubernetes.io\/managed-by=mesh-rollout\./);

        await s.setConfig({ "mesh-rollout-test:labelled": "true" });
        const passed = await s.preview({ policyPacks: [pack] });
        assert.equal(passed.ok, true, passed.stderr);
        assert.deepEqual(passed.violations, []);
    });

    it("a state-only record carries the prior state into its checked inputs, and a policy judges the transition", async () => {
        const pack = path.join(PACKS, "prior-state");
        const s = await stack("prior-state", { "mesh-rollout-test:level": "1" });
        const first = await s.up({ policyPacks: [pack] });
        assert.equal(first.ok, true, first.stderr);
        assert.deepEqual(await s.outputs(), { state: { level: 1 }, prior: null });

        await s.setConfig({ "mesh-rollout-test:level": "2" });
        const raised = await s.up({ policyPacks: [pack] });
        assert.equal(raised.ok, true, raised.stderr);
        assert.deepEqual(await s.outputs(), { state: { level: 2 }, prior: { level: 1 } });

        const again = await s.up({ policyPacks: [pack] });
        assert.equal(again.ok, true, again.stderr);
        assert.deepEqual(again.changes, [], "re-applying the same state is a no-op");
        assert.deepEqual(await s.outputs(), { state: { level: 2 }, prior: { level: 1 } });

        await s.setConfig({ "mesh-rollout-test:level": "1" });
        const lowered = await s.preview({ policyPacks: [pack] });
        assert.equal(lowered.ok, false);
        assert.deepEqual(
            lowered.violations.map((v) => v.policyName),
            ["smoke-level-never-decreases"],
        );
        assert.equal(lowered.violations[0].message.includes("level must not decrease: 2 was applied, 1 was asked for."), true);
        const refusedUp = await s.up({ policyPacks: [pack] });
        assert.equal(refusedUp.ok, false);
        assert.deepEqual(await s.outputs(), { state: { level: 2 }, prior: { level: 1 } }, "a refused update changes nothing");

        await s.setConfig({ "mesh-rollout-test:level": "3" });
        const permitted = await s.up({ policyPacks: [pack] });
        assert.equal(permitted.ok, true, permitted.stderr);
        assert.deepEqual(await s.outputs(), { state: { level: 3 }, prior: { level: 2 } });
    });
});
