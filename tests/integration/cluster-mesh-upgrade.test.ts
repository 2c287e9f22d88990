import assert from "node:assert/strict";
import type { TestStack } from "./harness";
import { appDeployment, podRevisions, startCluster, TestCluster, waitRolledOut } from "./cluster/cluster";
import { applyStage, injectorWebhooks, meshStack, nsLabel, pack, prepareApps, readyIstiods, WEBHOOKS } from "./cluster/mesh-steps";

describe("MeshRevision against a real API server: 1.12.4 -> 1.14.5 by stages, with workloads and the injector", function () {
    this.timeout(30 * 60_000);
    let c: TestCluster;
    let s: TestStack | undefined;
    before(async () => {
        c = await startCluster("mesh-upgrade");
        await prepareApps(c.kube);
    });
    after(async () => {
        s?.dispose();
        await c?.stop();
    });

    it("each stage leaves the API server as the stage table says; a listed workload restarts onto the new revision; no drift", async () => {
        const kube = c.kube;
        s = await meshStack(c);
        const ledgerPodsBefore = await podRevisions(kube, "payments", "ledger");
        assert.ok(
            ledgerPodsBefore.every((p) => p.revision === undefined),
            "pods created before the mesh have no sidecar",
        );

        // install
        await applyStage(s);
        assert.equal(await nsLabel(kube, "shop"), "1-12-4");
        assert.equal(await nsLabel(kube, "payments"), "stable");
        assert.deepEqual(await injectorWebhooks(kube), { "istio-revision-tag-stable": "1-12-4", "istio-sidecar-injector-1-12-4": "1-12-4" });
        assert.deepEqual(await readyIstiods(kube), ["istiod-1-12-4"]);
        const tagStable = await kube.get(`${WEBHOOKS}/istio-revision-tag-stable`);
        assert.equal(tagStable!.webhooks[0].clientConfig.url, c.injector.url, "the tag calls the revision's injector");
        const gw = await waitRolledOut(kube, "istio-ingress", "ingress");
        assert.equal(gw!.spec.template.metadata.labels["istio.io/rev"], "1-12-4");
        assert.deepEqual([...new Set((await podRevisions(kube, "istio-ingress", "ingress")).map((p) => p.revision))], ["1-12-4"], "gateway pods injected by 1-12-4");
        assert.deepEqual(await podRevisions(kube, "payments", "ledger"), ledgerPodsBefore, "an unlisted workload is not restarted");

        // controlPlane: the new revision beside the old; nothing moves
        await applyStage(s, "controlPlane");
        assert.deepEqual(await readyIstiods(kube), ["istiod-1-12-4", "istiod-1-14-5"]);
        assert.deepEqual(await injectorWebhooks(kube), {
            "istio-revision-tag-canary": "1-14-5",
            "istio-revision-tag-stable": "1-12-4",
            "istio-sidecar-injector-1-12-4": "1-12-4",
            "istio-sidecar-injector-1-14-5": "1-14-5",
        });
        assert.equal(await nsLabel(kube, "shop"), "1-12-4");
        // A workload the mesh does not list: its pods get 1-12-4's sidecar, and nothing restarts them.
        await kube.create("/apis/apps/v1/namespaces/shop/deployments", appDeployment("shop", "reviews", 1));
        await waitRolledOut(kube, "shop", "reviews");
        assert.deepEqual(
            (await podRevisions(kube, "shop", "reviews")).map((p) => p.revision),
            ["1-12-4"],
        );
        const cartBefore = await waitRolledOut(kube, "shop", "cart");
        const cartPodsBefore = await podRevisions(kube, "shop", "cart");

        // dataPlane: namespaces, tag and gateway move; the listed workload restarts
        await applyStage(s, "dataPlane");
        assert.equal(await nsLabel(kube, "shop"), "1-14-5");
        assert.equal(await nsLabel(kube, "payments"), "stable");
        assert.equal((await injectorWebhooks(kube))["istio-revision-tag-stable"], "1-14-5");
        const cartAfter = await waitRolledOut(kube, "shop", "cart");
        assert.equal(cartAfter!.spec.template.metadata.annotations["mesh-rollout.io/revision"], "1-14-5");
        assert.ok(cartAfter!.metadata.generation > cartBefore!.metadata.generation, "the restart changed the pod template");
        const cartPods = await kube.waitFor(
            "cart's pods to run 1-14-5",
            () => podRevisions(kube, "shop", "cart"),
            (ps) => ps.length === 2 && ps.every((p) => p.revision === "1-14-5"),
        );
        const newSets = new Set(cartPods.map((p) => p.replicaSet));
        assert.equal(newSets.size, 1);
        assert.ok(!cartPodsBefore.some((p) => newSets.has(p.replicaSet)), `a new ReplicaSet (${[...newSets]}) replaced ${[...new Set(cartPodsBefore.map((p) => p.replicaSet))]}`);
        assert.deepEqual(
            cartPods.map((p) => p.proxyImage),
            ["docker.io/istio/proxyv2:1.14.5", "docker.io/istio/proxyv2:1.14.5"],
        );
        const rs = await kube.get(`/apis/apps/v1/namespaces/shop/replicasets/${[...newSets][0]}`);
        assert.equal(rs!.metadata.ownerReferences[0].name, "cart");
        await waitRolledOut(kube, "istio-ingress", "ingress");
        assert.deepEqual(
            [
                ...new Set(
                    (
                        await kube.waitFor(
                            "gateway pods on 1-14-5",
                            () => podRevisions(kube, "istio-ingress", "ingress"),
                            (ps) => ps.length > 0 && ps.every((p) => p.revision === "1-14-5"),
                        )
                    ).map((p) => p.revision),
                ),
            ],
            ["1-14-5"],
        );
        assert.deepEqual(await podRevisions(kube, "payments", "ledger"), ledgerPodsBefore, "ledger is not listed: it is not restarted");

        // finalize is refused while reviews' pod still runs 1-12-4's sidecar, read from the cluster
        await s.setConfig({ "mesh-rollout-test:stage": "finalize" });
        const refused = await s.preview(pack);
        assert.equal(refused.ok, false);
        const refusals = refused.violations.filter((v) => v.level === "mandatory");
        assert.deepEqual(
            refusals.map((v) => v.policyName),
            ["mesh-rollout-finalize-nothing-on-old-revision"],
        );
        const reviewsPod = (await podRevisions(kube, "shop", "reviews"))[0].pod;
        assert.match(
            refusals[0].message,
            new RegExp(
                `must not finalize while 1 pod still run the sidecar of the old revision 1-12-4 \\(read from the cluster\\): 1 pod in shop \\(${reviewsPod}\\): restart Deployment/reviews\\.`,
            ),
        );
        assert.ok(
            refused.violations.some((v) => v.policyName === "mesh-rollout-data-plane-report" && /1 pod still run 1-12-4: 1 pod in shop/.test(v.message)),
            "the plan in words, in the preview",
        );
        // Restart it, as the message says; then finalize passes.
        const reviews = appDeployment("shop", "reviews", 1);
        (reviews.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations = { "kubectl.kubernetes.io/restartedAt": "now" };
        await kube.apply("/apis/apps/v1/namespaces/shop/deployments/reviews", reviews);
        await kube.waitFor(
            "reviews' pods to run 1-14-5",
            () => podRevisions(kube, "shop", "reviews"),
            (ps) => ps.length === 1 && ps.every((p) => p.revision === "1-14-5"),
        );

        // finalize: the old control plane goes
        await applyStage(s, "finalize");
        assert.deepEqual(await readyIstiods(kube), ["istiod-1-14-5"]);
        assert.equal(await kube.get("/apis/apps/v1/namespaces/istio-system/deployments/istiod-1-12-4"), undefined);
        assert.deepEqual(await injectorWebhooks(kube), { "istio-revision-tag-stable": "1-14-5", "istio-sidecar-injector-1-14-5": "1-14-5" });
        assert.deepEqual(c.injector.refused, []);
    });
});
