import assert from "node:assert/strict";
import type { TestStack } from "./harness";
import { appDeployment, podRevisions, startCluster, TestCluster } from "./cluster/cluster";
import { KubeClient, KubeObject, withoutServerFields } from "./cluster/kube";
import { applyStage, meshStack, nsLabel, pack, prepareApps, readyIstiods, WEBHOOKS } from "./cluster/mesh-steps";

const RESTART = "mesh-rollout.io/revision";

/**
 * The objects with what the retained restart patch leaves on cart taken out: the restart annotation and
 * the patch's `pulumi.com/patchForce` marker (a rollback restarts cart, and both stay after it).
 */
function withoutRestart(objects: Record<string, KubeObject>): Record<string, KubeObject> {
    const copy = JSON.parse(JSON.stringify(objects)) as Record<string, KubeObject>;
    type Annotated = { metadata?: { annotations?: Record<string, string> } };
    const cart = copy["Deployment/shop/cart"] as (Annotated & { spec?: { template?: Annotated } }) | undefined;
    const strip = (o: Annotated | undefined, key: string) => {
        if (o?.metadata?.annotations !== undefined) {
            delete o.metadata.annotations[key];
            if (Object.keys(o.metadata.annotations).length === 0) {
                delete o.metadata.annotations;
            }
        }
    };
    strip(cart?.spec?.template, RESTART);
    strip(cart, "pulumi.com/patchForce");
    return copy;
}

