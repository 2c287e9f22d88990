import assert from "node:assert/strict";
// Steps of the mesh stories against the test cluster, shared by the cluster test files.
import { MESH_ROLLOUT_PACK, TestStack } from "../harness";
import { appDeployment, TestCluster, waitRolledOut } from "./cluster";
import { KubeClient } from "./kube";

export const pack = { policyPacks: [MESH_ROLLOUT_PACK] };
export const WEBHOOKS = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";

/** The app team's side: namespaces (unlabelled) and workloads that exist before the mesh labels them. */
export async function prepareApps(kube: KubeClient): Promise<void> {
    for (const ns of ["shop", "payments", "istio-ingress"]) {
        await kube.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    }
    await kube.create("/apis/apps/v1/namespaces/shop/deployments", appDeployment("shop", "cart"));
    await kube.create("/apis/apps/v1/namespaces/payments/deployments", appDeployment("payments", "ledger"));
    await waitRolledOut(kube, "shop", "cart");
    await waitRolledOut(kube, "payments", "ledger");
}

/** A stack of the mesh-upgrade program against the cluster, its injector webhooks calling the stand-in. */
export async function meshStack(c: TestCluster): Promise<TestStack> {
    return TestStack.create({ program: "mesh-upgrade", kubeconfig: c.kubeconfig, config: { "mesh-rollout-test:chartValues": JSON.stringify(c.injectionValues) } });
}

/** Applies a stage with the pack, then checks that `pulumi refresh` and `preview --expect-no-changes` find no drift. */
export async function applyStage(s: TestStack, stage?: string): Promise<void> {
    if (stage !== undefined) {
        await s.setConfig({ "mesh-rollout-test:to": "1.14.5", "mesh-rollout-test:stage": stage });
    }
    const r = await s.up(pack);
    assert.equal(r.ok, true, `up ${stage ?? "(install)"} failed:\n${r.errors.join("\n")}\n${r.stderr}\n${r.violations.map((v) => v.message).join("\n")}`);
    assert.deepEqual(
        r.violations.filter((v) => v.level === "mandatory"),
        [],
    );
    const refreshed = await s.refresh();
    assert.equal(refreshed.ok, true, `refresh after ${stage ?? "(install)"} failed:\n${refreshed.stderr}`);
    const again = await s.preview({ ...pack, expectNoChanges: true });
    assert.equal(again.ok, true, `drift after ${stage ?? "(install)"}: ${JSON.stringify(again.changes.map((x) => `${x.op} ${x.name} ${x.diffs.join(",")}`))}\n${again.stderr}`);
    assert.deepEqual(again.changes, []);
}

export async function nsLabel(kube: KubeClient, ns: string): Promise<string | undefined> {
    return (await kube.get(`/api/v1/namespaces/${ns}`))?.metadata.labels?.["istio.io/rev"];
}

/** The injector webhooks that exist, name -> the revision they serve (the tag webhooks' label). */
export async function injectorWebhooks(kube: KubeClient): Promise<Record<string, string>> {
    const all = await kube.list(WEBHOOKS);
    return Object.fromEntries(all.filter((w) => w.metadata.name.startsWith("istio-")).map((w) => [w.metadata.name, w.metadata.labels?.["istio.io/rev"]]));
}

export async function readyIstiods(kube: KubeClient): Promise<string[]> {
    const ds = await kube.list("/apis/apps/v1/namespaces/istio-system/deployments");
    return ds
        .filter((d) => d.status?.readyReplicas === d.spec.replicas && d.status?.observedGeneration === d.metadata.generation)
        .map((d) => d.metadata.name)
        .sort();
}
