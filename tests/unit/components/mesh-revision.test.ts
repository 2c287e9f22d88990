import assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import type { MeshRevisionArgs } from "../../../components/mesh-revision";
import { capture, find, installMocks, names, valueOf } from "../support/mocks";
import { MESH_LEDGER_TYPE } from "../../../provider/tokens";

const NS = "kubernetes:core/v1:Namespace";
const CHART = "kubernetes:helm.sh/v4:Chart";
const TAG = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration";
const PATCH = "kubernetes:apps/v1:DeploymentPatch";
const BIND = "kubernetes:core/v1:NamespacePatch";
const DEPLOY = "kubernetes:apps/v1:Deployment";
const LEDGER = MESH_LEDGER_TYPE;
const APPLIED = "mesh-rollout:index:MeshStageApplied";

const base: MeshRevisionArgs = {
    version: "1.12.4",
    chart: { chart: "./charts/istiod-minimal" },
    tags: [
        { name: "stable", follows: "current" },
        { name: "canary", follows: "upgrade" },
    ],
    namespaces: [
        { name: "shop", restart: ["cart"] },
        { name: "payments", tag: "stable" },
        { name: "canary-check", moveAt: "controlPlane" },
    ],
    gateways: [{ name: "ingress", namespace: "istio-ingress" }],
};

async function build(name: string, args: MeshRevisionArgs) {
    await installMocks();
    const { MeshRevision } = await import("../../../components/mesh-revision");
    let comp: InstanceType<typeof MeshRevision> | undefined;
    const resources = await capture(() => (comp = new MeshRevision(name, args)));
    return { resources, comp: comp! };
}

const upgrade = (stage: "controlPlane" | "dataPlane" | "finalize" | "rollback"): MeshRevisionArgs => ({ ...base, upgrade: { to: "1.14.5", stage } });

