import assert from "node:assert/strict";
import fc from "fast-check";
import {
    CanaryReleaseSpecInput,
    cookieRegex,
    cpuQuantity,
    effectiveSecurityContext,
    layoutCanary,
    memoryQuantity,
    parseCanarySpec,
    routeWeightProblems,
    TrafficArgs,
} from "../../../domain/canary";

const HOST = "reviews.bookinfo.svc.cluster.local";
const base: CanaryReleaseSpecInput = {
    taskName: "reviews-v2",
    namespace: "bookinfo",
    service: { name: "reviews", currentVersion: "v1" },
    newVersion: { version: "v2", containers: [{ name: "reviews", image: "reviews:2" }] },
    traffic: { kind: "canary", weight: 10 },
};
const layout = (change: Partial<CanaryReleaseSpecInput> = {}) => layoutCanary(parseCanarySpec({ ...base, ...change }));
const withTraffic = (traffic: TrafficArgs, change: Partial<CanaryReleaseSpecInput> = {}) => layout({ traffic, ...change });
const to = (subset: string, weight: number) => ({ destination: { host: HOST, subset }, weight });

describe("canary layout: routes per kind", () => {
    it("weighted canary: one route, the old version first, shares summing to 100, both subsets", () => {
        const l = layout();
        assert.deepEqual(l.http, [{ route: [to("v1", 90), to("v2", 10)] }]);
        assert.deepEqual(l.subsets, ["v1", "v2"]);
        assert.equal(l.traffic, "canary-weight");
        assert.equal(l.stepsLeft, 0);
        assert.equal(l.routing, "canary: v1 90%, v2 10%");
        assert.deepEqual(l.hosts, [HOST]);
        assert.equal(l.gateways, undefined);
        assert.equal(l.deploymentName, "reviews-v2");
    });

    it("steps: the share at the step index, and the steps left after it", () => {
        const steps = [10, 50, 100];
        const seen = [0, 1, 2].map((step) => withTraffic({ kind: "canary", steps, step }));
        assert.deepEqual(
            seen.map((l) => l.http),
            [[{ route: [to("v1", 90), to("v2", 10)] }], [{ route: [to("v1", 50), to("v2", 50)] }], [{ route: [to("v1", 0), to("v2", 100)] }]],
        );
        assert.deepEqual(
            seen.map((l) => l.stepsLeft),
            [2, 1, 0],
        );
        assert.deepEqual(
            seen.map((l) => l.routing),
            ["canary step 1 of 3: v1 90%, v2 10%", "canary step 2 of 3: v1 50%, v2 50%", "canary step 3 of 3: v1 0%, v2 100%"],
        );
        assert.deepEqual(
            seen.map((l) => l.subsets),
            [
                ["v1", "v2"],
                ["v1", "v2"],
                ["v1", "v2"],
            ],
            "the old subset stays until promotion",
        );
    });

    it("blue-green: all traffic to the new version (take over) or the old one (hand back)", () => {
        const over = withTraffic({ kind: "blueGreen", serve: "new" });
        assert.deepEqual(over.http, [{ route: [to("v2", 100)] }]);
        assert.equal(over.routing, "blue-green: v2 100%");
        const back = withTraffic({ kind: "blueGreen", serve: "old" });
        assert.deepEqual(back.http, [{ route: [to("v1", 100)] }]);
        assert.deepEqual(back.subsets, ["v1", "v2"]);
        assert.equal(back.traffic, "blueGreen");
        assert.equal(back.stepsLeft, undefined);
    });

    it("request parameters: matching requests to the new version first, the rest to the old one", () => {
        const l = withTraffic({
            kind: "canary",
            match: [
                { headers: { "x-canary": { exact: "on" } }, uri: { prefix: "/reviews" } },
                { cookies: { user: { exact: "jason" } } },
                { headers: { "user-agent": { regex: ".*Firefox.*" } } },
            ],
        });
        assert.deepEqual(l.http, [
            {
                match: [
                    { headers: { "x-canary": { exact: "on" } }, uri: { prefix: "/reviews" } },
                    { headers: { cookie: { regex: "^(.*?;\\s*)?(user=jason)(;.*)?$" } } },
                    { headers: { "user-agent": { regex: ".*Firefox.*" } } },
                ],
                route: [to("v2", 100)],
            },
            { route: [to("v1", 100)] },
        ]);
        assert.equal(l.traffic, "canary-match");
        assert.equal(l.routing, "canary by request: 3 match rules -> v2, other requests -> v1");
    });

    it("mirroring: all routed traffic to the old version, a copy to the new one", () => {
        const l = withTraffic({ kind: "mirror", percentage: 12.5 });
        assert.deepEqual(l.http, [{ route: [to("v1", 100)], mirror: { host: HOST, subset: "v2" }, mirrorPercentage: { value: 12.5 } }]);
        assert.equal(l.routing, "mirror: v1 100%, copy of 12.5% to v2");
        assert.deepEqual(withTraffic({ kind: "mirror" }).http[0].mirrorPercentage, { value: 100 });
    });

    it("promotion: the new version alone, the old subset removed, and subsets changed after routes", () => {
        for (const traffic of [{ kind: "canary", steps: [10, 50, 100], step: 2 }, { kind: "mirror" }, { kind: "blueGreen", serve: "old" }] as TrafficArgs[]) {
            const l = withTraffic(traffic, { promote: true });
            assert.deepEqual(l.http, [{ route: [to("v2", 100)] }]);
            assert.deepEqual(l.subsets, ["v2"]);
            assert.equal(l.traffic, "promoted");
            assert.equal(l.subsetsAfterRoutes, true);
            assert.equal(l.routing, "promoted: v2 100%");
        }
        assert.equal(layout().subsetsAfterRoutes, false);
    });
});

