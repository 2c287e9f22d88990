import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { MESH_ROLLOUT_PACK, TestStack, UpResult } from "./harness";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Rendered objects as `Kind/namespace/name` -> object, from the render folder. */
function objects(rendered: Readonly<Record<string, string>>): Map<string, Obj> {
    const out = new Map<string, Obj>();
    for (const text of Object.values(rendered)) {
        for (const doc of parseAllDocuments(text)) {
            const o = doc.toJS();
            if (o?.kind) {
                out.set(`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o);
            }
        }
    }
    return out;
}
const get = (r: UpResult, key: string): Obj => {
    const o = objects(r.rendered).get(key);
    assert.ok(o, `${key} was not rendered; have ${[...objects(r.rendered).keys()].join(", ")}`);
    return o;
};
const routes = (r: UpResult) => get(r, "VirtualService/bookinfo/reviews").spec.http;
const subsets = (r: UpResult) => get(r, "DestinationRule/bookinfo/reviews").spec.subsets.map((s: Obj) => s.name);
const changed = (r: UpResult) => r.changes.map((c) => `${c.op} ${c.name}`);

const HOST = "reviews.bookinfo.svc.cluster.local";
const to = (subset: string, weight: number) => ({ destination: { host: HOST, subset }, weight });
const pack = { policyPacks: [MESH_ROLLOUT_PACK] };
const RELEASE = ["Deployment/bookinfo/reviews-v2", "DestinationRule/bookinfo/reviews", "VirtualService/bookinfo/reviews"];
const APP = ["Deployment/bookinfo/reviews-v1", "Service/bookinfo/reviews"];

describe("CanaryRelease on the real engine, with the policy pack", function () {
    const stacks: TestStack[] = [];
    after(() => stacks.forEach((s) => s.dispose()));
    async function newStack(config: Record<string, unknown>): Promise<TestStack> {
        const s = await TestStack.create({ program: "canary-release", config: asConfig(config) });
        stacks.push(s);
        return s;
    }
    const asConfig = (c: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(c).map(([k, v]) => [`mesh-rollout-test:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));

    /** One update with the pack: no mandatory violation, then a second `up` that changes nothing. */
    async function upClean(s: TestStack, config: Record<string, unknown> = {}): Promise<UpResult> {
        await s.setConfig(asConfig(config));
        const r = await s.up(pack);
        assert.equal(r.ok, true, `up ${JSON.stringify(config)} failed:\n${r.stderr}\n${r.violations.map((v) => v.message).join("\n")}`);
        assert.deepEqual(
            r.violations.filter((v) => v.level === "mandatory"),
            [],
        );
        const again = await s.up(pack);
        assert.equal(again.ok, true, again.stderr);
        assert.deepEqual(changed(again), [], `re-running ${JSON.stringify(config)} changed something`);
        assert.deepEqual(again.rendered, r.rendered);
        return r;
    }

    it("weighted canary 10 -> 50 -> 100 as three ordered updates, then promotion: the old version is removed", async () => {
        const s = await newStack({ traffic: { kind: "canary", steps: [10, 50, 100], step: 0 } });
        const first = await upClean(s);
        assert.deepEqual([...objects(first.rendered).keys()].sort(), [...APP, ...RELEASE].sort());
        assert.deepEqual(routes(first), [{ route: [to("v1", 90), to("v2", 10)] }]);
        assert.deepEqual(subsets(first), ["v1", "v2"]);
        const v2 = get(first, "Deployment/bookinfo/reviews-v2");
        assert.deepEqual(v2.spec.template.metadata.labels, { app: "reviews", version: "v2" });
        assert.deepEqual(v2.spec.template.spec.containers[0].resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
        assert.equal((await s.outputs()).routing, "canary step 1 of 3: v1 90%, v2 10%");

        const half = await upClean(s, { traffic: { kind: "canary", steps: [10, 50, 100], step: 1 } });
        assert.deepEqual(changed(half), ["update reviews-v2-virtualservice"], "a step changes the routes only");
        assert.deepEqual(routes(half), [{ route: [to("v1", 50), to("v2", 50)] }]);

        const full = await upClean(s, { traffic: { kind: "canary", steps: [10, 50, 100], step: 2 } });
        assert.deepEqual(changed(full), ["update reviews-v2-virtualservice"]);
        assert.deepEqual(routes(full), [{ route: [to("v1", 0), to("v2", 100)] }]);
        assert.deepEqual(subsets(full), ["v1", "v2"], "the old subset stays until promotion");

        const promoted = await upClean(s, { promote: true, retireCurrent: true });
        assert.deepEqual(routes(promoted), [{ route: [to("v2", 100)] }]);
        assert.deepEqual(subsets(promoted), ["v2"]);
        assert.deepEqual([...objects(promoted.rendered).keys()].sort(), ["Service/bookinfo/reviews", ...RELEASE].sort(), "v1's Deployment is gone");
        const order = changed(promoted);
        assert.deepEqual([...order].sort(), ["delete reviews-v1", "update reviews-v2-destinationrule", "update reviews-v2-virtualservice"].sort());
        assert.ok(
            order.indexOf("update reviews-v2-virtualservice") < order.indexOf("update reviews-v2-destinationrule"),
            `routes move before the subset goes: ${order.join(", ")}`,
        );
        assert.deepEqual(await s.outputs(), { routing: "promoted: v2 100%", subsets: ["v2"], traffic: "promoted" });
    });

    it("header and cookie routing: matching requests to v2, the rest to v1", async () => {
        const match = [{ headers: { "x-canary": { exact: "on" } } }, { cookies: { tester: { exact: "yes" } }, uri: { prefix: "/reviews" } }];
        const s = await newStack({ traffic: { kind: "canary", match } });
        const r = await upClean(s);
        assert.deepEqual(routes(r), [
            {
                match: [{ headers: { "x-canary": { exact: "on" } } }, { headers: { cookie: { regex: "^(.*?;\\s*)?(tester=yes)(;.*)?$" } }, uri: { prefix: "/reviews" } }],
                route: [to("v2", 100)],
            },
            { route: [to("v1", 100)] },
        ]);
        assert.equal((await s.outputs()).routing, "canary by request: 2 match rules -> v2, other requests -> v1");
    });

    it("mirroring: v1 serves everything, v2 gets a 20% copy; the gateway binding is rendered too", async () => {
        const s = await newStack({ traffic: { kind: "mirror", percentage: 20 }, gateway: true });
        const r = await upClean(s);
        assert.deepEqual(routes(r), [{ route: [to("v1", 100)], mirror: { host: HOST, subset: "v2" }, mirrorPercentage: { value: 20 } }]);
        const vs = get(r, "VirtualService/bookinfo/reviews").spec;
        assert.deepEqual(vs.gateways, ["istio-ingress/public", "mesh"]);
        assert.deepEqual(vs.hosts, [HOST, "reviews.example.com"]);
        assert.deepEqual(subsets(r), ["v1", "v2"]);
    });

    it("blue-green: v2 takes over, then hands back to v1; only the routes change", async () => {
        const s = await newStack({ traffic: { kind: "blueGreen", serve: "new" } });
        const over = await upClean(s);
        assert.deepEqual(routes(over), [{ route: [to("v2", 100)] }]);
        const back = await upClean(s, { traffic: { kind: "blueGreen", serve: "old" } });
        assert.deepEqual(changed(back), ["update reviews-v2-virtualservice"]);
        assert.deepEqual(routes(back), [{ route: [to("v1", 100)] }]);
        assert.equal((await s.outputs()).routing, "blue-green: v1 100%");
    });

    it("paused keeps the routes last applied while other settings change; resuming applies the new weight", async () => {
        const s = await newStack({ traffic: { kind: "canary", weight: 10 } });
        await upClean(s);
        const paused = await upClean(s, { traffic: { kind: "canary", weight: 50 }, release: "paused" });
        assert.deepEqual(routes(paused), [{ route: [to("v1", 90), to("v2", 10)] }], "the 90/10 split is kept");
        assert.equal(get(paused, "VirtualService/bookinfo/reviews").metadata.annotations["mesh-rollout.io/release-strategy"], "paused");
        const resumed = await upClean(s, { release: "immediate" });
        assert.deepEqual(routes(resumed), [{ route: [to("v1", 50), to("v2", 50)] }]);
    });

    it("afterReady: the routes wait for the Deployment; without a readiness probe the pack warns by name", async () => {
        const s = await newStack({ traffic: { kind: "canary", weight: 10 }, release: "afterReady", readinessProbe: false });
        const r = await upClean(s);
        const creates = r.changes.filter((c) => c.op === "create").map((c) => c.name);
        assert.ok(creates.indexOf("reviews-v2-deployment") < creates.indexOf("reviews-v2-virtualservice"), creates.join(", "));
        assert.deepEqual(
            r.violations.map((v) => [v.policyName, v.level]),
            [["mesh-rollout-canary-after-ready-probe", "advisory"]],
        );
        assert.match(r.violations[0].message, /Canary reviews-v2 switches traffic afterReady, so Deployment bookinfo\/reviews-v2 must have a readiness probe/);
        const probed = await upClean(s, { readinessProbe: true });
        assert.deepEqual(probed.violations, []);
    });

    it("refuses a hand-written VirtualService whose weights do not sum to 100, by the route-weights policy", async () => {
        const s = await newStack({ traffic: { kind: "canary", weight: 10 }, legacyWeights: [80, 10] });
        const r = await s.preview(pack);
        assert.equal(r.ok, false);
        const mandatory = r.violations.filter((v) => v.level === "mandatory");
        assert.deepEqual(
            mandatory.map((v) => v.policyName),
            ["mesh-rollout-canary-route-weights"],
        );
        assert.match(
            mandatory[0].message,
            /\nVirtualService bookinfo\/ratings must give each route weights from 0 to 100 that sum to 100: spec\.http\[0\] has weights that sum to 90 \(v1 80, v2 10\)\./,
        );
    });

    it("refuses invalid args before anything is touched, with the component's message", async () => {
        const s = await newStack({ traffic: { kind: "canary", steps: [10, 50, 100], step: 0 } });
        const before = await upClean(s);
        await s.setConfig(asConfig({ traffic: { kind: "canary", steps: [10, 50, 100], step: 3 } }));
        const r = await s.up(pack);
        assert.equal(r.ok, false);
        assert.match(
            `${r.stderr}\n${r.errors.join("\n")}`,
            /'args\.traffic\.step' 3 is past the last step: steps has 3 \(10, 50, 100\), indexes 0 to 2\. Use a step from 0 to 2; to finish, set promote: true\./,
        );
        assert.deepEqual(r.rendered, before.rendered);
    });
});
