// Each policy on inputs missing or mistyping a field it needs (hand-written manifests, records
// written by another mesh-rollout version): a violation naming the resource, the property path, what
// it must be with an example, and what it is; or a pass when the policy does not apply. Never a throw.
import assert from "node:assert/strict";
import { unguardedPolicies } from "../../../policy-packs/mesh-rollout/policies";
import { FixtureResource, runPolicy, urnOf } from "../support/policy";
import { happy, happyStack, TYPES, withField } from "./fixtures";

const policy = (name: string) => unguardedPolicies.find((p) => p.name === `mesh-rollout-${name}`)!;
const ledger = happy(TYPES.ledger);
const record = happy(TYPES.record);
const STATE_REMEDY = "The program's mesh-rollout writes records this policy pack cannot read: use the same mesh-rollout version for the program and the policy pack.";
const priorRemedy = (name: string) =>
    `The record was last applied by a mesh-rollout version that wrote it differently. Check this change by hand, then run this one update with {"mesh-rollout-${name}": "advisory"} in --policy-pack-config; the next apply rewrites the record.`;
const K8S_REMEDY = "Correct that field in the program; the Kubernetes API would refuse it too.";

describe("policy pack: missing and mistyped fields", () => {
    it("the happy-path stack passes every policy (the digest policy aside: it is off by default and the fixtures use tags)", async () => {
        for (const p of unguardedPolicies.filter((p) => p.name !== "mesh-rollout-images-pinned-by-digest")) {
            assert.deepEqual(await runPolicy(p, happyStack()), [], p.name);
        }
    });

    const cases: [string, string, FixtureResource[], string, FixtureResource?][] = [
        [
            "version-jump",
            "a ledger state without 'version'",
            [withField(ledger, "state.version", undefined)],
            `MeshUpgradeLedger mesh-ledger must have 'state.version' as a version of at most 64 characters, e.g. "1.14.5"; it is missing. ${STATE_REMEDY}`,
        ],
        [
            "version-jump",
            "a prior (older package) whose 'version' is a number",
            [withField(withField(ledger, "state.upgrade", null), "prior.version", 1.14)],
            `MeshUpgradeLedger mesh-ledger must have 'prior.version' as a version of at most 64 characters, e.g. "1.14.5"; it is 1.14 (a number). ${priorRemedy("version-jump")}`,
        ],
        [
            "stage-order",
            "a stage no version knows",
            [withField(ledger, "state.upgrade.stage", "finalise")],
            `MeshUpgradeLedger mesh-ledger must have 'state.upgrade.stage' as one of controlPlane, dataPlane, finalize, rollback, e.g. "controlPlane"; it is "finalise" (a string). ${STATE_REMEDY}`,
        ],
        [
            "stage-order",
            "a prior whose 'upgrade' is a bare stage",
            [withField(ledger, "prior.upgrade", "dataPlane")],
            `MeshUpgradeLedger mesh-ledger must have 'prior.upgrade' as null or an upgrade, e.g. {"to": "1.14.5", "stage": "controlPlane"}; it is "dataPlane" (a string). ${priorRemedy("stage-order")}`,
        ],
        [
            "rev-label-known",
            "a ledger without 'tags' (labels are then not judged)",
            [withField(ledger, "state.tags", undefined), withField(happy(TYPES.namespace, 0), ["metadata", "labels", "istio.io/rev"], "nowhere")],
            `MeshUpgradeLedger mesh-ledger must have 'state.tags' as a map of tag to revision, e.g. {"stable": "1-12-4"}; it is missing. ${STATE_REMEDY}`,
            ledger,
        ],
        [
            "rev-label-known",
            "a 5,000-character label value (cut, with its length)",
            [ledger, withField(happy(TYPES.namespace, 0), ["metadata", "labels", "istio.io/rev"], "r".repeat(5000))],
            `Namespace shop-0 must name an installed revision or tag in istio.io/rev, not ${"r".repeat(80)}… (5,000 characters) ('metadata.labels["istio.io/rev"]'): its new pods would get no sidecar. Installed at this stage: 1-14-5, canary, stable. Use one of them, or install that revision first.`,
            happy(TYPES.namespace, 0),
        ],
        [
            "namespace-injection-removed",
            "a prior without 'namespaces'",
            [withField(ledger, "prior.namespaces", undefined)],
            `MeshUpgradeLedger mesh-ledger must have 'prior.namespaces' as a map of namespace to istio.io/rev value, e.g. {"shop": "1-14-5"}; it is missing. ${priorRemedy("namespace-injection-removed")}`,
        ],
        [
            "finalize-nothing-on-old-revision",
            "'onOldRevision' as a string",
            [withField(ledger, "state.onOldRevision", "namespace/shop")],
            `MeshUpgradeLedger mesh-ledger must have 'state.onOldRevision' as a list of \`kind/namespace/name\` entries, e.g. ["namespace/shop"]; it is "namespace/shop" (a string). ${STATE_REMEDY}`,
            ledger,
        ],
        [
            "sidecar-mosn-compatible",
            "a plugin record without 'mosn'",
            [withField(withField(record, "state.main", "1.0.0"), "state.mosn", undefined)],
            `SidecarVersionRecord sidecar-1.0.0 must have 'state.mosn' as the MOSN pins, e.g. {"api": "v0.0.0-…", "pkg": "v0.0.0-…"}; it is missing. ${STATE_REMEDY}`,
            record,
        ],
        [
            "sidecar-version-immutable-in-use",
            "a prior digest that is a number",
            [withField(record, "prior.digest", 42)],
            `SidecarVersionRecord sidecar-1.0.0 must have 'prior.digest' as a sha256 digest, e.g. "sha256:9f86d081…"; it is 42 (a number). ${priorRemedy("sidecar-version-immutable-in-use")}`,
            record,
        ],
        [
            "sidecar-version-in-catalog",
            "a consumer whose version annotation is an object",
            [record, withField(happy(TYPES.sidecarSet, 0), ["metadata", "annotations", "mesh-rollout.io/sidecar-version"], { v: 1 })],
            `SidecarSet sidecar-5 must have 'metadata.annotations["mesh-rollout.io/sidecar-version"]' as a string, e.g. "1.0.0"; it is an object with key v. ${K8S_REMEDY}`,
            happy(TYPES.sidecarSet, 0),
        ],
        [
            "sidecarset-no-double-injection",
            "a SidecarSet whose selector is a string",
            [happy(TYPES.namespace, 0), withField(happy(TYPES.sidecarSet, 0), "spec.selector", "app=app-5")],
            `SidecarSet sidecar-5 must have 'spec.selector' as a label selector, e.g. {"matchLabels": {"app": "cart"}}; it is "app=app-5" (a string). ${K8S_REMEDY}`,
            happy(TYPES.sidecarSet, 0),
        ],
        [
            "canary-route-weights",
            "a weight given as a string",
            [withField(happy(TYPES.virtualService, 0), "spec.http.1.route.0.weight", "80")],
            `VirtualService shop-0/app-0 must have 'spec.http[1].route[0].weight' as a whole number from 0 to 100, e.g. 20; it is "80" (a string). ${K8S_REMEDY}`,
        ],
        [
            "canary-mirror-not-routed",
            "a mirror given as a host name",
            [withField(happy(TYPES.virtualService, 0), "spec.http.0.mirror", "reviews")],
            `VirtualService shop-0/app-0 must have 'spec.http[0].mirror' as a destination, e.g. {"host": "reviews", "subset": "v2"}; it is "reviews" (a string). ${K8S_REMEDY}`,
        ],
        [
            "canary-after-ready-probe",
            "the released Deployment's containers as an object",
            [happy(TYPES.virtualService, 0), withField(happy(TYPES.deployment, 0), "spec.template.spec.containers", {})],
            `Deployment shop-0/app-0 must have 'spec.template.spec.containers' as a list of containers, e.g. [{"name": "reviews", "image": "reviews:2"}]; it is an empty object. ${K8S_REMEDY}`,
            happy(TYPES.deployment, 0),
        ],
        [
            "canary-no-steps-left",
            "annotations as a list",
            [withField(happy(TYPES.virtualService, 0), "metadata.annotations", ["x"])],
            `VirtualService shop-0-app-0-vs must have 'metadata.annotations' as a map of names to strings, e.g. {"app": "cart"}; it is a list of 1 item. ${K8S_REMEDY}`,
        ],
        [
            "namespace-labels-exclusive",
            "labels as a string",
            [withField(happy(TYPES.namespace, 0), "metadata.labels", "istio-injection=enabled")],
            `Namespace shop-0 must have 'metadata.labels' as a map of names to strings, e.g. {"app": "cart"}; it is "istio-injection=enabled" (a string). ${K8S_REMEDY}`,
        ],
    ];
    for (const [name, what, stack, message, on] of cases) {
        it(`mesh-rollout-${name}: ${what}`, async () => {
            assert.deepEqual(await runPolicy(policy(name), stack), [{ message, urn: on === undefined ? undefined : urnOf(on) }]);
        });
    }

    it("mesh-rollout-version-jump and stage-order: a version the planner cannot parse is the planner's refusal, not a throw", async () => {
        const bogus = withField(ledger, "state.version", "bogus-stage");
        assert.equal((await runPolicy(policy("stage-order"), [bogus])).length, 1); // the stage rule's own verdict: the source changed mid-upgrade
        const [jump] = await runPolicy(policy("version-jump"), [bogus]);
        assert.match(jump.message, /^Mesh mesh-ledger: '[a-z.]+' bogus-stage is not a mesh version\. /);
    });

    it("mesh-rollout-version-jump: 1.0.0 -> 1.999999999.0 is refused at once, with a bounded message", async () => {
        const far = withField(withField(ledger, "state.version", "1.0.0"), "state.upgrade", { to: "1.999999999.0", stage: "controlPlane" });
        const reported = await runPolicy(policy("version-jump"), [far]);
        assert.equal(reported.length, 1);
        assert.match(reported[0].message, /^Mesh mesh-ledger: 'upgrade\.to' 1\.999999999\.0 skips /);
        assert.ok(reported[0].message.length < 1000, reported[0].message);
    });

    it("mesh-rollout-sidecarset-no-double-injection: a Deployment without spec has no pods to select, unless the selector selects everything", async () => {
        const bare = withField(happy(TYPES.deployment, 0), "spec", undefined);
        assert.deepEqual(
            await runPolicy(policy("sidecarset-no-double-injection"), [happy(TYPES.namespace, 0), bare, withField(happy(TYPES.sidecarSet, 0), "spec.namespace", "shop-0")]),
            [],
        );
        const everything = withField(withField(happy(TYPES.sidecarSet, 0), "spec.namespace", "shop-0"), "spec.selector", undefined);
        assert.deepEqual(
            (await runPolicy(policy("sidecarset-no-double-injection"), [happy(TYPES.namespace, 0), bare, everything])).map((r) => r.message),
            [
                "SidecarSet sidecar-5 must not select Deployment app-0 in shop-0: namespace shop-0 also injects sidecars automatically, so pods would get two. Disable auto-injection for shop-0 (seed 004: an independent namespace), or opt the pods out with sidecar.istio.io/inject=false.",
            ],
        );
    });

    it("every policy passes a resource of a type it does not read, whatever its props", async () => {
        const foreign: FixtureResource = { type: "aws:s3/bucket:Bucket", name: "b", props: { metadata: 5, spec: "x", state: null, prior: [] } };
        for (const p of unguardedPolicies) {
            assert.deepEqual(await runPolicy(p, [foreign]), [], p.name);
        }
    });
});
