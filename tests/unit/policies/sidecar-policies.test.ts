import assert from "node:assert/strict";
import { parseSidecarSetSpec, sidecarSetManifest, sidecarSetTargets } from "../../../domain";
import { sidecarBaselineNotWeakened } from "../../../policy-packs/mesh-rollout/policies/sidecar-baseline-not-weakened";
import { sidecarMosnCompatible } from "../../../policy-packs/mesh-rollout/policies/sidecar-mosn-compatible";
import { sidecarSetNoDoubleInjection } from "../../../policy-packs/mesh-rollout/policies/sidecarset-no-double-injection";
import { sidecarVersionImmutableInUse } from "../../../policy-packs/mesh-rollout/policies/sidecar-version-immutable-in-use";
import { sidecarVersionInCatalog } from "../../../policy-packs/mesh-rollout/policies/sidecar-version-in-catalog";
import { FixtureResource, runResourcePolicy, runStackPolicy } from "../support/policy";
import { SIDECAR_VERSION_RECORD_TYPE } from "../../../provider/tokens";

const RECORD = SIDECAR_VERSION_RECORD_TYPE;
const SET = "kubernetes:apps.kruise.io/v1alpha1:SidecarSet";
const A = "registry.example.com/mesh/proxy:1.0.0";
const B = "registry.example.com/mesh/proxy:1.0.1";
const MOSN = { api: "v0.0.0-20211217011300-b851d129be01", pkg: "v0.0.0-20211217101631-d914102d1baf" };

const record = (
    version: string,
    digest: string,
    image: string,
    prior: { version: string; digest: string } | null = null,
    extra: Record<string, unknown> = {},
): FixtureResource => ({
    type: RECORD,
    name: `v${version}-record`,
    props: { key: version, state: { version, digest, image, scenario: "container", mosn: MOSN, description: "", ...extra }, prior },
});
function sidecarSet(
    version: string,
    image: string,
    input: Record<string, unknown> = { selector: { matchLabels: { app: "nginx" } }, namespace: "shop", upgradeType: "ColdUpgrade" },
): FixtureResource {
    const spec = parseSidecarSetSpec(input);
    return { type: SET, name: "nginx", props: sidecarSetManifest(sidecarSetTargets("nginx", spec)[0], spec, { version, image }) };
}
const ns = (name: string, labels: Record<string, string>): FixtureResource => ({ type: "kubernetes:core/v1:Namespace", name, props: { metadata: { name, labels } } });
const deployment = (name: string, namespace: string, labels: Record<string, string>, annotations: Record<string, string> = {}): FixtureResource => ({
    type: "kubernetes:apps/v1:Deployment",
    name,
    props: { metadata: { name, namespace }, spec: { template: { metadata: { labels, annotations } } } },
});

