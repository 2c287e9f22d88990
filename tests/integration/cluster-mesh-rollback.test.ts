import assert from "node:assert/strict";
import type { TestStack } from "./harness";
import { podRevisions, startCluster, TestCluster } from "./cluster/cluster";
import { KubeClient, KubeObject, withoutServerFields } from "./cluster/kube";
import { applyStage, meshStack, nsLabel, prepareApps, readyIstiods, WEBHOOKS } from "./cluster/mesh-steps";

/**
 * What the mesh owns or changes in the cluster, as `kind/namespace/name` -> the object without the fields
 * the server manages (resourceVersion, uid, timestamps, generation, managedFields, status).
 */
async function meshObjects(kube: KubeClient): Promise<Record<string, KubeObject>> {
    const out: Record<string, KubeObject> = {};
    const add = (items: KubeObject[], kind: string) => {
        for (const o of items) {
            out[`${kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`] = withoutServerFields(o);
        }
    };
    for (const ns of ["istio-system", "shop", "payments", "istio-ingress"]) {
        const n = await kube.get(`/api/v1/namespaces/${ns}`);
        if (n) {
            add([n], "Namespace");
        }
    }
    add(
        (await kube.list(WEBHOOKS)).filter((w) => w.metadata.name.startsWith("istio-")),
        "MutatingWebhookConfiguration",
    );
    for (const ns of ["istio-system", "istio-ingress"]) {
        add(await kube.list(`/apis/apps/v1/namespaces/${ns}/deployments`), "Deployment");
        add(await kube.list(`/api/v1/namespaces/${ns}/services`), "Service");
        add(
            (await kube.list(`/api/v1/namespaces/${ns}/serviceaccounts`)).filter((sa) => sa.metadata.name !== "default"),
            "ServiceAccount",
        );
    }
    add(await kube.list("/apis/apps/v1/namespaces/shop/deployments"), "Deployment");
    add(await kube.list("/apis/apps/v1/namespaces/payments/deployments"), "Deployment");
    return out;
}

/** Object-by-object comparison, so that a failure names the object that differs. */
function assertSameObjects(actual: Record<string, KubeObject>, expected: Record<string, KubeObject>, when: string): void {
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${when}: the set of objects`);
    for (const key of Object.keys(expected)) {
        assert.deepEqual(actual[key], expected[key], `${when}: ${key} differs from before the upgrade`);
    }
}

describe("MeshRevision rollback against a real API server", function () {
    this.timeout(30 * 60_000);
    let c: TestCluster;
    let s: TestStack | undefined;
    before(async () => {
        c = await startCluster("mesh-rollback");
        await prepareApps(c.kube);
    });
    after(async () => {
        s?.dispose();
        await c?.stop();
    });

    it("rolling back from controlPlane, then from dataPlane, returns the API server's objects to the pre-upgrade set", async () => {
        const kube = c.kube;
        s = await meshStack(c);
        await applyStage(s);
        const before = await meshObjects(kube);
        assert.ok(Object.keys(before).includes("Deployment/istio-system/istiod-1-12-4"));

        await applyStage(s, "controlPlane");
        assert.deepEqual(await readyIstiods(kube), ["istiod-1-12-4", "istiod-1-14-5"]);
        await applyStage(s, "rollback");
        assertSameObjects(await meshObjects(kube), before, "rollback from controlPlane");

        await applyStage(s, "controlPlane");
        await applyStage(s, "dataPlane");
        assert.equal(await nsLabel(kube, "shop"), "1-14-5");
        await kube.waitFor(
            "cart's pods on 1-14-5",
            () => podRevisions(kube, "shop", "cart"),
            (ps) => ps.length === 2 && ps.every((p) => p.revision === "1-14-5"),
        );
        await applyStage(s, "rollback");
        assertSameObjects(await meshObjects(kube), before, "rollback from dataPlane");
        // The listed workload restarted back: its pods run the old revision's sidecar again.
        await kube.waitFor(
            "cart's pods back on 1-12-4",
            () => podRevisions(kube, "shop", "cart"),
            (ps) => ps.length === 2 && ps.every((p) => p.revision === "1-12-4"),
        );
        assert.deepEqual(await readyIstiods(kube), ["istiod-1-12-4"]);
    });
});
