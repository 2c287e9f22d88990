import assert from "node:assert/strict";
import { MESH_ROLLOUT_PACK, TestStack, UpResult } from "./harness";
import { startCluster, TestCluster } from "./cluster/cluster";
import { KubeObject, WatchEvent } from "./cluster/kube";

const pack = { policyPacks: [MESH_ROLLOUT_PACK] };
const NS = "bookinfo";
const VS = `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices`;
const DR = `/apis/networking.istio.io/v1/namespaces/${NS}/destinationrules`;
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;

/** What happened to the canary's Deployment and VirtualService, in the API server's order (resourceVersion). */
interface Seen {
    readonly rv: bigint;
    readonly what: string;
}

/** Watches the new version's Deployment and the VirtualService while `run` runs; returns the events in order. */
async function observe(c: TestCluster, vsName: string, deploymentName: string, run: (seen: Seen[]) => Promise<void>): Promise<Seen[]> {
    const seen: Seen[] = [];
    const listRv = async (path: string) => (await c.kube.get(path))!.metadata.resourceVersion as string;
    const record = (kind: string, name: string, describe: (o: KubeObject) => string) => (e: WatchEvent) => {
        if (e.object?.metadata?.name === name) {
            seen.push({ rv: BigInt(e.object.metadata.resourceVersion), what: `${kind} ${e.type} ${describe(e.object)}` });
        }
    };
    const ready = (d: KubeObject) =>
        d.status?.observedGeneration === d.metadata.generation &&
        d.status?.updatedReplicas === d.spec.replicas &&
        d.status?.availableReplicas === d.spec.replicas &&
        d.status?.replicas === d.spec.replicas
            ? "ready"
            : "not-ready";
    const weights = (v: KubeObject) =>
        JSON.stringify((v.spec?.http ?? []).map((h: KubeObject) => (h.route ?? []).map((r: KubeObject) => `${r.destination.subset}=${r.weight ?? 100}`)));
    const w1 = c.kube.watch(DEPLOYMENTS, await listRv(DEPLOYMENTS), record("deployment", deploymentName, ready));
    const w2 = c.kube.watch(VS, await listRv(VS), record("virtualservice", vsName, weights));
    try {
        await run(seen);
        await new Promise((r) => setTimeout(r, 500)); // the last events
    } finally {
        w1.stop();
        w2.stop();
    }
    return seen.sort((a, b) => (a.rv < b.rv ? -1 : a.rv > b.rv ? 1 : 0));
}