describe("MeshRevision (mocked runtime)", () => {
    it("before an upgrade: one revision, stable tag, namespaces on it", async () => {
        const { resources, comp } = await build("m0", base);
        assert.deepEqual(
            names(resources),
            [
                `${CHART}::m0-istiod-1-12-4`,
                `${TAG}::m0-tag-stable`,
                `kubernetes:apps/v1:Deployment::m0-gateway-istio-ingress-ingress`,
                `${NS}::m0-istio-system`,
                `${NS}::m0-ns-canary-check`,
                `${NS}::m0-ns-payments`,
                `${NS}::m0-ns-shop`,
                `${BIND}::m0-bind-canary-check`,
                `${BIND}::m0-bind-payments`,
                `${BIND}::m0-bind-shop`,
                `kubernetes:core/v1:Service::m0-gateway-istio-ingress-ingress`,
                `kubernetes:core/v1:ServiceAccount::m0-gateway-istio-ingress-ingress`,
                `mesh-rollout:index:MeshRevision::m0`,
                `mesh-rollout:index:MeshStageApplied::m0-applied`,
                `${LEDGER}::m0-ledger`,
            ].sort(),
        );
        const chart = find(resources, CHART, "m0-istiod-1-12-4").inputs;
        assert.equal(chart.chart, "./charts/istiod-minimal");
        assert.equal(chart.namespace, "istio-system");
        assert.deepEqual(chart.values, { revision: "1-12-4", global: { tag: "1.12.4", istioNamespace: "istio-system" } });
        assert.equal(chart.repositoryOpts, undefined, "a local chart has no repository");
        // The binding is a patch (removed with the namespace's labels only); the Namespace itself carries none.
        assert.deepEqual(find(resources, BIND, "m0-bind-shop").inputs.metadata, {
            name: "shop",
            labels: { "istio.io/rev": "1-12-4" },
            annotations: { "pulumi.com/patchForce": "true" },
        });
        assert.deepEqual(find(resources, BIND, "m0-bind-payments").inputs.metadata.labels, { "istio.io/rev": "stable" });
        assert.deepEqual(find(resources, NS, "m0-ns-shop").inputs.metadata, { name: "shop" });
        // No restart on a first install or without an upgrade: nothing to move.
        assert.equal(resources.filter((r) => r.type === PATCH).length, 0);
        const tag = find(resources, TAG, "m0-tag-stable").inputs;
        assert.equal(tag.metadata.name, "istio-revision-tag-stable");
        assert.deepEqual(tag.metadata.labels, { "istio.io/tag": "stable", "istio.io/rev": "1-12-4", app: "sidecar-injector", "app.kubernetes.io/managed-by": "mesh-rollout" });
        // Takes over what a killed `pulumi up` left (field conflicts on defaulted rule fields).
        assert.deepEqual(tag.metadata.annotations, { "pulumi.com/patchForce": "true" });
        assert.deepEqual(tag.webhooks[0].clientConfig.service, { name: "istiod-1-12-4", namespace: "istio-system", path: "/inject", port: 443 });
        assert.deepEqual(tag.webhooks[0].namespaceSelector.matchExpressions[0], { key: "istio.io/rev", operator: "In", values: ["stable"] });
        const gw = find(resources, DEPLOY, "m0-gateway-istio-ingress-ingress").inputs;
        assert.equal(gw.spec.template.metadata.labels["istio.io/rev"], "1-12-4");
        assert.deepEqual(gw.metadata.annotations, { "pulumi.com/patchForce": "true" });
        assert.deepEqual(gw.spec.template.spec.containers[0].securityContext, {
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
        const ledger = find(resources, LEDGER, "m0-ledger").inputs;
        assert.equal(ledger.key, "m0");
        assert.deepEqual(ledger.state, {
            version: "1.12.4",
            upgrade: null,
            revisions: ["1-12-4"],
            oldRevision: "1-12-4",
            newRevision: null,
            tags: { stable: "1-12-4" },
            namespaces: { shop: "1-12-4", payments: "stable", "canary-check": "1-12-4" },
            gateways: { "istio-ingress/ingress": "1-12-4" },
            onOldRevision: [],
            mode: "install",
        });
        assert.equal(ledger.__provider, undefined, "the ledger is not a dynamic resource (no serialized provider in its inputs)");
        assert.equal(find(resources, LEDGER, "m0-ledger").custom, true, "the ledger is a custom resource of the mesh-rollout provider");
        // What the update completed: the same state, in a record registered after every child.
        assert.deepEqual(find(resources, APPLIED, "m0-applied").inputs, { key: "m0", state: ledger.state });
        assert.deepEqual(await valueOf(comp.revisions), ["1-12-4"]);
        assert.equal(await valueOf(comp.stage), "none");
    });

    it("controlPlane: both revisions, canary tag on the new one, only the verify namespace moved", async () => {
        const { resources, comp } = await build("m1", upgrade("controlPlane"));
        assert.deepEqual(
            resources
                .filter((r) => r.type === CHART)
                .map((r) => r.name)
                .sort(),
            ["m1-istiod-1-12-4", "m1-istiod-1-14-5"],
        );
        assert.deepEqual(find(resources, CHART, "m1-istiod-1-14-5").inputs.values, { revision: "1-14-5", global: { tag: "1.14.5", istioNamespace: "istio-system" } });
        assert.equal(find(resources, TAG, "m1-tag-stable").inputs.metadata.labels["istio.io/rev"], "1-12-4");
        assert.equal(find(resources, TAG, "m1-tag-canary").inputs.metadata.labels["istio.io/rev"], "1-14-5");
        assert.equal(find(resources, BIND, "m1-bind-shop").inputs.metadata.labels["istio.io/rev"], "1-12-4");
        assert.equal(find(resources, BIND, "m1-bind-canary-check").inputs.metadata.labels["istio.io/rev"], "1-14-5");
        assert.equal(resources.filter((r) => r.type === PATCH).length, 0, "shop does not move at controlPlane: cart is not restarted");
        assert.deepEqual(await valueOf(comp.stillOnOldRevision), ["namespace/shop", "namespace/payments", "gateway/istio-ingress/ingress", "tag/stable"]);
    });

    it("dataPlane: namespaces, gateway and stable tag move; listed workloads restart", async () => {
        const { resources, comp } = await build("m2", upgrade("dataPlane"));
        assert.equal(resources.filter((r) => r.type === CHART).length, 2);
        assert.equal(find(resources, BIND, "m2-bind-shop").inputs.metadata.labels["istio.io/rev"], "1-14-5");
        assert.equal(find(resources, BIND, "m2-bind-payments").inputs.metadata.labels["istio.io/rev"], "stable");
        assert.equal(find(resources, TAG, "m2-tag-stable").inputs.metadata.labels["istio.io/rev"], "1-14-5");
        assert.equal(find(resources, PATCH, "m2-restart-shop-cart").inputs.spec.template.metadata.annotations["mesh-rollout.io/revision"], "1-14-5");
        assert.equal(find(resources, DEPLOY, "m2-gateway-istio-ingress-ingress").inputs.spec.template.metadata.labels["istio.io/rev"], "1-14-5");
        assert.deepEqual(await valueOf(comp.stillOnOldRevision), []);
    });

    it("finalize: only the new revision, no canary tag", async () => {
        const { resources } = await build("m3", upgrade("finalize"));
        assert.deepEqual(
            resources.filter((r) => r.type === CHART).map((r) => r.name),
            ["m3-istiod-1-14-5"],
        );
        assert.deepEqual(
            resources.filter((r) => r.type === TAG).map((r) => r.name),
            ["m3-tag-stable"],
        );
        assert.equal(find(resources, TAG, "m3-tag-stable").inputs.metadata.labels["istio.io/rev"], "1-14-5");
    });

    it("rollback: everything back on the old revision, the new istiod kept (nothing points at it) and listed workloads restarted back", async () => {
        const before = await build("m4", base);
        const after = await build("m4", upgrade("rollback"));
        const strip = (rs: typeof before.resources) =>
            rs
                .filter((r) => r.type !== LEDGER && r.type !== APPLIED && r.type !== PATCH && r.name !== "m4-istiod-1-14-5")
                .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));
        assert.deepEqual(strip(after.resources), strip(before.resources));
        assert.deepEqual(find(after.resources, CHART, "m4-istiod-1-14-5").inputs.values, { revision: "1-14-5", global: { tag: "1.14.5", istioNamespace: "istio-system" } });
        assert.equal(find(after.resources, PATCH, "m4-restart-shop-cart").inputs.spec.template.metadata.annotations["mesh-rollout.io/revision"], "1-12-4");
        assert.deepEqual(await valueOf(after.comp.revisions), ["1-12-4", "1-14-5"]);
        assert.deepEqual(await valueOf(after.comp.stillOnOldRevision), []);
        // Removing the upgrade then removes the new revision (the policy pack gates it on the pods).
        const ended = await build("m4", base);
        assert.equal(ended.resources.filter((r) => r.type === CHART).length, 1);
    });

    it("hold keeps a namespace on the old revision, and finalize reports it", async () => {
        const args: MeshRevisionArgs = { ...base, namespaces: [{ name: "shop", hold: true }], upgrade: { to: "1.14.5", stage: "finalize" } };
        const { resources, comp } = await build("m5", args);
        assert.equal(find(resources, BIND, "m5-bind-shop").inputs.metadata.labels["istio.io/rev"], "1-12-4");
        assert.deepEqual(await valueOf(comp.stillOnOldRevision), ["namespace/shop"]);
    });

    it("the chart's objects are marked pulumi.com/patchForce by a transform, their own annotations kept; other resources untouched", async () => {
        const { forceChartPatches } = await import("../../../components/mesh-revision");
        const opts = { parent: undefined } as unknown as pulumi.ResourceOptions;
        const deployment = { type: "kubernetes:apps/v1:Deployment", name: "m-istiod-1-14-5:istio-system/istiod-1-14-5", custom: true, opts };
        const props = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "istiod-1-14-5", annotations: { "prometheus.io/scrape": "true" } }, spec: { replicas: 1 } };
        const out = await forceChartPatches({ ...deployment, props });
        assert.deepEqual(out?.props, { ...props, metadata: { name: "istiod-1-14-5", annotations: { "prometheus.io/scrape": "true", "pulumi.com/patchForce": "true" } } });
        assert.equal(out?.opts, opts);
        const bare = await forceChartPatches({ ...deployment, props: { metadata: { name: "istiod" } } });
        assert.deepEqual(bare?.props.metadata, { name: "istiod", annotations: { "pulumi.com/patchForce": "true" } });
        assert.equal(await forceChartPatches({ ...deployment, type: "mesh-rollout:index:MeshUpgradeLedger", props: { metadata: {} } }), undefined);
        assert.equal(await forceChartPatches({ ...deployment, custom: false, props: { metadata: {} } }), undefined);
        assert.equal(await forceChartPatches({ ...deployment, props: { spec: {} } }), undefined);
    });

    it("managed mode installs no istiod, no tags, no control-plane namespace", async () => {
        const { resources } = await build("m6", { ...upgrade("dataPlane"), version: "1.12.4.58", mode: "managed", chart: undefined });
        assert.deepEqual(
            names(resources),
            [
                `kubernetes:apps/v1:Deployment::m6-gateway-istio-ingress-ingress`,
                `${PATCH}::m6-restart-shop-cart`,
                `${NS}::m6-ns-canary-check`,
                `${NS}::m6-ns-payments`,
                `${NS}::m6-ns-shop`,
                `${BIND}::m6-bind-canary-check`,
                `${BIND}::m6-bind-payments`,
                `${BIND}::m6-bind-shop`,
                `kubernetes:core/v1:Service::m6-gateway-istio-ingress-ingress`,
                `kubernetes:core/v1:ServiceAccount::m6-gateway-istio-ingress-ingress`,
                `mesh-rollout:index:MeshRevision::m6`,
                `mesh-rollout:index:MeshStageApplied::m6-applied`,
                `${LEDGER}::m6-ledger`,
            ].sort(),
        );
        assert.equal(find(resources, LEDGER, "m6-ledger").inputs.state.mode, "managed");
    });

    it("defaults to Istio's published chart at the revision's version", async () => {
        const { resources } = await build("m7", { version: "1.14.5" });
        const chart = find(resources, CHART, "m7-istiod-1-14-5").inputs;
        assert.equal(chart.chart, "istiod");
        assert.equal(chart.version, "1.14.5");
        assert.deepEqual(chart.repositoryOpts, { repo: "https://istio-release.storage.googleapis.com/charts" });
    });

    it("restart takes StatefulSets and DaemonSets as { kind, name }; a Deployment keeps its resource name", async () => {
        const args: MeshRevisionArgs = {
            ...base,
            upgrade: { to: "1.14.5", stage: "dataPlane" },
            namespaces: [{ name: "shop", restart: ["cart", { kind: "StatefulSet", name: "db" }, { kind: "DaemonSet", name: "agent" }, { kind: "Deployment", name: "web" }] }],
        };
        const { resources } = await build("mr", args);
        const restarts = resources.filter((r) => r.name.startsWith("mr-restart-")).map((r) => `${r.type}::${r.name}`);
        assert.deepEqual(restarts.sort(), [
            "kubernetes:apps/v1:DaemonSetPatch::mr-restart-shop-daemonset-agent",
            "kubernetes:apps/v1:DeploymentPatch::mr-restart-shop-cart",
            "kubernetes:apps/v1:DeploymentPatch::mr-restart-shop-web",
            "kubernetes:apps/v1:StatefulSetPatch::mr-restart-shop-statefulset-db",
        ]);
        assert.deepEqual(find(resources, "kubernetes:apps/v1:StatefulSetPatch", "mr-restart-shop-statefulset-db").inputs.spec, {
            template: { metadata: { annotations: { "mesh-rollout.io/revision": "1-14-5" } } },
        });
    });

    it("restart refuses a kind whose pods a patch cannot restart, with the rule and an example", async () => {
        await installMocks();
        const { MeshRevision } = await import("../../../components/mesh-revision");
        assert.throws(
            () => new MeshRevision("mj", { ...base, namespaces: [{ name: "shop", restart: [{ kind: "Job" as never, name: "once" }] }] }),
            /'args\.namespaces\[0\]\.restart\[0\]/,
        );
    });

    it("with a live kubeconfig, an existing namespace's istio-injection is swapped for istio.io/rev (one merge patch) before the binding patch", async () => {
        const { resources } = await build("m9", {
            version: "1.14.5",
            namespaces: [{ name: "legacy", create: false, tag: "stable" }, { name: "made" }],
            tags: [{ name: "stable" }],
            liveCheck: { kubeconfig: "/k/config" },
        });
        assert.deepEqual(find(resources, "mesh-rollout:index:NamespaceInjectionSwap", "m9-swap-legacy").inputs, {
            namespace: "legacy",
            revLabel: "stable",
            kubeconfig: "/k/config",
        });
        assert.equal(resources.filter((r) => r.type === "mesh-rollout:index:NamespaceInjectionSwap").length, 1, "only existing namespaces: a created one never had the label");
        const rendered = await build("m10", { version: "1.14.5", namespaces: [{ name: "legacy", create: false }] });
        assert.equal(rendered.resources.filter((r) => r.type === "mesh-rollout:index:NamespaceInjectionSwap").length, 0, "without a cluster there is nothing to swap");
    });

    it("existing namespaces are labelled by a server-side patch", async () => {
        const { resources } = await build("m8", { version: "1.14.5", mode: "managed", namespaces: [{ name: "legacy", create: false }] });
        const patch = find(resources, "kubernetes:core/v1:NamespacePatch", "m8-ns-legacy").inputs;
        assert.deepEqual(patch.metadata.labels, { "istio.io/rev": "1-14-5" });
    });

    const bad: [string, MeshRevisionArgs, string][] = [
        [
            "deleteWhenRemoved on an existing namespace",
            { version: "1.12.4", namespaces: [{ name: "legacy", create: false, deleteWhenRemoved: true }] },
            "'args.namespaces[0].deleteWhenRemoved' true is set on an existing namespace (create: false), which mesh-rollout only labels and never deletes. Remove deleteWhenRemoved (the namespace is unbound when it leaves the mesh), or set create: true if this mesh owns it.",
        ],
        ["an unparseable version", { version: "1.x" }, "'args.version' 1.x is not a mesh version. Give an Istio version"],
        [
            "an unknown stage",
            { version: "1.12.4", upgrade: { to: "1.14.5", stage: "verify" as never } },
            "'args.upgrade.stage' verify is not an allowed value. Use one of: controlPlane, dataPlane, finalize, rollback.",
        ],
        [
            "istio-injection in a namespace's labels",
            { version: "1.12.4", namespaces: [{ name: "shop", labels: { "istio-injection": "enabled" } }] },
            "'args.namespaces[0].labels.istio-injection' enabled is set, but mesh-rollout binds the namespace with istio.io/rev, and a namespace never carries both (istio-injection would silently win). Remove istio-injection; to follow the default revision, bind through a tag ('tag: \"default\"').",
        ],
        [
            "a namespace bound to an undeclared tag",
            { version: "1.12.4", namespaces: [{ name: "shop", tag: "prod" }] },
            `'args.namespaces[0].tag' prod names no tag declared in 'tags'. Declare it in 'tags', e.g. { name: "prod", follows: "current" }, or bind by revision (remove 'tag').`,
        ],
        [
            "a duplicate namespace",
            { version: "1.12.4", namespaces: [{ name: "a" }, { name: "a" }] },
            "'args.namespaces[1].name' a is declared twice as a namespace. Declare each namespace once.",
        ],
        ["a misspelt argument", { version: "1.12.4", namespace: [] } as never, "'args.namespace' [] is not a known setting."],
        [
            "an ASM-patch-only upgrade",
            { version: "1.12.4.58", mode: "managed", upgrade: { to: "1.12.4.60", stage: "controlPlane" } },
            "'args.upgrade.to' 1.12.4.60 has the same revision name as 1.12.4.58 (1-12-4), so a canary cannot run it beside the old one. Change 'version' to 1.12.4.60 instead (an in-place upgrade), and remove 'upgrade'.",
        ],
    ];
    for (const [what, args, message] of bad) {
        it(`refuses ${what} with a clear error, creating nothing`, async () => {
            await installMocks();
            const { MeshRevision } = await import("../../../components/mesh-revision");
            assert.throws(
                () => new MeshRevision("bad", args),
                (e: unknown) => {
                    assert.ok((e as Error).message.startsWith(message), (e as Error).message);
                    return true;
                },
            );
        });
    }
});
