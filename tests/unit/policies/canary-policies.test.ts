import assert from "node:assert/strict";
import { canaryDeployment, virtualService } from "../../../components/canary-objects";
import { CanaryReleaseSpecInput, layoutCanary, parseCanarySpec } from "../../../domain/canary";
import { canaryPolicies } from "../../../policy-packs/mesh-rollout/canary-policies";
import { canaryAfterReadyProbe } from "../../../policy-packs/mesh-rollout/policies/canary-after-ready-probe";
import { canaryMirrorNotRouted } from "../../../policy-packs/mesh-rollout/policies/canary-mirror-not-routed";
import { canaryNoStepsLeft } from "../../../policy-packs/mesh-rollout/policies/canary-no-steps-left";
import { canaryRouteWeights } from "../../../policy-packs/mesh-rollout/policies/canary-route-weights";
import { FixtureResource, runResourcePolicy, runStackPolicy } from "../support/policy";

const VS = "kubernetes:networking.istio.io/v1:VirtualService";
const DEPLOY = "kubernetes:apps/v1:Deployment";

const base: CanaryReleaseSpecInput = {
    taskName: "reviews-v2",
    namespace: "bookinfo",
    service: { name: "reviews", currentVersion: "v1" },
    newVersion: { version: "v2", containers: [{ name: "reviews", image: "reviews:2", readinessProbe: { http: { path: "/ready", port: 9080 } } }] },
    traffic: { kind: "canary", steps: [10, 50, 100], step: 0 },
    release: "afterReady",
};

/** The resources CanaryRelease renders for a spec: its VirtualService and its Deployment. */
function release(change: Partial<CanaryReleaseSpecInput> = {}): { vs: FixtureResource; deployment: FixtureResource } {
    const spec = parseCanarySpec({ ...base, ...change });
    const layout = layoutCanary(spec);
    return {
        vs: { type: VS, name: "rel-virtualservice", props: virtualService(layout) },
        deployment: { type: DEPLOY, name: "rel-deployment", props: canaryDeployment(spec, layout) },
    };
}

/** A VirtualService written by hand (not by CanaryRelease), with the given http routes. */
const handWritten = (http: object[], type = VS): FixtureResource => ({
    type,
    name: "legacy",
    props: { metadata: { name: "ratings", namespace: "bookinfo" }, spec: { hosts: ["ratings"], http } },
});
const d = (subset: string, weight?: number) => ({ destination: { host: "ratings", subset }, ...(weight !== undefined ? { weight } : {}) });