describe("CanaryRelease against a real API server", function () {
    this.timeout(30 * 60_000);
    let c: TestCluster;
    const stacks: TestStack[] = [];
    before(async () => {
        c = await startCluster("canary-release");
        await c.kube.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    });
    after(async () => {
        stacks.forEach((s) => s.dispose());
        await c?.stop();
    });

    async function upOk(s: TestStack): Promise<UpResult> {
        const r = await s.up(pack);
        assert.equal(r.ok, true, `${r.errors.join("\n")}\n${r.stderr}\n${r.violations.map((v) => v.message).join("\n")}`);
        return r;
    }

    it("afterReady changes the VirtualService only after the new Deployment is Ready; immediate does not wait", async function () {
        const s = await TestStack.create({
            program: "canary-release",
            kubeconfig: c.kubeconfig,
            config: { "mesh-rollout-test:traffic": JSON.stringify({ kind: "canary", weight: 10 }) },
        });
        stacks.push(s);
        await upOk(s);
        const vs = await c.kube.get(`${VS}/reviews`);
        const dr = await c.kube.get(`${DR}/reviews`);
        assert.deepEqual(
            vs!.spec.http.at(-1).route.map((r: KubeObject) => [r.destination.subset, r.weight]),
            [
                ["v1", 90],
                ["v2", 10],
            ],
            "the VirtualService was accepted by the CRD's validation and reads back as written",
        );
        assert.deepEqual(dr!.spec.subsets.map((x: KubeObject) => x.name).sort(), ["v1", "v2"]);
        const deployment = (await c.kube.list(DEPLOYMENTS)).find((d) => d.metadata.labels?.version === "v2")!.metadata.name as string;

        // afterReady: a new image with 30%, while no new pod can be scheduled.
        await s.setConfig({
            "mesh-rollout-test:release": "afterReady",
            "mesh-rollout-test:newImage": "docker.io/istio/examples-bookinfo-reviews-v2:1.20.2",
            "mesh-rollout-test:traffic": JSON.stringify({ kind: "canary", weight: 30 }),
        });
        const afterReady = await observe(c, "reviews", deployment, async () => {
            c.pauseScheduler();
            const up = upOk(s);
            try {
                await c.kube.waitFor(
                    "the rollout to start",
                    () => c.kube.get(`${DEPLOYMENTS}/${deployment}`),
                    (d) => d?.status?.observedGeneration === d?.metadata.generation && d?.spec.template.spec.containers[0].image.endsWith("1.20.2"),
                );
                await new Promise((r) => setTimeout(r, 4000)); // time in which an unordered update would have changed the routes
                assert.equal((await c.kube.get(`${VS}/reviews`))!.spec.http.at(-1).route[1].weight, 10, "afterReady: routes unchanged while the Deployment is not Ready");
            } finally {
                c.resumeScheduler();
            }
            await up;
        });
        const firstReady = afterReady.findIndex((e) => e.what === "deployment MODIFIED ready");
        const vsChange = afterReady.findIndex((e) => e.what.startsWith("virtualservice MODIFIED"));
        assert.ok(
            firstReady >= 0 && vsChange > firstReady,
            `afterReady: the VirtualService changed after the Deployment was Ready:\n${afterReady.map((e) => `${e.rv} ${e.what}`).join("\n")}`,
        );
        assert.equal(afterReady[vsChange].what, 'virtualservice MODIFIED [["v1=70","v2=30"]]');

        // immediate: another image with 50%; the routes change while the new pods cannot run.
        await s.setConfig({
            "mesh-rollout-test:release": "immediate",
            "mesh-rollout-test:newImage": "docker.io/istio/examples-bookinfo-reviews-v2:1.20.3",
            "mesh-rollout-test:traffic": JSON.stringify({ kind: "canary", weight: 50 }),
        });
        const immediate = await observe(c, "reviews", deployment, async () => {
            c.pauseScheduler();
            const up = upOk(s);
            try {
                await c.kube.waitFor(
                    "the routes to change",
                    () => c.kube.get(`${VS}/reviews`),
                    (v) => v?.spec.http.at(-1).route[1].weight === 50,
                    120,
                );
                const d = await c.kube.get(`${DEPLOYMENTS}/${deployment}`);
                // Ready as the watch judges it: with a surge pod pending, `replicas` is above spec (updated and
                // available alone both equal spec then: the old pod is available, the new one merely created).
                assert.notEqual(
                    d!.status?.observedGeneration === d!.metadata.generation &&
                        d!.status?.updatedReplicas === d!.spec.replicas &&
                        d!.status?.availableReplicas === d!.spec.replicas &&
                        d!.status?.replicas === d!.spec.replicas,
                    true,
                    `immediate: the Deployment is not Ready yet (status ${JSON.stringify(d!.status)})`,
                );
            } finally {
                c.resumeScheduler();
            }
            await up;
        });
        const vsChangeImmediate = immediate.findIndex((e) => e.what.startsWith("virtualservice MODIFIED"));
        const readyImmediate = immediate.findIndex((e) => e.what === "deployment MODIFIED ready");
        assert.ok(
            vsChangeImmediate >= 0 && (readyImmediate < 0 || vsChangeImmediate < readyImmediate),
            `immediate: the routes changed before the Deployment was Ready:\n${immediate.map((e) => `${e.rv} ${e.what}`).join("\n")}`,
        );
    });

    it("a sticky weighted canary: the API server accepts the cookie route, Set-Cookie and the pod hash; leaving the weighted kind and promotion drop them", async () => {
        const ns = "bookinfo-sticky";
        await c.kube.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
        const sticky = { cookieName: "reviews-canary", ttl: "1h" };
        const s = await TestStack.create({
            program: "canary-release",
            kubeconfig: c.kubeconfig,
            config: {
                "mesh-rollout-test:namespace": ns,
                "mesh-rollout-test:traffic": JSON.stringify({ kind: "canary", steps: [10, 50, 100], step: 1, sessionAffinity: sticky }),
            },
        });
        stacks.push(s);
        await upOk(s);
        assert.equal((await s.outputs()).routing, "canary step 2 of 3: v1 50%, v2 50%, sticky by cookie reviews-canary for 3600s");
        const host = `reviews.${ns}.svc.cluster.local`;
        const to = (subset: string, weight: number) => ({ destination: { host, subset }, weight });
        const vsPath = `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/reviews`;
        const drPath = `/apis/networking.istio.io/v1/namespaces/${ns}/destinationrules/reviews`;

        // Read back from the API server: accepted by the CRDs' validation, stored as written.
        assert.deepEqual((await c.kube.get(vsPath))!.spec.http, [
            { match: [{ headers: { cookie: { regex: "^(.*?;\\s*)?(reviews-canary=v2)(;.*)?$" } } }], route: [to("v2", 100)] },
            { route: [to("v1", 50), { ...to("v2", 50), headers: { response: { add: { "Set-Cookie": "reviews-canary=v2; Max-Age=3600; Path=/" } } } }] },
        ]);
        assert.deepEqual((await c.kube.get(drPath))!.spec.subsets, [
            { name: "v1", labels: { version: "v1" } },
            {
                name: "v2",
                labels: { version: "v2" },
                trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: "reviews-canary-pod", path: "/", ttl: "3600s" } } } },
            },
        ]);

        // Leaving the weighted kind (hand back): no cookie route, no pod hash.
        await s.setConfig({ "mesh-rollout-test:traffic": JSON.stringify({ kind: "blueGreen", serve: "old" }) });
        await upOk(s);
        assert.deepEqual((await c.kube.get(vsPath))!.spec.http, [{ route: [to("v1", 100)] }]);
        assert.deepEqual((await c.kube.get(drPath))!.spec.subsets, [
            { name: "v1", labels: { version: "v1" } },
            { name: "v2", labels: { version: "v2" } },
        ]);

        // Sticky again at the last step, then promoted: everyone on v2, the subset without the hash.
        await s.setConfig({ "mesh-rollout-test:traffic": JSON.stringify({ kind: "canary", steps: [10, 50, 100], step: 2, sessionAffinity: sticky }) });
        await upOk(s);
        assert.equal((await c.kube.get(vsPath))!.spec.http.length, 2, "the cookie route is back");
        assert.ok((await c.kube.get(drPath))!.spec.subsets[1].trafficPolicy, "the pod hash is back");
        await s.setConfig({ "mesh-rollout-test:promote": "true", "mesh-rollout-test:retireCurrent": "true" });
        await upOk(s);
        assert.equal((await s.outputs()).routing, "promoted: v2 100%");
        assert.deepEqual((await c.kube.get(vsPath))!.spec.http, [{ route: [to("v2", 100)] }]);
        assert.deepEqual((await c.kube.get(drPath))!.spec.subsets, [{ name: "v2", labels: { version: "v2" } }]);
    });

    it("a hand-written invalid VirtualService is refused by the API server, and its message reaches the user", async () => {
        const s = await TestStack.create({
            program: "canary-release",
            kubeconfig: c.kubeconfig,
            config: {
                "mesh-rollout-test:namespace": "bookinfo-invalid",
                "mesh-rollout-test:traffic": JSON.stringify({ kind: "canary", weight: 10 }),
                "mesh-rollout-test:invalidVirtualService": "true",
            },
        });
        await c.kube.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "bookinfo-invalid" } });
        stacks.push(s);
        const r = await s.up(pack);
        assert.equal(r.ok, false);
        const text = `${r.errors.join("\n")}\n${r.stderr}`;
        assert.match(text, /VirtualService.*details/);
        assert.match(text, /spec\.http\[0\]\.retries\.perTryTimeout/, `the API server's own message names the field:\n${text}`);
        assert.equal(await c.kube.get("/apis/networking.istio.io/v1/namespaces/bookinfo-invalid/virtualservices/details"), undefined, "nothing was created");
        assert.deepEqual(await c.kube.list("/apis/apps/v1/namespaces/bookinfo-invalid/deployments"), [], "refused in preview: nothing of the stack was applied");
    });
});