describe("policy pack: mesh-rollout (sidecar catalog policies)", () => {
    describe("mesh-rollout-sidecar-version-immutable-in-use", () => {
        it("allows publishing, and editing a version nobody uses", async () => {
            assert.deepEqual(await runStackPolicy(sidecarVersionImmutableInUse, [record("1.0.0", "sha256:a", A), sidecarSet("1.0.0", A)]), []);
            assert.deepEqual(await runStackPolicy(sidecarVersionImmutableInUse, [record("1.0.0", "sha256:b", B, { version: "1.0.0", digest: "sha256:a" })]), []);
            assert.deepEqual(
                await runStackPolicy(sidecarVersionImmutableInUse, [record("1.0.0", "sha256:a", A, { version: "1.0.0", digest: "sha256:a" }), sidecarSet("1.0.0", A)]),
                [],
            );
        });
        it("refuses editing a version used in the cluster (read by the provider: another stack's SidecarSet, a pod), naming the users", async () => {
            const r = record("1.0.0", "sha256:b", B, { version: "1.0.0", digest: "sha256:a" });
            const withUsers = (usedBy: unknown) => ({ ...r, props: { ...r.props, usedBy } });
            const reported = await runStackPolicy(sidecarVersionImmutableInUse, [
                withUsers({ verified: true, at: "t", users: ["SidecarSet hand-made", "Pod shop/nginx-0 (StatefulSet/nginx)"] }),
            ]);
            assert.deepEqual(
                reported.map((v) => v.message),
                [
                    "Sidecar version 1.0.0 must not be edited while in use (by SidecarSet hand-made (in the cluster), Pod shop/nginx-0 (StatefulSet/nginx) (in the cluster)): its digest would change from sha256:a to sha256:b. Publish a new version instead and switch the consumers to it.",
                ],
            );
            assert.deepEqual(await runStackPolicy(sidecarVersionImmutableInUse, [withUsers({ verified: true, at: "t", users: [] })]), []);
            assert.deepEqual(
                await runStackPolicy(sidecarVersionImmutableInUse, [withUsers({ verified: false, reason: "no cluster", users: ["x"] })]),
                [],
                "unverified: the stack's consumers only",
            );
        });
        it("refuses editing a version in use", async () => {
            const r = record("1.0.0", "sha256:b", B, { version: "1.0.0", digest: "sha256:a" });
            assert.deepEqual(await runStackPolicy(sidecarVersionImmutableInUse, [r, sidecarSet("1.0.0", B)]), [
                {
                    message:
                        "Sidecar version 1.0.0 must not be edited while in use (by SidecarSet nginx): its digest would change from sha256:a to sha256:b. Publish a new version instead and switch the consumers to it.",
                    urn: `urn:pulumi:unit::mesh-rollout-unit::${RECORD}::v1.0.0-record`,
                },
            ]);
        });
    });

    describe("mesh-rollout-sidecar-version-in-catalog", () => {
        it("passes consumers of held versions, and stacks without a catalog", async () => {
            assert.deepEqual(await runStackPolicy(sidecarVersionInCatalog, [record("1.0.0", "sha256:a", A), sidecarSet("1.0.0", A)]), []);
            assert.deepEqual(await runStackPolicy(sidecarVersionInCatalog, [sidecarSet("1.0.0", A)]), []);
        });
        it("refuses a consumer of a version the catalog no longer holds (deleting an in-use version)", async () => {
            const reported = await runStackPolicy(sidecarVersionInCatalog, [record("1.0.1", "sha256:b", B), sidecarSet("1.0.0", A)]);
            assert.deepEqual(reported, [
                {
                    message:
                        "SidecarSet nginx must use a sidecar version the catalog holds, not 1.0.0 (held: 1.0.1). Keep 1.0.0 in the catalog until nothing uses it, or switch SidecarSet nginx to a held version first.",
                    urn: `urn:pulumi:unit::mesh-rollout-unit::${SET}::nginx`,
                },
            ]);
        });
        it("refuses a consumer whose image is not the catalog's", async () => {
            const reported = await runStackPolicy(sidecarVersionInCatalog, [record("1.0.0", "sha256:a", A), sidecarSet("1.0.0", B)]);
            assert.equal(reported[0].message, `SidecarSet nginx must inject the catalog's image for 1.0.0 (${A}), not ${B}. Take the image from the catalog entry.`);
        });
    });

    describe("mesh-rollout-sidecar-mosn-compatible", () => {
        it("passes a plugin with its main's pins", async () => {
            assert.deepEqual(await runStackPolicy(sidecarMosnCompatible, [record("2.0.0", "d", A), record("2.0.1", "e", A, null, { main: "2.0.0" })]), []);
        });
        it("refuses a plugin whose pins differ from the main in the catalog", async () => {
            const main = record("2.0.0", "d", A);
            (main.props.state as { mosn: object }).mosn = { ...MOSN, pkg: "v0.0.0-20220101000000-cccccccccccc" };
            const reported = await runStackPolicy(sidecarMosnCompatible, [main, record("2.0.1", "e", A, null, { main: "2.0.0" })]);
            assert.deepEqual(
                reported.map((r) => r.message),
                [
                    "Sidecar plugin 2.0.1 must use the main MOSN 2.0.0's mosn.pkg v0.0.0-20220101000000-cccccccccccc, not v0.0.0-20211217101631-d914102d1baf; it would not load into it. Rebuild the plugin against v0.0.0-20220101000000-cccccccccccc.",
                ],
            );
        });
    });

    describe("mesh-rollout-sidecarset-no-double-injection", () => {
        it("passes a SidecarSet in a namespace without auto-injection, or pods that opt out", async () => {
            assert.deepEqual(await runStackPolicy(sidecarSetNoDoubleInjection, [ns("shop", {}), sidecarSet("1.0.0", A), deployment("nginx", "shop", { app: "nginx" })]), []);
            assert.deepEqual(
                await runStackPolicy(sidecarSetNoDoubleInjection, [
                    ns("shop", { "istio-injection": "enabled" }),
                    sidecarSet("1.0.0", A),
                    deployment("nginx", "shop", { app: "nginx" }, { "sidecar.istio.io/inject": "false" }),
                ]),
                [],
            );
            assert.deepEqual(
                await runStackPolicy(sidecarSetNoDoubleInjection, [ns("shop", { "istio.io/rev": "1-14-5" }), sidecarSet("1.0.0", A), deployment("web", "shop", { app: "web" })]),
                [],
            );
        });
        it("reads the SidecarSet's namespace from its namespaceSelector (kubernetes.io/metadata.name), as mesh-rollout renders it", async () => {
            const set = sidecarSet("1.0.0", A);
            assert.deepEqual((set.props.spec as Record<string, unknown>).namespaceSelector, { matchLabels: { "kubernetes.io/metadata.name": "shop" } });
            // The same pod labels in another, auto-injecting namespace are not this SidecarSet's.
            assert.deepEqual(
                await runStackPolicy(sidecarSetNoDoubleInjection, [ns("shop", {}), ns("other", { "istio.io/rev": "1-14-5" }), set, deployment("nginx", "other", { app: "nginx" })]),
                [],
            );
        });
        it("refuses pods selected by a SidecarSet in an auto-injecting namespace", async () => {
            const reported = await runStackPolicy(sidecarSetNoDoubleInjection, [
                ns("shop", { "istio.io/rev": "1-14-5" }),
                sidecarSet("1.0.0", A),
                deployment("nginx", "shop", { app: "nginx" }),
            ]);
            assert.deepEqual(
                reported.map((r) => r.message),
                [
                    "SidecarSet nginx must not select Deployment nginx in shop: namespace shop also injects sidecars automatically, so pods would get two. Disable auto-injection for shop (seed 004: an independent namespace), or opt the pods out with sidecar.istio.io/inject=false.",
                ],
            );
        });
    });

    describe("mesh-rollout-sidecar-baseline-not-weakened", () => {
        it("passes the SidecarSet mesh-rollout renders (seed 004's baseline), cold and hot", async () => {
            assert.deepEqual(await runResourcePolicy(sidecarBaselineNotWeakened, sidecarSet("1.0.0", A)), []);
            const hot = {
                selector: { matchLabels: { app: "nginx" } },
                namespace: "shop",
                upgradeType: "HotUpgrade",
                hotUpgradeEmptyImage: "registry.example.com/mesh/empty:1.0.0",
            };
            assert.deepEqual(await runResourcePolicy(sidecarBaselineNotWeakened, sidecarSet("1.0.0", A, hot)), []);
        });
    });
});