describe("policy pack: mesh-rollout (CanaryRelease policies)", () => {
    it("lists the canary policies, two mandatory and two advisory, each described as a check", () => {
        assert.deepEqual(
            canaryPolicies.map((p) => `${p.name}:${p.enforcementLevel}`),
            [
                "mesh-rollout-canary-route-weights:mandatory",
                "mesh-rollout-canary-mirror-not-routed:mandatory",
                "mesh-rollout-canary-after-ready-probe:advisory",
                "mesh-rollout-canary-no-steps-left:advisory",
            ],
        );
        for (const p of canaryPolicies) {
            assert.match(p.description, /^Checks that /);
        }
    });

    it("passes every release CanaryRelease renders (the happy-path fixture), whatever the kind", async () => {
        const variants: Partial<CanaryReleaseSpecInput>[] = [
            {},
            { traffic: { kind: "canary", steps: [10, 50, 100], step: 2 } },
            { traffic: { kind: "blueGreen", serve: "new" } },
            { traffic: { kind: "canary", match: [{ headers: { "x-canary": { exact: "on" } } }] } },
            { traffic: { kind: "mirror", percentage: 30 } },
            { promote: true },
            { release: "paused", traffic: { kind: "canary", weight: 0 } },
        ];
        for (const v of variants) {
            const { vs, deployment } = release(v);
            for (const policy of [canaryRouteWeights, canaryMirrorNotRouted, canaryNoStepsLeft]) {
                assert.deepEqual(await runResourcePolicy(policy, vs), [], `${policy.name} on ${JSON.stringify(v)}`);
            }
            assert.deepEqual(await runStackPolicy(canaryAfterReadyProbe, [vs, deployment]), [], JSON.stringify(v));
        }
    });

    describe("mesh-rollout-canary-route-weights", () => {
        it("refuses a hand-written VirtualService whose weights sum to 110", async () => {
            assert.deepEqual(await runResourcePolicy(canaryRouteWeights, handWritten([{ route: [d("v1", 90), d("v2", 20)] }])), [
                {
                    message:
                        "VirtualService bookinfo/ratings must give each route weights from 0 to 100 that sum to 100: spec.http[0] has weights that sum to 110 (v1 90, v2 20). Give every destination of the route a weight so that they add up to 100, e.g. v1 80, v2 20.",
                    urn: undefined,
                },
            ]);
        });
        it("refuses a destination without weight beside others, in any API version", async () => {
            const reported = await runResourcePolicy(
                canaryRouteWeights,
                handWritten([{ route: [d("v1")] }, { route: [d("v1", 50), d("v2")] }], "kubernetes:networking.istio.io/v1beta1:VirtualService"),
            );
            assert.deepEqual(
                reported.map((r) => r.message),
                [
                    "VirtualService bookinfo/ratings must give each route weights from 0 to 100 that sum to 100: spec.http[1] gives some destinations no weight (v1 50, v2 ?). Give every destination of the route a weight so that they add up to 100, e.g. v1 80, v2 20.",
                ],
            );
        });
        it("ignores resources that are not VirtualServices", async () => {
            assert.deepEqual(
                await runResourcePolicy(canaryRouteWeights, {
                    type: "kubernetes:networking.istio.io/v1:DestinationRule",
                    name: "dr",
                    props: { spec: { http: [{ route: [d("v1", 5), d("v2", 5)] }] } },
                }),
                [],
            );
        });
    });

    describe("mesh-rollout-canary-mirror-not-routed", () => {
        it("refuses a VirtualService that routes traffic to the version it mirrors to", async () => {
            const vs = handWritten([{ route: [d("v1", 90), d("v2", 10)], mirror: { host: "ratings", subset: "v2" }, mirrorPercentage: { value: 50 } }]);
            assert.deepEqual(
                (await runResourcePolicy(canaryMirrorNotRouted, vs)).map((r) => r.message),
                [
                    "VirtualService bookinfo/ratings must not route traffic to ratings.bookinfo.svc.cluster.local/v2, which spec.http[0].mirror mirrors to: spec.http[0].route[1] sends it 10%. A mirrored version only receives copies; route 0% to it, or stop mirroring and run a canary instead.",
                ],
            );
        });
        it("passes a mirror whose target is routed 0%", async () => {
            assert.deepEqual(await runResourcePolicy(canaryMirrorNotRouted, handWritten([{ route: [d("v1", 100), d("v2", 0)], mirror: { host: "ratings", subset: "v2" } }])), []);
        });
    });

    describe("mesh-rollout-canary-after-ready-probe (advisory)", () => {
        it("warns when the afterReady release's Deployment has no readiness probe", async () => {
            const { vs, deployment } = release({
                newVersion: {
                    version: "v2",
                    containers: [
                        { name: "reviews", image: "reviews:2" },
                        { name: "proxy", image: "envoy:1" },
                    ],
                },
            });
            assert.deepEqual(await runStackPolicy(canaryAfterReadyProbe, [vs, deployment]), [
                {
                    message:
                        "Canary reviews-v2 switches traffic afterReady, so Deployment bookinfo/reviews-v2 must have a readiness probe: without one its pods are ready as soon as their containers start, and traffic moves before the application can serve. Add a readinessProbe (e.g. httpGet /ready) to container reviews or proxy, or release immediate.",
                    urn: "urn:pulumi:unit::mesh-rollout-unit::kubernetes:networking.istio.io/v1:VirtualService::rel-virtualservice",
                },
            ]);
        });
        it("is quiet for immediate releases and when the Deployment is not in the stack", async () => {
            const immediate = release({ release: "immediate", newVersion: { version: "v2", containers: [{ name: "reviews", image: "reviews:2" }] } });
            assert.deepEqual(await runStackPolicy(canaryAfterReadyProbe, [immediate.vs, immediate.deployment]), []);
            const afterReady = release({ newVersion: { version: "v2", containers: [{ name: "reviews", image: "reviews:2" }] } });
            assert.deepEqual(await runStackPolicy(canaryAfterReadyProbe, [afterReady.vs]), []);
        });
    });

    describe("mesh-rollout-canary-no-steps-left (advisory)", () => {
        it("warns when the last step leaves 100% on the old version", async () => {
            const { vs } = release({ traffic: { kind: "canary", steps: [10, 50, 0], step: 2 } });
            assert.deepEqual(
                (await runResourcePolicy(canaryNoStepsLeft, vs)).map((r) => r.message),
                [
                    "Canary reviews-v2 must not stay at 0% for the new version v2 with no steps left: v2 runs but receives no traffic (v1 100%), and no later step will send it any. Raise the weight, add steps (e.g. 10, 50, 100), promote, or remove the release.",
                ],
            );
        });
        it("warns for a single weight of 0, but not for a first step of 0 with steps to come, nor when paused", async () => {
            assert.equal((await runResourcePolicy(canaryNoStepsLeft, release({ traffic: { kind: "canary", weight: 0 } }).vs)).length, 1);
            assert.deepEqual(await runResourcePolicy(canaryNoStepsLeft, release({ traffic: { kind: "canary", steps: [0, 10, 100], step: 0 } }).vs), []);
            assert.deepEqual(await runResourcePolicy(canaryNoStepsLeft, release({ traffic: { kind: "canary", weight: 0 }, release: "paused" }).vs), []);
        });
        it("ignores hand-written VirtualServices (no CanaryRelease markers)", async () => {
            assert.deepEqual(await runResourcePolicy(canaryNoStepsLeft, handWritten([{ route: [d("v1", 100), d("v2", 0)] }])), []);
        });
    });
});