/** Ends the upgrade (removes it from the config) with the pack: after rollback, the new revision goes. */
async function endUpgrade(s: TestStack): Promise<void> {
    await s.removeConfig(["mesh-rollout-test:to", "mesh-rollout-test:stage"]);
    await applyStage(s);
}

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

    it("a rollback is two updates: stage rollback moves everything back (the new istiod stays), and removing 'upgrade' is refused while a pod runs the new revision, then returns the objects to the pre-upgrade set", async () => {
        const kube = c.kube;
        s = await meshStack(c);
        await applyStage(s);
        const before = await meshObjects(kube);
        assert.ok(Object.keys(before).includes("Deployment/istio-system/istiod-1-12-4"));
        // The first install restarts nothing: cart's template carries no restart annotation.
        assert.equal(
            (before["Deployment/shop/cart"] as { spec: { template: { metadata: { annotations?: Record<string, string> } } } }).spec.template.metadata.annotations?.[RESTART],
            undefined,
        );

        await applyStage(s, "controlPlane");
        assert.deepEqual(await readyIstiods(kube), ["istiod-1-12-4", "istiod-1-14-5"]);
        await applyStage(s, "rollback");
        assert.deepEqual(await readyIstiods(kube), ["istiod-1-12-4", "istiod-1-14-5"], "stage rollback keeps the new istiod");
        await endUpgrade(s);
        assertSameObjects(withoutRestart(await meshObjects(kube)), withoutRestart(before), "rollback from controlPlane, ended");

        await applyStage(s, "controlPlane");
        await applyStage(s, "dataPlane");
        assert.equal(await nsLabel(kube, "shop"), "1-14-5");
        await kube.waitFor(
            "cart's pods on 1-14-5",
            () => podRevisions(kube, "shop", "cart"),
            (ps) => ps.length === 2 && ps.every((p) => p.revision === "1-14-5"),
        );
        // A workload the mesh does not list, started during the upgrade: it gets 1-14-5.
        await kube.create("/apis/apps/v1/namespaces/shop/deployments", appDeployment("shop", "reviews", 1));
        await kube.waitFor(
            "reviews on 1-14-5",
            () => podRevisions(kube, "shop", "reviews"),
            (ps) => ps.length === 1 && ps[0].revision === "1-14-5",
        );

        await applyStage(s, "rollback");
        assert.equal(await nsLabel(kube, "shop"), "1-12-4");
        // The listed workload restarted back: its pods run the old revision's sidecar again.
        await kube.waitFor(
            "cart's pods back on 1-12-4",
            () => podRevisions(kube, "shop", "cart"),
            (ps) => ps.length === 2 && ps.every((p) => p.revision === "1-12-4"),
        );
        assert.deepEqual(await readyIstiods(kube), ["istiod-1-12-4", "istiod-1-14-5"]);

        // Removing 'upgrade' would take istiod-1-14-5 away from reviews' proxy: refused, naming its pod.
        await s.removeConfig(["mesh-rollout-test:to", "mesh-rollout-test:stage"]);
        const refused = await s.preview(pack);
        assert.equal(refused.ok, false);
        const reviewsPod = (await podRevisions(kube, "shop", "reviews"))[0].pod;
        const refusals = refused.violations.filter((v) => v.level === "mandatory");
        assert.deepEqual(refusals.map((v) => v.policyName).sort(), ["mesh-rollout-control-plane-not-older", "mesh-rollout-rollback-nothing-on-new-revision"]);
        assert.match(
            refusals.find((v) => v.policyName === "mesh-rollout-rollback-nothing-on-new-revision")!.message,
            new RegExp(`removes istiod 1-14-5 while 1 pod still run its sidecar \\(read from the cluster\\): 1 pod in shop \\(${reviewsPod}\\): restart Deployment/reviews\\.`),
        );
        assert.match(refusals.find((v) => v.policyName === "mesh-rollout-control-plane-not-older")!.message, /1 pod run proxy 1\.14\.5 \(read from the cluster\)/);
        assert.deepEqual(await readyIstiods(kube), ["istiod-1-12-4", "istiod-1-14-5"], "nothing was touched");

        // Restart it as the message says; then the rollback ends.
        const reviews = appDeployment("shop", "reviews", 1);
        (reviews.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations = { "kubectl.kubernetes.io/restartedAt": "now" };
        await kube.apply("/apis/apps/v1/namespaces/shop/deployments/reviews", reviews);
        await kube.waitFor(
            "reviews back on 1-12-4",
            () => podRevisions(kube, "shop", "reviews"),
            (ps) => ps.length === 1 && ps[0].revision === "1-12-4",
        );
        await endUpgrade(s);
        const after = await meshObjects(kube);
        delete after["Deployment/shop/reviews"];
        assertSameObjects(withoutRestart(after), withoutRestart(before), "rollback from dataPlane, ended");
        assert.deepEqual(await readyIstiods(kube), ["istiod-1-12-4"]);
        // The restart annotation stays when the upgrade ends: removing it would restart cart once more.
        assert.equal(
            (after["Deployment/shop/cart"] as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata.annotations[RESTART],
            "1-12-4",
        );
    });

    it("a namespace removed from the mesh is unbound (labels removed, Namespace and pods kept); with deleteWhenRemoved it is deleted", async () => {
        const kube = c.kube;
        // The stack of the test above, at rest after its rollback: three more namespaces join, then leave.
        assert.ok(s !== undefined, "runs after the rollback test, on its stack");
        const t = s;
        // An existing namespace that an earlier setup bound with istio-injection (kubectl label, another tool).
        await kube.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "legacy", labels: { "istio-injection": "enabled", team: "old" } } });
        await t.setConfig({
            "mesh-rollout-test:extraNamespaces": JSON.stringify([
                { name: "made", create: true },
                { name: "doomed", create: true, deleteWhenRemoved: true },
                { name: "legacy", create: false },
            ]),
        });
        {
            await applyStage(t);
            assert.equal(await nsLabel(kube, "made"), "1-12-4");
            assert.equal(await nsLabel(kube, "doomed"), "1-12-4");
            // Bound by istio.io/rev with istio-injection removed in the same patch (never both, never neither).
            assert.deepEqual((await kube.get("/api/v1/namespaces/legacy"))!.metadata.labels, { "istio.io/rev": "1-12-4", "kubernetes.io/metadata.name": "legacy", team: "old" });
            await kube.create("/apis/apps/v1/namespaces/made/deployments", appDeployment("made", "web", 1));
            await kube.waitFor(
                "web on 1-12-4",
                () => podRevisions(kube, "made", "web"),
                (ps) => ps.length === 1 && ps[0].revision === "1-12-4",
            );
            await t.setConfig({ "mesh-rollout-test:extraNamespaces": "[]" });
            const preview = await t.preview(pack);
            assert.deepEqual(
                preview.violations.filter((v) => v.policyName === "mesh-rollout-namespace-injection-removed").map((v) => v.message.trim().split("\n").pop()),
                [
                    "Mesh mesh-ledger: namespaces legacy, made will be unbound: the mesh's labels (istio.io/rev and its extra labels) are removed and the Namespaces and their workloads stay. Running pods keep their sidecars until they restart, then start without one. Keep the namespace in 'namespaces' if that is not intended.",
                    "Mesh mesh-ledger: namespace doomed will be DELETED with everything in it (deleteWhenRemoved). Keep the namespace in 'namespaces', or apply once with deleteWhenRemoved: false first to only unbind it.",
                ],
            );
            await applyStage(t);
            assert.deepEqual((await kube.get("/api/v1/namespaces/legacy"))!.metadata.labels, { "kubernetes.io/metadata.name": "legacy", team: "old" }, "legacy unbound, kept");
            const made = await kube.get("/api/v1/namespaces/made");
            assert.ok(made !== undefined && made.metadata.deletionTimestamp === undefined, "the unbound namespace stays");
            assert.equal(made.metadata.labels["istio.io/rev"], undefined, "its binding label is removed");
            assert.deepEqual(
                (await podRevisions(kube, "made", "web")).map((p) => p.revision),
                ["1-12-4"],
                "its running pod is untouched",
            );
            await kube.waitFor(
                "doomed to be deleted",
                () => kube.get("/api/v1/namespaces/doomed"),
                (n) => n === undefined,
            );
        }
    });
});