describe("canary layout: sticky canary (sessionAffinity)", () => {
    const cookie = { cookieName: "reviews-canary", ttl: "1h" };
    const setCookie = { response: { add: { "Set-Cookie": "reviews-canary=v2; Max-Age=3600; Path=/" } } };
    const podHash = { loadBalancer: { consistentHash: { httpCookie: { name: "reviews-canary-pod", path: "/", ttl: "3600s" } } } };
    const cookieRoute = { match: [{ headers: { cookie: { regex: "^(.*?;\\s*)?(reviews-canary=v2)(;.*)?$" } } }], route: [to("v2", 100)] };

    it("the cookie route first, to the new version only; then the split, whose new destination sets the cookie", () => {
        const l = withTraffic({ kind: "canary", weight: 10, sessionAffinity: cookie });
        assert.deepEqual(l.http, [cookieRoute, { route: [to("v1", 90), { ...to("v2", 10), headers: setCookie }] }]);
        assert.deepEqual(l.subsets, ["v1", "v2"]);
        assert.deepEqual(l.subsetPolicies, { v2: podHash }, "only the new version's pods are hashed, on their own cookie");
        assert.equal(l.traffic, "canary-weight");
        assert.equal(l.routing, "canary: v1 90%, v2 10%, sticky by cookie reviews-canary for 3600s");
        assert.deepEqual(routeWeightProblems({ http: l.http }), []);
    });

    it("the cookie route's regex holds for the new version's cookie among others, and not for other versions or the pod cookie", () => {
        const l = withTraffic({ kind: "canary", weight: 10, sessionAffinity: cookie });
        const re = new RegExp((l.http[0].match![0].headers!.cookie as { regex: string }).regex);
        for (const header of ["reviews-canary=v2", "a=1; reviews-canary=v2", "reviews-canary-pod=9f1c; reviews-canary=v2; b=2"]) {
            assert.match(header, re);
        }
        for (const header of ["reviews-canary=v1", "reviews-canary=v22", "reviews-canary-pod=v2", "xreviews-canary=v2", ""]) {
            assert.doesNotMatch(header, re);
        }
    });

    it("steps: the cookie route at every step with traffic, none at 0% (a weight set back to 0 sends sticky users back too)", () => {
        const steps = [0, 10, 100];
        const seen = [0, 1, 2].map((step) => withTraffic({ kind: "canary", steps, step, sessionAffinity: { cookieName: "reviews-canary" } }));
        const day = { response: { add: { "Set-Cookie": "reviews-canary=v2; Max-Age=86400; Path=/" } } };
        assert.deepEqual(seen[0].http, [{ route: [to("v1", 100), to("v2", 0)] }]);
        assert.deepEqual(seen[1].http, [cookieRoute, { route: [to("v1", 90), { ...to("v2", 10), headers: day }] }]);
        assert.deepEqual(seen[2].http, [cookieRoute, { route: [to("v1", 0), { ...to("v2", 100), headers: day }] }]);
        assert.deepEqual(
            seen.map((l) => l.routing),
            [
                "canary step 1 of 3: v1 100%, v2 0%, sticky by cookie reviews-canary (off while v2 has 0%)",
                "canary step 2 of 3: v1 90%, v2 10%, sticky by cookie reviews-canary for 86400s",
                "canary step 3 of 3: v1 0%, v2 100%, sticky by cookie reviews-canary for 86400s",
            ],
        );
        // The DestinationRule stays the same from step to step: the steps change routes only.
        for (const l of seen) {
            assert.deepEqual(l.subsetPolicies, { v2: { loadBalancer: { consistentHash: { httpCookie: { name: "reviews-canary-pod", path: "/", ttl: "86400s" } } } } });
        }
    });

    it("promotion: no cookie route and no pod hash, everyone on the new version", () => {
        const l = withTraffic({ kind: "canary", weight: 50, sessionAffinity: cookie }, { promote: true });
        assert.deepEqual(l.http, [{ route: [to("v2", 100)] }]);
        assert.deepEqual(l.subsets, ["v2"]);
        assert.deepEqual(l.subsetPolicies, {});
        assert.equal(l.routing, "promoted: v2 100%");
    });

    it("leaving the weighted kind drops both; a paused release keeps its applied routes (created: all to the current version)", () => {
        const back = withTraffic({ kind: "blueGreen", serve: "old" });
        assert.deepEqual(back.http, [{ route: [to("v1", 100)] }]);
        assert.deepEqual(back.subsetPolicies, {});
        const paused = withTraffic({ kind: "canary", weight: 50, sessionAffinity: cookie }, { release: "paused" });
        assert.deepEqual(paused.http, [{ route: [to("v1", 100)] }]);
        assert.deepEqual(paused.subsetPolicies, { v2: podHash });
        assert.equal(
            paused.routing,
            "paused: routes kept as last applied (v1 100% when first created); intended canary: v1 50%, v2 50%, sticky by cookie reviews-canary for 3600s",
        );
    });

    it("escapes the cookie name in the regex and uses the given port", () => {
        const l = withTraffic({ kind: "canary", weight: 10, sessionAffinity: { cookieName: "a.b+c" } }, { service: { name: "reviews", currentVersion: "v1", port: 9080 } });
        assert.deepEqual(l.http[0], {
            match: [{ headers: { cookie: { regex: "^(.*?;\\s*)?(a\\.b\\+c=v2)(;.*)?$" } } }],
            route: [{ destination: { host: HOST, subset: "v2", port: { number: 9080 } }, weight: 100 }],
        });
        assert.match("x=1; a.b+c=v2", new RegExp((l.http[0].match![0].headers!.cookie as { regex: string }).regex));
        assert.doesNotMatch("aXb+c=v2", new RegExp((l.http[0].match![0].headers!.cookie as { regex: string }).regex));
    });
});

