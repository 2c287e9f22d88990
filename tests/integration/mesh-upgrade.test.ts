import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { MESH_ROLLOUT_PACK, TestStack, UpResult } from "./harness";

/** Rendered objects as `Kind/namespace/name` -> object, from the render folder. */
type KubeObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function objects(rendered: Readonly<Record<string, string>>): Map<string, KubeObject> {
    const out = new Map<string, KubeObject>();
    for (const text of Object.values(rendered)) {
        for (const doc of parseAllDocuments(text)) {
            const o = doc.toJS();
            if (o && o.kind) {
                out.set(`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o);
            }
        }
    }
    return out;
}
const keys = (r: UpResult) => [...objects(r.rendered).keys()].sort();
const pack = { policyPacks: [MESH_ROLLOUT_PACK] };

/** cart's restart patch, rendered as a Deployment: from the first stage that moves shop on (never at install). */
const CART = "Deployment/shop/cart";
const COMMON = [
    "Deployment/istio-ingress/ingress",
    "Namespace//istio-system",
    "Namespace//payments",
    "Namespace//shop",
    "Service/istio-ingress/ingress",
    "ServiceAccount/istio-ingress/ingress",
];
const revisionObjects = (rev: string) => [
    `Deployment/istio-system/istiod-${rev}`,
    `MutatingWebhookConfiguration//istio-sidecar-injector-${rev}`,
    `Service/istio-system/istiod-${rev}`,
    `ServiceAccount/istio-system/istiod-${rev}`,
];

describe("MeshRevision on the real engine: 1.12.4 -> 1.14.5 by stages, with the policy pack", function () {
    const stacks: TestStack[] = [];
    after(() => stacks.forEach((s) => s.dispose()));
    async function newStack(config: Record<string, string> = {}) {
        const s = await TestStack.create({ program: "mesh-upgrade", config });
        stacks.push(s);
        return s;
    }
    /** Applies a stage and checks a re-run changes nothing: by a second `up` when `rerunUp`, else by a preview. */
    async function upClean(s: TestStack, stage?: string, rerunUp = false): Promise<UpResult> {
        if (stage !== undefined) {
            await s.setConfig({ "mesh-rollout-test:to": "1.14.5", "mesh-rollout-test:stage": stage });
        }
        const r = await s.up(pack);
        assert.equal(r.ok, true, `up ${stage ?? "(install)"} failed:\n${r.stderr}\n${r.violations.map((v) => v.message).join("\n")}`);
        assert.deepEqual(
            r.violations.filter((v) => v.level === "mandatory"),
            [],
        );
        const again = rerunUp ? await s.up(pack) : await s.preview(pack);
        assert.equal(again.ok, true, again.stderr);
        assert.deepEqual(again.changes, [], `re-running ${stage ?? "(install)"} changes ${JSON.stringify(again.changes.map((c) => `${c.op} ${c.name}`))}`);
        if (rerunUp) {
            assert.deepEqual((again as UpResult).rendered, r.rendered);
        }
        return r;
    }

    it("installs, then upgrades through controlPlane, dataPlane and finalize; each re-run is a no-op", async () => {
        const s = await newStack();
        const r0 = await upClean(s, undefined, true);
        assert.deepEqual(keys(r0), [...COMMON, ...revisionObjects("1-12-4"), "MutatingWebhookConfiguration//istio-revision-tag-stable"].sort());
        const o0 = objects(r0.rendered);
        assert.equal(o0.get("Namespace//shop")!.metadata.labels["istio.io/rev"], "1-12-4");
        assert.equal(o0.get("Namespace//payments")!.metadata.labels["istio.io/rev"], "stable");
        assert.equal(o0.get("MutatingWebhookConfiguration//istio-revision-tag-stable")!.webhooks[0].clientConfig.service.name, "istiod-1-12-4");

        const r1 = await upClean(s, "controlPlane", true);
        assert.deepEqual(
            keys(r1),
            [
                ...COMMON,
                ...revisionObjects("1-12-4"),
                ...revisionObjects("1-14-5"),
                "MutatingWebhookConfiguration//istio-revision-tag-stable",
                "MutatingWebhookConfiguration//istio-revision-tag-canary",
            ].sort(),
        );
        const o1 = objects(r1.rendered);
        assert.equal(o1.get("Namespace//shop")!.metadata.labels["istio.io/rev"], "1-12-4", "controlPlane moves nothing");
        assert.equal(o1.get("MutatingWebhookConfiguration//istio-revision-tag-canary")!.webhooks[0].clientConfig.service.name, "istiod-1-14-5");
        assert.equal(o1.get("Deployment/istio-system/istiod-1-14-5")!.spec.template.spec.containers[0].image, "docker.io/istio/pilot:1.14.5");
        assert.deepEqual((await s.outputs()).stillOnOldRevision, ["namespace/shop", "namespace/payments", "gateway/istio-ingress/ingress", "tag/stable"]);

        const r2 = await upClean(s, "dataPlane", true);
        assert.ok(keys(r2).includes(CART), "dataPlane restarts cart");
        const o2 = objects(r2.rendered);
        assert.equal(o2.get("Namespace//shop")!.metadata.labels["istio.io/rev"], "1-14-5");
        assert.equal(o2.get("Namespace//shop")!.metadata.labels["istio-injection"], undefined);
        assert.equal(o2.get("Namespace//payments")!.metadata.labels["istio.io/rev"], "stable");
        assert.equal(o2.get("MutatingWebhookConfiguration//istio-revision-tag-stable")!.webhooks[0].clientConfig.service.name, "istiod-1-14-5");
        assert.equal(o2.get("Deployment/istio-ingress/ingress")!.spec.template.metadata.labels["istio.io/rev"], "1-14-5");
        assert.equal(o2.get("Deployment/shop/cart")!.spec.template.metadata.annotations["mesh-rollout.io/revision"], "1-14-5");
        assert.deepEqual((await s.outputs()).stillOnOldRevision, []);

        const r3 = await upClean(s, "finalize", true);
        assert.deepEqual(keys(r3), [...COMMON, CART, ...revisionObjects("1-14-5"), "MutatingWebhookConfiguration//istio-revision-tag-stable"].sort());
        assert.deepEqual((await s.outputs()).revisions, ["1-14-5"]);

        // After finalize, the upgrade is over: going back is refused by name.
        await s.setConfig({ "mesh-rollout-test:stage": "rollback" });
        const back = await s.preview(pack);
        assert.equal(back.ok, false);
        assert.deepEqual(
            back.violations.filter((v) => v.level === "mandatory").map((v) => v.policyName),
            ["mesh-rollout-stage-order"],
        );
    });

    for (const from of ["controlPlane", "dataPlane"]) {
        it(`rollback from ${from}, then removing the upgrade, returns the rendered manifests to the pre-upgrade set (cart's restart patch aside)`, async () => {
            const s = await newStack();
            const before = await upClean(s);
            await upClean(s, "controlPlane");
            if (from === "dataPlane") {
                await upClean(s, "dataPlane");
            }
            // Stage rollback: everything back on 1-12-4, the new istiod still there (nothing points at it), cart restarted back.
            const rolledBack = await upClean(s, "rollback");
            assert.deepEqual(keys(rolledBack), [...keys(before), CART, ...revisionObjects("1-14-5")].sort());
            const o = objects(rolledBack.rendered);
            assert.equal(o.get("Namespace//shop")!.metadata.labels["istio.io/rev"], "1-12-4");
            assert.equal(o.get(CART)!.spec.template.metadata.annotations["mesh-rollout.io/revision"], "1-12-4");
            // The end of the rollback: the new revision goes; the retained restart patch's file stays.
            await s.removeConfig(["mesh-rollout-test:to", "mesh-rollout-test:stage"]);
            const ended = await upClean(s);
            const { [Object.keys(ended.rendered).find((f) => f.endsWith("apps_v1-deployment-shop-cart.yaml"))!]: cartFile, ...rest } = ended.rendered;
            assert.ok(cartFile !== undefined);
            assert.deepEqual(rest, before.rendered);
        });
    }

    it("refuses controlPlane -> finalize by the stage-order policy, touching nothing even with --skip-preview", async () => {
        const s = await newStack();
        await upClean(s);
        const cp = await upClean(s, "controlPlane");
        await s.setConfig({ "mesh-rollout-test:stage": "finalize" });
        // The ledger is the mesh's first resource, so its policy stops the update before any child.
        const r = await s.upWithoutPreview(pack);
        assert.equal(r.ok, false);
        const mandatory = r.violations.filter((v) => v.level === "mandatory");
        assert.deepEqual(
            mandatory.map((v) => v.policyName),
            ["mesh-rollout-stage-order"],
        );
        assert.match(
            mandatory[0].message,
            /'stage' finalize skips dataPlane: the applied stage is controlPlane\. Apply stage dataPlane first, or rollback to cancel the upgrade\./,
        );
        assert.deepEqual(r.rendered, cp.rendered, "nothing was applied");
    });

    it("refuses 1.12.4 -> 1.15.0 by the version-jump policy", async () => {
        const s = await newStack();
        await upClean(s);
        await s.setConfig({ "mesh-rollout-test:to": "1.15.0", "mesh-rollout-test:stage": "controlPlane" });
        const r = await s.preview(pack);
        assert.equal(r.ok, false);
        assert.deepEqual(
            r.violations.filter((v) => v.level === "mandatory").map((v) => v.policyName),
            ["mesh-rollout-version-jump"],
        );
        assert.match(
            r.violations.filter((v) => v.level === "mandatory")[0].message,
            /'upgrade\.to' 1\.15\.0 skips minor versions 1\.13 and 1\.14 from 1\.12\.4; canary upgrades may skip at most one\. Upgrade through 1\.12\.4 -> 1\.14\.x -> 1\.15\.0/,
        );
    });

    it("refuses finalize while a namespace is held on the old revision", async () => {
        const s = await newStack({ "mesh-rollout-test:holdShop": "true" });
        await upClean(s);
        await upClean(s, "controlPlane");
        await upClean(s, "dataPlane");
        await s.setConfig({ "mesh-rollout-test:stage": "finalize" });
        const r = await s.preview(pack);
        assert.equal(r.ok, false);
        const mandatory = r.violations.filter((v) => v.level === "mandatory");
        // The held namespace also names a revision finalize removes: both policies say so.
        assert.deepEqual(mandatory.map((v) => v.policyName).sort(), ["mesh-rollout-finalize-nothing-on-old-revision", "mesh-rollout-rev-label-known"]);
        const finalize = mandatory.find((v) => v.policyName === "mesh-rollout-finalize-nothing-on-old-revision")!;
        assert.match(finalize.message, /must not finalize while anything still points at the old revision 1-12-4: namespace shop\./);
    });

    it("refuses a namespace carrying both istio-injection and istio.io/rev", async () => {
        const s = await newStack({ "mesh-rollout-test:legacyLabels": JSON.stringify({ "istio-injection": "enabled", "istio.io/rev": "1-12-4" }) });
        const r = await s.preview(pack);
        assert.equal(r.ok, false);
        assert.deepEqual(
            r.violations.filter((v) => v.level === "mandatory").map((v) => v.policyName),
            ["mesh-rollout-namespace-labels-exclusive"],
        );
    });
});
