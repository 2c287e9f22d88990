import assert from "node:assert/strict";
import { mirroredAndRouted, qualifyHost, routesToSubset, routeWeightProblems } from "../../../domain/canary";

const d = (subset: string, weight?: number, host = "reviews") => ({ destination: { host, subset }, ...(weight !== undefined ? { weight } : {}) });

describe("reading VirtualService routes (for the policy pack)", () => {
    it("accepts routes whose weights sum to 100, lone destinations without weight, and routes without destinations", () => {
        assert.deepEqual(
            routeWeightProblems({
                http: [{ route: [d("v1", 90), d("v2", 10)] }, { route: [d("v1")] }, { route: [d("v2", 100)] }, { redirect: { uri: "/x" } }],
                tcp: [{ route: [d("v1", 0), d("v2", 100)] }],
            }),
            [],
        );
        assert.deepEqual(routeWeightProblems(undefined), []);
        assert.deepEqual(routeWeightProblems({ http: "not a list" }), []);
    });

    it("reports sums other than 100, missing weights and weights outside 0-100, by route path", () => {
        assert.deepEqual(
            routeWeightProblems({
                http: [{ route: [d("v1", 90), d("v2", 20)] }, { route: [d("v1", 50), d("v2")] }],
                tls: [{ route: [d("v1", 150), d("v2", -50)] }],
                tcp: [{ route: [d("v1", 50)] }],
            }),
            [
                { path: "http[0]", weights: "v1 90, v2 20", sum: 110, problem: "has weights that sum to 110" },
                { path: "http[1]", weights: "v1 50, v2 ?", sum: 50, problem: "gives some destinations no weight" },
                { path: "tcp[0]", weights: "v1 50", sum: 50, problem: "has weights that sum to 50" },
                { path: "tls[0]", weights: "v1 150, v2 -50", sum: 100, problem: "has weight 150, outside 0-100" },
            ],
        );
    });

    it("finds mirror targets that also get routed traffic, matching short and full host names", () => {
        const spec = {
            http: [
                { route: [d("v1", 80), d("v2", 20, "reviews.shop.svc.cluster.local")], mirror: { host: "reviews", subset: "v2" } },
                { route: [d("v1")], mirrors: [{ destination: { host: "reviews", subset: "v1" } }] },
            ],
        };
        assert.deepEqual(mirroredAndRouted(spec, "shop"), [
            { mirrorPath: "http[0].mirror", routePath: "http[0].route[1]", destination: "reviews.shop.svc.cluster.local/v2", weight: 20 },
            { mirrorPath: "http[1].mirrors[0]", routePath: "http[0].route[0]", destination: "reviews.shop.svc.cluster.local/v1", weight: 80 },
            { mirrorPath: "http[1].mirrors[0]", routePath: "http[1].route[0]", destination: "reviews.shop.svc.cluster.local/v1", weight: 100 },
        ]);
    });

    it("ignores mirror targets routed at 0% or in another namespace", () => {
        assert.deepEqual(mirroredAndRouted({ http: [{ route: [d("v1", 100), d("v2", 0)], mirror: { host: "reviews", subset: "v2" } }] }, "shop"), []);
        assert.deepEqual(mirroredAndRouted({ http: [{ route: [d("v2", 100, "reviews.other.svc.cluster.local")], mirror: { host: "reviews", subset: "v2" } }] }, "shop"), []);
    });

    it("tells whether a subset gets any routed traffic", () => {
        assert.equal(routesToSubset({ http: [{ route: [d("v1", 100), d("v2", 0)] }] }, "v2"), false);
        assert.equal(routesToSubset({ http: [{ route: [d("v1", 99), d("v2", 1)] }] }, "v2"), true);
        assert.equal(routesToSubset({ http: [{ match: [{}], route: [d("v2")] }, { route: [d("v1")] }] }, "v2"), true);
    });

    it("qualifies short host names in the VirtualService's namespace only", () => {
        assert.equal(qualifyHost("reviews", "shop"), "reviews.shop.svc.cluster.local");
        assert.equal(qualifyHost("reviews.shop.svc.cluster.local", "other"), "reviews.shop.svc.cluster.local");
        assert.equal(qualifyHost("api.example.com", "shop"), "api.example.com");
    });
});