describe("canary layout: release strategies", () => {
    it("immediate: routes change with the update, waiting for nothing", () => {
        const l = layout();
        assert.equal(l.routesWaitForReady, false);
        assert.equal(l.keepAppliedRoutes, false);
        assert.equal(l.annotations["mesh-rollout.io/release-strategy"], "immediate");
    });
    it("afterReady: the route change waits for the new version", () => {
        const l = layout({ release: "afterReady" });
        assert.equal(l.routesWaitForReady, true);
        assert.equal(l.keepAppliedRoutes, false);
    });
    it("paused: routes kept as applied; a first creation routes everything to the current version", () => {
        const l = withTraffic({ kind: "canary", weight: 50 }, { release: "paused" });
        assert.equal(l.keepAppliedRoutes, true);
        assert.equal(l.routesWaitForReady, false);
        assert.deepEqual(l.http, [{ route: [to("v1", 100)] }]);
        assert.deepEqual(l.subsets, ["v1", "v2"]);
        assert.equal(l.routing, "paused: routes kept as last applied (v1 100% when first created); intended canary: v1 50%, v2 50%");
    });
});

describe("canary layout: hosts, gateways, markers", () => {
    it("binds gateways beside the mesh, or instead of it", () => {
        const both = layout({ gateway: { gateways: ["istio-ingress/public"], hosts: ["shop.example.com"] } });
        assert.deepEqual(both.hosts, [HOST, "shop.example.com"]);
        assert.deepEqual(both.gateways, ["istio-ingress/public", "mesh"]);
        const only = layout({ gateway: { gateways: ["public"], hosts: ["*.example.com"], includeMesh: false } });
        assert.deepEqual(only.hosts, ["*.example.com"]);
        assert.deepEqual(only.gateways, ["public"]);
    });

    it("uses the given host, port, app label and Deployment name", () => {
        const l = layout({
            service: { name: "reviews", app: "bookinfo-reviews", currentVersion: "v1", host: "reviews.bookinfo", port: 9080 },
            newVersion: { version: "v2", containers: [{ name: "r", image: "r:2" }], deploymentName: "reviews-next" },
        });
        assert.deepEqual(l.http[0].route[1], { destination: { host: "reviews.bookinfo", subset: "v2", port: { number: 9080 } }, weight: 10 });
        assert.equal(l.app, "bookinfo-reviews");
        assert.equal(l.deploymentName, "reviews-next");
        assert.equal(l.annotations["mesh-rollout.io/workload"], "bookinfo/reviews-next");
        assert.equal(layout({ service: { name: "reviews", app: "bookinfo-reviews", currentVersion: "v1" } }).deploymentName, "bookinfo-reviews-v2");
    });

    it("marks the VirtualService for the policy pack", () => {
        assert.deepEqual(withTraffic({ kind: "canary", steps: [10, 50, 100], step: 1 }, { release: "afterReady" }).annotations, {
            "mesh-rollout.io/canary": "reviews-v2",
            "mesh-rollout.io/release-strategy": "afterReady",
            "mesh-rollout.io/traffic": "canary-weight",
            "mesh-rollout.io/workload": "bookinfo/reviews-v2",
            "mesh-rollout.io/current-version": "v1",
            "mesh-rollout.io/new-version": "v2",
            "mesh-rollout.io/canary-steps-left": "1",
        });
        assert.equal(withTraffic({ kind: "mirror" }).annotations["mesh-rollout.io/canary-steps-left"], undefined);
    });
});

