import assert from "node:assert/strict";
import { MESH_ROLLOUT_PACK, TestStack } from "./harness";
import { startCluster, TestCluster } from "./cluster/cluster";

const pack = { policyPacks: [MESH_ROLLOUT_PACK] };
const A = "registry.example.com/asm/asm-istio-proxy:1.6.8-1";
const B = "registry.example.com/asm/asm-istio-proxy:1.6.8-9";

/** A SidecarSet that another team applied by hand, with the catalog version's image. */
function handMadeSidecarSet(image: string) {
    return {
        apiVersion: "apps.kruise.io/v1alpha1",
        kind: "SidecarSet",
        metadata: { name: "hand-made" },
        spec: { selector: { matchLabels: { app: "nginx" } }, containers: [{ name: "istio-proxy", image }] },
    };
}

describe("a sidecar version in use is judged from the cluster, whoever applied its users", function () {
    this.timeout(20 * 60_000);
    let c: TestCluster;
    let s: TestStack | undefined;
    before(async () => {
        c = await startCluster("sidecar-in-use");
    });
    after(async () => {
        s?.dispose();
        await c?.stop();
    });

    it("a SidecarSet applied outside the stack keeps 1.0.0 from being edited or deleted, named; once it is gone each applies", async () => {
        s = await TestStack.create({ program: "sidecar-live", kubeconfig: c.kubeconfig, config: { "mesh-rollout-test:image": A } });
        const up = await s.up(pack);
        assert.equal(up.ok, true, up.stderr);
        await c.kube.apply("/apis/apps.kruise.io/v1alpha1/sidecarsets/hand-made", handMadeSidecarSet(A));

        await s.setConfig({ "mesh-rollout-test:image": B });
        const refused = await s.preview(pack);
        assert.equal(refused.ok, false);
        const mandatory = refused.violations.filter((v) => v.level === "mandatory");
        assert.deepEqual(
            mandatory.map((v) => v.policyName),
            ["mesh-rollout-sidecar-version-immutable-in-use"],
        );
        assert.match(mandatory[0].message, /Sidecar version 1\.0\.0 must not be edited while in use \(by SidecarSet hand-made \(in the cluster\)\)/);

        await c.kube.delete("/apis/apps.kruise.io/v1alpha1/sidecarsets/hand-made");
        const edited = await s.up(pack);
        assert.equal(edited.ok, true, `${edited.stderr}\n${edited.violations.map((v) => v.message).join("\n")}`);

        // Deleting the version while the cluster uses its image: the update stops at the record, naming the user.
        await c.kube.apply("/apis/apps.kruise.io/v1alpha1/sidecarsets/hand-made", handMadeSidecarSet(B));
        await s.setConfig({ "mesh-rollout-test:present": "false" });
        const deleted = await s.up(pack);
        assert.equal(deleted.ok, false);
        assert.match(`${deleted.stdout}\n${deleted.stderr}`, /sidecar version 1\.0\.0 must not be deleted while in use in the cluster \(by SidecarSet hand-made\)/);
        const kept = JSON.stringify(await s.exportState());
        assert.match(kept, /mesh-rollout:index:SidecarVersionRecord/, "the record stays in the state");
        await c.kube.delete("/apis/apps.kruise.io/v1alpha1/sidecarsets/hand-made");
        const gone = await s.up(pack);
        assert.equal(gone.ok, true, gone.stderr);
    });
});
