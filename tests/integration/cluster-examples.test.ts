import assert from "node:assert/strict";
import path from "node:path";
import { clusterRoundTrip, MESH_ROLLOUT_PACK, REPO_ROOT, TestStack } from "./harness";
import { startCluster, TestCluster } from "./cluster/cluster";
import { KubeClient, KubeObject } from "./cluster/kube";

const EXAMPLES = path.join(REPO_ROOT, "examples");
const pack = { policyPacks: [MESH_ROLLOUT_PACK] };

/** What each example leaves in the cluster, read back from the API server. */
const CHECKS: Record<string, (kube: KubeClient) => Promise<void>> = {
    "mesh-canary-upgrade": async (kube) => {
        const ns = await kube.get("/api/v1/namespaces/bookinfo");
        assert.equal(ns!.metadata.labels["istio.io/rev"], "1-12-4");
        const istiod = await kube.get("/apis/apps/v1/namespaces/istio-system/deployments/istiod-1-12-4");
        assert.equal(istiod!.status.readyReplicas, 1);
        const gateway = await kube.get("/apis/apps/v1/namespaces/istio-ingress/deployments/ingressgateway");
        assert.equal(gateway!.status.readyReplicas, 2);
    },
    "sidecar-catalog": async (kube) => {
        const cms = (await kube.list("/api/v1/namespaces/mesh-catalog/configmaps")).filter((c) => c.metadata.name.startsWith("sidecar-version-"));
        assert.equal(cms.length, 3);
        assert.ok(
            cms.every((c) => c.immutable === true),
            "catalog entries are immutable ConfigMaps",
        );
    },
    "sidecarset-hot-upgrade": async (kube) => {
        const sets = await kube.list("/apis/apps.kruise.io/v1alpha1/sidecarsets");
        assert.equal(sets.length, 1, JSON.stringify(sets.map((x) => x.metadata.name)));
        const proxy = sets[0].spec.containers.find((c: KubeObject) => c.name === "istio-proxy");
        assert.equal(proxy.image, "registry.example.com/asm/asm-istio-proxy:1.6.8-1");
        assert.equal(proxy.upgradeStrategy.upgradeType, "HotUpgrade");
    },
    "canary-release": async (kube) => {
        const vss = (await kube.list("/apis/networking.istio.io/v1/namespaces/shop/virtualservices")).map((v) => v.metadata.name).sort();
        assert.deepEqual(vss, ["cart", "catalog", "checkout", "search"]);
        const drs = await kube.list("/apis/networking.istio.io/v1/namespaces/shop/destinationrules");
        assert.equal(drs.length, 4);
    },
};

describe("every example on a real API server: up, preview and refresh with no changes, destroy", function () {
    this.timeout(30 * 60_000);
    let c: TestCluster;
    before(async () => {
        c = await startCluster("examples");
    });
    after(async () => c?.stop());

    for (const example of Object.keys(CHECKS)) {
        it(`examples/${example}`, async () => {
            const project = `mesh-rollout-example-${example}`;
            const s = await TestStack.create({
                program: path.join(EXAMPLES, example),
                kubeconfig: c.kubeconfig,
                config: example === "mesh-canary-upgrade" ? { [`${project}:istiodValues`]: JSON.stringify(c.injectionValues) } : {},
            });
            try {
                await clusterRoundTrip(s, pack.policyPacks, () => CHECKS[example](c.kube));
            } finally {
                s.dispose();
            }
        });
    }
});