describe("canary values", () => {
    it("renders CPU cores and memory MiB as Kubernetes quantities", () => {
        assert.deepEqual(
            [2, 0.5, 0.125, 1.5, 0.001].map((c) => cpuQuantity(c, "cpu")),
            ["2", "500m", "125m", "1500m", "1m"],
        );
        assert.deepEqual(
            [512, 1024, 1].map((m) => memoryQuantity(m, "memory")),
            ["512Mi", "1024Mi", "1Mi"],
        );
    });

    it("hardens the security context, field by field", () => {
        assert.deepEqual(effectiveSecurityContext(undefined), {
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.deepEqual(effectiveSecurityContext({ privileged: true, runAsNonRoot: false, runAsUser: 0, capabilities: { add: ["SYS_TIME"] } }), {
            privileged: true,
            allowPrivilegeEscalation: true,
            readOnlyRootFilesystem: true,
            runAsNonRoot: false,
            runAsUser: 0,
            capabilities: { add: ["SYS_TIME"], drop: ["ALL"] },
        });
    });

    it("a cookie regex holds for the cookie in any position, and for nothing else", () => {
        const exact = new RegExp(cookieRegex("user", { exact: "jason" }));
        for (const header of ["user=jason", "a=1; user=jason", "user=jason; b=2", "a=1;user=jason;b=2"]) {
            assert.match(header, exact);
        }
        for (const header of ["user=jasonx", "xuser=jason", "a=user=jason", "user=jaso"]) {
            assert.doesNotMatch(header, exact);
        }
        const prefix = new RegExp(cookieRegex("tier", { prefix: "beta" }));
        assert.match("x=1; tier=beta-7", prefix);
        assert.doesNotMatch("tier=alpha", prefix);
        const regex = new RegExp(cookieRegex("v", { regex: "[0-9]+" }));
        assert.match("v=42; z=1", regex);
        assert.doesNotMatch("v=4a", regex);
        assert.equal(cookieRegex("a.b", { exact: "1+1" }), "^(.*?;\\s*)?(a\\.b=1\\+1)(;.*)?$");
    });
});

describe("canary properties", () => {
    it("every weighted canary, at every step, routes exactly 100% (and passes the weight policy's check)", () => {
        fc.assert(
            fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 8 }), fc.nat(), (steps, n) => {
                const step = n % steps.length;
                const l = withTraffic({ kind: "canary", steps, step });
                const weights = l.http[0].route.map((r) => r.weight);
                assert.deepEqual(weights, [100 - steps[step], steps[step]]);
                assert.deepEqual(routeWeightProblems({ http: l.http }), []);
                assert.equal(l.stepsLeft, steps.length - 1 - step);
            }),
            { numRuns: 300 },
        );
    });

    it("every sticky weighted canary routes 100% on its split, and has a cookie route exactly when the new version gets traffic", () => {
        const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,20}$/).filter((n) => !/^__(host|secure)-/i.test(n));
        fc.assert(
            fc.property(
                fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 6 }),
                fc.nat(),
                token,
                fc.integer({ min: 1, max: 34560000 }),
                (steps, n, cookieName, ttl) => {
                    const step = n % steps.length;
                    const l = withTraffic({ kind: "canary", steps, step, sessionAffinity: { cookieName, ttl: `${ttl}s` } });
                    assert.deepEqual(routeWeightProblems({ http: l.http }), []);
                    const split = l.http[l.http.length - 1].route;
                    assert.deepEqual(
                        split.map((r) => r.weight),
                        [100 - steps[step], steps[step]],
                    );
                    assert.equal(l.http.length, steps[step] > 0 ? 2 : 1);
                    if (steps[step] > 0) {
                        assert.match(`a=1; ${cookieName}=v2`, new RegExp((l.http[0].match![0].headers!.cookie as { regex: string }).regex));
                        assert.equal(split[1].headers?.response.add["Set-Cookie"], `${cookieName}=v2; Max-Age=${ttl}; Path=/`);
                    }
                },
            ),
            { numRuns: 200 },
        );
    });

    it("an exact cookie match holds for any cookie value among other cookies", () => {
        const token = fc.stringMatching(/^[A-Za-z0-9_.+-]{1,12}$/);
        fc.assert(
            fc.property(token, token, fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,5}$/), token), { maxLength: 3 }), fc.nat(), (name, value, others, at) => {
                const header = (own: string) => {
                    const cookies = others.filter(([n]) => n !== name).map(([n, v]) => `${n}=${v}`);
                    cookies.splice(at % (cookies.length + 1), 0, own);
                    return cookies.join("; ");
                };
                const re = new RegExp(cookieRegex(name, { exact: value }));
                assert.match(header(`${name}=${value}`), re);
                assert.doesNotMatch(header(`${name}=${value}x`), re);
            }),
            { numRuns: 300 },
        );
    });
});
