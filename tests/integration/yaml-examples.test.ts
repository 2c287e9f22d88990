import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { clusterRoundTrip, explain, MESH_ROLLOUT_PACK, REPO_ROOT, TestStack } from "./harness";
import { startCluster, TestCluster } from "./cluster/cluster";
import { KubeClient } from "./cluster/kube";

// The components from Pulumi YAML programs (examples/yaml), on the real engine with the real YAML
// language host: our provider plugin constructs them, the policy pack judges what they make.
const YAML_EXAMPLES = path.join(REPO_ROOT, "examples", "yaml");
const pack = { policyPacks: [MESH_ROLLOUT_PACK] };

/** The manifests each example renders (file names under the render folder), at least. */
const RENDERED: Record<string, RegExp[]> = {
    "sidecar-version": [/configmap-mesh-catalog-sidecar-version-1-0-0-[0-9a-f]{8}\.yaml$/],
    "sidecarset-upgrade": [/sidecarset-.*nginx.*\.yaml$/],
    "canary-release": [/virtualservice-shop-reviews\.yaml$/, /destinationrule-shop-reviews\.yaml$/, /deployment-shop-reviews-v2\.yaml$/],
    "mesh-revision": [/deployment-istio-system-istiod-1-12-4\.yaml$/, /namespace-default-shop\.yaml$/],
    "mesh-upgrade": [/deployment-istio-system-istiod-1-14-5\.yaml$/, /deployment-istio-system-istiod-1-12-4\.yaml$/],
};

/** What each example leaves in the cluster, read back from the API server. */
const IN_CLUSTER: Record<string, (kube: KubeClient) => Promise<void>> = {
    "sidecar-version": async (kube) => {
        const cms = (await kube.list("/api/v1/namespaces/mesh-catalog/configmaps")).filter((c) => c.metadata.name.startsWith("sidecar-version-1-0-0-"));
        assert.equal(cms.length, 1);
        assert.equal(cms[0].immutable, true);
    },
    "sidecarset-upgrade": async (kube) => {
        const sets = await kube.list("/apis/apps.kruise.io/v1alpha1/sidecarsets");
        assert.equal(sets.length, 1);
        const proxy = sets[0].spec.containers.find((x: { name: string }) => x.name === "istio-proxy");
        assert.equal(proxy.image, "registry.example.com/asm/asm-istio-proxy:1.6.8-1");
    },
    "canary-release": async (kube) => {
        const vs = await kube.get("/apis/networking.istio.io/v1/namespaces/shop/virtualservices/reviews");
        const weights = vs!.spec.http[0].route.map((r: { destination: { subset: string }; weight: number }) => `${r.destination.subset}=${r.weight}`);
        assert.deepEqual(weights, ["v1=80", "v2=20"]);
    },
    "mesh-revision": async (kube) => {
        const istiod = await kube.get("/apis/apps/v1/namespaces/istio-system/deployments/istiod-1-12-4");
        assert.equal(istiod!.status.readyReplicas, 1);
        const ns = await kube.get("/api/v1/namespaces/shop");
        assert.equal(ns!.metadata.labels["istio.io/rev"], "1-12-4");
    },
};

function files(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
            if (e.isDirectory()) {
                walk(path.join(d, e.name));
            } else {
                out.push(path.relative(dir, path.join(d, e.name)));
            }
        }
    };
    walk(dir);
    return out;
}

describe("the components from Pulumi YAML (examples/yaml), rendering to a folder", function () {
    this.timeout(20 * 60_000);

    for (const example of Object.keys(RENDERED)) {
        it(`examples/yaml/${example}: preview and up with the policy pack, preview with no changes, destroy`, async () => {
            const s = await TestStack.create({ program: path.join(YAML_EXAMPLES, example) });
            try {
                await s.setConfig({ "kubernetes:renderYamlToDirectory": s.renderDir });
                const up = await s.up(pack);
                assert.equal(up.ok, true, explain(up));
                assert.deepEqual(
                    up.violations.filter((v) => v.level === "mandatory"),
                    [],
                );
                const rendered = files(s.renderDir);
                for (const pattern of RENDERED[example]) {
                    assert.ok(
                        rendered.some((f) => pattern.test(f)),
                        `${pattern} in ${rendered.join(", ")}`,
                    );
                }
                const again = await s.preview({ ...pack, expectNoChanges: true });
                assert.equal(again.ok, true, explain(again));
                const destroyed = await s.destroy();
                assert.equal(destroyed.ok, true, explain(destroyed));
            } finally {
                s.dispose();
            }
        });
    }

    it("examples/yaml/mesh-upgrade: the jump 1.14.5 -> 1.17.0 is refused by mesh-rollout-version-jump, and nothing is applied", async () => {
        const s = await TestStack.create({ program: path.join(YAML_EXAMPLES, "mesh-upgrade") });
        try {
            await s.setConfig({ "kubernetes:renderYamlToDirectory": s.renderDir, version: "1.14.5", upgradeTo: "1.17.0", stage: "controlPlane" });
            const preview = await s.preview(pack);
            assert.equal(preview.ok, false);
            const refusals = preview.violations.filter((v) => v.level === "mandatory");
            assert.deepEqual(
                refusals.map((v) => v.policyName),
                ["mesh-rollout-version-jump"],
            );
            assert.match(refusals[0].message, /'upgrade\.to' 1\.17\.0 skips minor versions 1\.15 and 1\.16 from 1\.14\.5/);
            const up = await s.up(pack);
            assert.equal(up.ok, false);
            assert.deepEqual(files(s.renderDir), [], "nothing rendered");
        } finally {
            s.dispose();
        }
    });

    it("a bad argument from YAML is refused with the property path and the rule, not a stack trace", async () => {
        const s = await TestStack.create({ program: path.join(YAML_EXAMPLES, "mesh-upgrade") });
        try {
            await s.setConfig({ "kubernetes:renderYamlToDirectory": s.renderDir, stage: "verify" });
            const preview = await s.preview(pack);
            assert.equal(preview.ok, false);
            const all = `${preview.stdout}\n${preview.stderr}\n${preview.errors.join("\n")}`;
            assert.match(all, /'args\.upgrade\.stage' verify is not an allowed value/);
            assert.doesNotMatch(all, /\n\s+at .*\.(js|ts):\d+/, "no stack trace");
        } finally {
            s.dispose();
        }
    });
});

describe("the components from Pulumi YAML on a real API server", function () {
    this.timeout(30 * 60_000);
    let c: TestCluster;
    before(async () => {
        c = await startCluster("yaml-examples");
    });
    after(async () => c?.stop());

    for (const example of Object.keys(IN_CLUSTER)) {
        it(`examples/yaml/${example}: up with the pack, read back, preview and refresh with no changes, destroy`, async () => {
            const s = await TestStack.create({ program: path.join(YAML_EXAMPLES, example), kubeconfig: c.kubeconfig });
            try {
                const values = c.injectionValues as { istiodRemote: { injectionURL: string; injectionCABundle: string } };
                await s.setConfig({
                    "kubernetes:kubeconfig": c.kubeconfig,
                    ...(example.startsWith("mesh-") ? { injectionURL: values.istiodRemote.injectionURL, injectionCABundle: values.istiodRemote.injectionCABundle } : {}),
                });
                await clusterRoundTrip(s, pack.policyPacks, () => IN_CLUSTER[example](c.kube));
            } finally {
                s.dispose();
            }
        });
    }
});
