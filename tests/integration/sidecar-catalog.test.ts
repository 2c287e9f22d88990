import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { MESH_ROLLOUT_PACK, TestStack, UpResult } from "./harness";

const A = "registry.example.com/mesh/proxy:1.0.0";
const A2 = "registry.example.com/mesh/proxy:1.0.0-rebuilt";
const B = "registry.example.com/mesh/proxy:1.0.1";
const pack = { policyPacks: [MESH_ROLLOUT_PACK] };

type KubeObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function renderedOfKind(r: UpResult, kind: string): KubeObject[] {
    return Object.values(r.rendered)
        .flatMap((text) => parseAllDocuments(text).map((d) => d.toJS()))
        .filter((o) => o?.kind === kind);
}

describe("Sidecar catalog and SidecarSet on the real engine, with the policy pack", function () {
    let s: TestStack;
    after(() => s?.dispose());

    const setCatalog = (entries: [string, string][], use: string, extra: Record<string, string> = {}) =>
        s.setConfig({ "mesh-rollout-test:catalog": JSON.stringify(entries.map(([version, image]) => ({ version, image }))), "mesh-rollout-test:use": use, ...extra });

    it("publish 1.0.0 and a SidecarSet using it; re-run is a no-op", async () => {
        s = await TestStack.create({ program: "sidecar-catalog" });
        await setCatalog([["1.0.0", A]], "1.0.0");
        const r = await s.up(pack);
        assert.equal(r.ok, true, r.stderr);
        const [set] = renderedOfKind(r, "SidecarSet");
        assert.equal(set.spec.containers[0].image, A);
        assert.equal(set.metadata.annotations["mesh-rollout.io/sidecar-version"], "1.0.0");
        const catalogObjects = renderedOfKind(r, "ConfigMap");
        assert.equal(catalogObjects.length, 1);
        assert.equal(catalogObjects[0].immutable, true);
        const again = await s.up(pack);
        assert.deepEqual(again.changes, []);
    });

    it("editing 1.0.0's image while in use is refused by name", async () => {
        await setCatalog([["1.0.0", A2]], "1.0.0");
        const r = await s.preview(pack);
        assert.equal(r.ok, false);
        assert.deepEqual(
            r.violations.filter((v) => v.level === "mandatory").map((v) => v.policyName),
            ["mesh-rollout-sidecar-version-immutable-in-use"],
        );
        assert.match(
            r.violations[0].message,
            /\nSidecar version 1\.0\.0 must not be edited while in use \(by SidecarSet nginx-sidecar\): its digest would change from sha256:[a-f0-9]{64} to sha256:[a-f0-9]{64}\. Publish a new version instead/,
        );
    });

    it("removing 1.0.0 while the SidecarSet still uses it is refused", async () => {
        await setCatalog([["1.0.1", B]], "1.0.0", { "mesh-rollout-test:pinnedImage": A });
        const r = await s.preview(pack);
        assert.equal(r.ok, false);
        assert.deepEqual(
            r.violations.filter((v) => v.level === "mandatory").map((v) => v.policyName),
            ["mesh-rollout-sidecar-version-in-catalog"],
        );
        assert.match(r.violations[0].message, /\nSidecarSet nginx-sidecar must use a sidecar version the catalog holds, not 1\.0\.0 \(held: 1\.0\.1\)/);
    });

    it("publishing 1.0.1 and switching is allowed: the SidecarSet's image changes in place", async () => {
        await setCatalog(
            [
                ["1.0.0", A],
                ["1.0.1", B],
            ],
            "1.0.1",
        );
        const r = await s.up(pack);
        assert.equal(r.ok, true, r.stderr);
        const setSteps = r.changes.filter((c) => c.type === "kubernetes:apps.kruise.io/v1alpha1:SidecarSet");
        assert.deepEqual(
            setSteps.map((c) => c.op),
            ["update"],
            "an image change is an in-place update, not a replacement",
        );
        const [set] = renderedOfKind(r, "SidecarSet");
        assert.equal(set.spec.containers[0].image, B);
        assert.equal(renderedOfKind(r, "ConfigMap").length, 2);
    });

    it("after the switch, removing 1.0.0 is allowed", async () => {
        await setCatalog([["1.0.1", B]], "1.0.1");
        const r = await s.up(pack);
        assert.equal(r.ok, true, r.stderr);
        assert.deepEqual(
            r.violations.filter((v) => v.level === "mandatory"),
            [],
        );
        assert.deepEqual(
            renderedOfKind(r, "ConfigMap").map((c) => c.metadata.labels["mesh-rollout.io/sidecar-version"]),
            ["1.0.1"],
        );
    });

    it("changing the upgrade type is a replacement, said in preview", async () => {
        await s.setConfig({ "mesh-rollout-test:upgradeType": "ColdUpgrade" });
        const r = await s.preview(pack);
        assert.equal(r.ok, true, r.stderr);
        const ops = r.changes.filter((c) => c.type === "kubernetes:apps.kruise.io/v1alpha1:SidecarSet").map((c) => c.op);
        assert.ok(ops.includes("replace") || ops.includes("delete-replaced"), `expected a replacement, got ${JSON.stringify(ops)}`);
    });
});
