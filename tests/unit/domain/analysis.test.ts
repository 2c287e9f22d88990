import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { analysisVerdict, canaryGateBefore, defaultRouteShare, judgeCheck, parseAnalysis, templateQuery, verdictWords } from "../../../domain/analysis";
import { parseMeshRevisionArgs } from "../../../domain";
import { analysisPassed } from "../../../policy-packs/mesh-rollout/policies/analysis-passed";
import { MeshRolloutProvider } from "../../../provider/server";
import { CANARY_PROGRESS_TYPE, MESH_LEDGER_TYPE } from "../../../provider/tokens";
import { runResourcePolicy } from "../support/policy";

const TARGET = { namespaces: ["shop", "payments"] };
const LEDGER_URN = `urn:pulumi:dev::proj::mesh-rollout:index:MeshRevision$${MESH_LEDGER_TYPE}::m-ledger`;

describe("metric analysis (issue 14): checks, templates, verdict", () => {
    it("renders Flagger's two templates on Istio's metrics for the mesh's namespaces, with their default thresholds", () => {
        const spec = parseAnalysis({ checks: [{ template: "request-success-rate" }, { template: "request-duration", window: "30s" }] }, "args.analysis", TARGET);
        assert.deepEqual(spec, {
            checks: [
                {
                    name: "request-success-rate",
                    query: 'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace=~"shop|payments",response_code!~"5.*"}[1m])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace=~"shop|payments"}[1m])) * 100',
                    window: "1m",
                    min: 99,
                },
                {
                    name: "request-duration",
                    query: 'histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload_namespace=~"shop|payments"}[30s])) by (le))',
                    window: "30s",
                    max: 500,
                },
            ],
            whenUnverified: "warn",
        });
        assert.equal(
            templateQuery("request-success-rate", { namespaces: ["shop"], workload: "reviews-v2" }, "1m"),
            'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace=~"shop",destination_workload="reviews-v2",response_code!~"5.*"}[1m])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace=~"shop",destination_workload="reviews-v2"}[1m])) * 100',
        );
    });

    it("fills a custom query's placeholders; an address from config makes the gate refuse when unverified", () => {
        const spec = parseAnalysis(
            {
                checks: [
                    {
                        name: "errors",
                        query: 'sum(rate(istio_requests_total{destination_workload_namespace=~"{{ namespaces }}",response_code="503"}[{{window}}]))',
                        max: 1,
                        window: "2m",
                    },
                ],
            },
            "args.analysis",
            TARGET,
            "http://prometheus.monitoring:9090",
        );
        assert.deepEqual(spec, {
            checks: [{ name: "errors", query: 'sum(rate(istio_requests_total{destination_workload_namespace=~"shop|payments",response_code="503"}[2m]))', window: "2m", max: 1 }],
            address: "http://prometheus.monitoring:9090",
            whenUnverified: "refuse",
        });
        assert.equal(
            parseAnalysis({ checks: [{ template: "request-duration" }], prometheus: { address: "https://p.example.com" } }, "a", TARGET, "http://other:9090").address,
            "https://p.example.com",
        );
    });

    const refusal = (analysis: unknown, configAddress?: string) => {
        try {
            parseAnalysis(analysis, "args.analysis", TARGET, configAddress);
        } catch (e) {
            return (e as Error).message;
        }
        return "accepted";
    };
    it("refuses bad checks with the property path, the value, the rule and an example", () => {
        assert.equal(
            refusal({ checks: [{ name: "x", min: 1 }] }),
            `'args.analysis.checks[0]' {"name":"x","min":1} has neither a template nor a query. Give exactly one: template (request-success-rate or request-duration) or query (PromQL), e.g. { name: "success-rate", template: "request-success-rate", min: 99, window: "1m" }.`,
        );
        assert.equal(
            refusal({ checks: [{ name: "errors", query: "sum(x)" }] }),
            `'args.analysis.checks[0]' {"name":"errors","query":"sum(x)"} has no threshold. Give min (lowest passing value) and/or max (highest passing value), e.g. { name: "errors", query: "...", max: 5 }.`,
        );
        assert.equal(
            refusal({ checks: [{ template: "request-duration", window: "5 minutes" }] }),
            `'args.analysis.checks[0].window' "5 minutes" is not a Prometheus duration. Give a Prometheus duration such as 30s, 1m or 5m, e.g. window: "1m".`,
        );
        assert.equal(
            refusal({ checks: [{ template: "request-success-rate", min: 99, max: 90 }] }),
            `'args.analysis.checks[0].min' 99 is above max 90: no value could pass. Give min <= max, e.g. { min: 95, max: 100 }.`,
        );
        assert.equal(
            refusal({ checks: [{ template: "request-duration" }, { template: "request-duration", max: 200 }] }),
            `'args.analysis.checks[1].name' request-duration names another check too; a refusal names the check, so names must be unique. Give each check its own name, e.g. name: "success-rate-shop".`,
        );
        assert.match(refusal({ checks: [] }), /^'args\.analysis\.checks' \[\] .*Give at least one check/);
        assert.match(
            refusal({ checks: [{ template: "request-duration" }], prometheus: { address: "http://user:pw@p:9090" } }),
            /^'args\.analysis\.prometheus\.address' .* is not an http\(s\) address without credentials\./,
        );
        assert.match(
            refusal({ checks: [{ template: "request-duration" }] }, "ftp://p"),
            /^'mesh-rollout:prometheusAddress' ftp:\/\/p is not an http\(s\) address without credentials\./,
        );
        assert.match(
            refusal({ checks: [{ template: "p95" }] }),
            /^'args\.analysis\.checks\[0\]\.template' p95 is not an allowed value\. Use one of: request-success-rate, request-duration\. Or give a query of your own/,
        );
    });

    it("MeshRevision takes analysis with its mesh's namespaces as the templates' target", () => {
        const { install } = parseMeshRevisionArgs({ version: "1.12.4", namespaces: [{ name: "shop" }], analysis: { checks: [{ template: "request-duration" }] } }, "args", {
            prometheusAddress: "http://127.0.0.1:9090",
        });
        assert.equal(install.analysis?.address, "http://127.0.0.1:9090");
        assert.match(install.analysis?.checks[0].query ?? "", /destination_workload_namespace=~"shop"/);
        assert.equal(parseMeshRevisionArgs({ version: "1.12.4" }).install.analysis, undefined);
    });

    it("judges a value against min and max; no data and errors fail; the verdict in words", () => {
        const rate = { name: "success-rate", query: "q", window: "1m", min: 99 };
        assert.deepEqual(judgeCheck(rate, { value: 99.5 }), { ...rate, value: 99.5, passed: true });
        assert.deepEqual(judgeCheck(rate, { value: 70.123456789 }), { ...rate, value: 70.123456789, passed: false, reason: "70.1235 is below min 99" });
        assert.deepEqual(judgeCheck(rate, { noData: true }), { ...rate, value: null, passed: false, reason: "no data came back over 1m" });
        assert.deepEqual(judgeCheck(rate, { value: NaN }), { ...rate, value: null, passed: false, reason: "no data came back over 1m" });
        assert.deepEqual(judgeCheck(rate, { error: "HTTP 400: parse error" }), { ...rate, value: null, passed: false, reason: "the query failed: HTTP 400: parse error" });
        const p99 = { name: "latency", query: "q", window: "1m", max: 500 };
        assert.equal(judgeCheck(p99, { value: 612 }).reason, "612 is above max 500");
        const spec = { checks: [rate, p99], whenUnverified: "refuse" as const, address: "http://p" };
        const v = analysisVerdict(spec, "finalize", "2026-11-24T12:00:00.000Z", [judgeCheck(rate, { value: 99.9 }), judgeCheck(p99, { value: 612 })]);
        assert.equal(v.passed, false);
        assert.equal(
            verdictWords(v),
            "analysis before finalize at 2026-11-24T12:00:00.000Z: 1 of 2 checks FAILED: success-rate = 99.9 (min 99, over 1m): passed; latency = 612 (max 500, over 1m): FAILED, 612 is above max 500",
        );
        const unverified = analysisVerdict({ ...spec, whenUnverified: "warn" }, "finalize", "t", { unverified: "no Prometheus configured" });
        assert.deepEqual(unverified, { verified: false, reason: "no Prometheus configured", before: "finalize", at: "t", checks: [], passed: true, gate: "warn" });
        assert.equal(verdictWords(unverified), "analysis before finalize: not verified (no Prometheus configured); the gate warns only");
    });
});

describe("the analysis gate in the ledger's check (provider) and the policy mesh-rollout-analysis-passed", () => {
    const spec = { checks: [{ name: "success-rate", query: "sr", window: "1m", min: 99 }], address: "http://127.0.0.1:9", whenUnverified: "refuse" as const };
    const credentials = { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: { bearerToken: "s3cret" } };
    const dataPlane = { upgrade: { to: "1.14.5", stage: "dataPlane" } };
    const finalize = { upgrade: { to: "1.14.5", stage: "finalize" } };

    it("queries Prometheus (with the secret credentials) only when finalize is checked, and keeps a passing verdict on a re-run", async () => {
        const calls: string[] = [];
        let value = 70;
        const p = new MeshRolloutProvider(
            "{}",
            async () => ({ verified: true, at: "t", pods: [] }),
            undefined,
            undefined,
            undefined,
            async (ep, query) => {
                calls.push(`${ep.address} ${ep.bearerToken} ${query}`);
                return { value };
            },
            () => new Date("2026-11-24T12:00:00Z"),
        );
        const applied = { key: "m", state: dataPlane, prior: null, analysis: { spec, credentials }, verdict: null, observed: null };
        const atDataPlane = await p.check(LEDGER_URN, applied, { key: "m", state: dataPlane, analysis: { spec, credentials } });
        assert.equal((atDataPlane.inputs as Record<string, unknown>).verdict, null);
        assert.deepEqual(calls, []);
        const failing = (await p.check(LEDGER_URN, applied, { key: "m", state: finalize, analysis: { spec, credentials } })).inputs as Record<string, unknown>;
        assert.deepEqual(calls, ["http://127.0.0.1:9 s3cret sr"]);
        assert.deepEqual(failing.verdict, {
            verified: true,
            before: "finalize",
            at: "2026-11-24T12:00:00.000Z",
            checks: [{ name: "success-rate", query: "sr", window: "1m", min: 99, value: 70, passed: false, reason: "70 is below min 99" }],
            passed: false,
            gate: "refuse",
        });
        // The secret stays in its wire form in the checked inputs.
        assert.deepEqual((failing.analysis as Record<string, unknown>).credentials, credentials);
        const refused = await runResourcePolicy(analysisPassed, { type: MESH_LEDGER_TYPE, name: "mesh-ledger", props: failing });
        assert.deepEqual(
            refused.map((r) => r.message),
            [
                "Mesh mesh-ledger must not finalize: the analysis failed at 2026-11-24T12:00:00.000Z: success-rate = 70 (min 99, over 1m): FAILED, 70 is below min 99. Fix what the checks measure (or roll back), wait for a full window of healthy traffic, then preview finalize again.",
            ],
        );
        value = 99.7;
        const passing = (await p.check(LEDGER_URN, applied, { key: "m", state: finalize, analysis: { spec, credentials } })).inputs as Record<string, unknown>;
        assert.equal((passing.verdict as { passed: boolean }).passed, true);
        assert.deepEqual(await runResourcePolicy(analysisPassed, { type: MESH_LEDGER_TYPE, name: "mesh-ledger", props: passing }), []);
        assert.equal(calls.length, 2);
        // finalize applied: a re-run keeps the verdict it passed with, queries nothing, and changes nothing.
        value = 10;
        const rerun = (await p.check(LEDGER_URN, passing, { key: "m", state: finalize, analysis: { spec, credentials } })).inputs as Record<string, unknown>;
        assert.deepEqual(rerun, passing);
        assert.equal(calls.length, 2);
        assert.equal((await p.diff("m", LEDGER_URN, passing, rerun)).changes, false);
    });

    it("without a Prometheus address: not verified; refused when the gate refuses, passed when it warns", async () => {
        const p = new MeshRolloutProvider("{}", async () => ({ verified: true, at: "t", pods: [] }));
        const noAddress = { checks: spec.checks, whenUnverified: "refuse" as const };
        const r = (await p.check(LEDGER_URN, undefined as never, { key: "m", state: finalize, analysis: { spec: noAddress, credentials: {} } })).inputs as Record<string, unknown>;
        assert.deepEqual((r.verdict as { verified: boolean; reason: string }).reason, "no Prometheus address (mesh-rollout:prometheusAddress)");
        const refused = await runResourcePolicy(analysisPassed, { type: MESH_LEDGER_TYPE, name: "mesh-ledger", props: r });
        assert.deepEqual(
            refused.map((x) => x.message),
            [
                'Mesh mesh-ledger must not finalize unverified: no Prometheus address (mesh-rollout:prometheusAddress). Set the stack config mesh-rollout:prometheusAddress (or analysis.prometheus.address), or set analysis.whenUnverified: "warn" to accept the risk.',
            ],
        );
        const warn = (await p.check(LEDGER_URN, undefined as never, { key: "m", state: finalize, analysis: { spec: { ...noAddress, whenUnverified: "warn" }, credentials: {} } }))
            .inputs as Record<string, unknown>;
        assert.deepEqual(await runResourcePolicy(analysisPassed, { type: MESH_LEDGER_TYPE, name: "mesh-ledger", props: warn }), []);
    });

    it("the policy reports a verdict it cannot read instead of throwing, and ignores ledgers without analysis", async () => {
        assert.deepEqual(await runResourcePolicy(analysisPassed, { type: MESH_LEDGER_TYPE, name: "l", props: { key: "m", state: finalize } }), []);
        const odd = await runResourcePolicy(analysisPassed, {
            type: MESH_LEDGER_TYPE,
            name: "l",
            props: { key: "m", state: finalize, verdict: { verified: true, checks: [{ name: 3 }] } },
        });
        assert.deepEqual(
            odd.map((x) => x.message),
            ["MeshUpgradeLedger l carries analysis checks this pack cannot read. Use the same mesh-rollout version for the program and the policy pack."],
        );
    });
});

describe("the analysis gate of a canary release (issue 14)", () => {
    const at = (traffic: string, newShare: number, newVersion = "v2") => ({ newVersion, traffic, newShare });
    it("runs before a larger share and before promotion, once the new version has had traffic", () => {
        assert.equal(canaryGateBefore(null, at("canary-weight", 10)), undefined, "a first step has no traffic to judge");
        assert.equal(canaryGateBefore(at("canary-weight", 0), at("canary-weight", 10)), undefined);
        assert.equal(canaryGateBefore(at("canary-weight", 10), at("canary-weight", 50)), "the step to 50%");
        assert.equal(canaryGateBefore(at("canary-weight", 50), at("canary-weight", 10)), undefined, "a smaller share is a step back: no gate");
        assert.equal(canaryGateBefore(at("canary-weight", 50), at("promoted", 100)), "promotion");
        assert.equal(canaryGateBefore(at("canary-match", 0), at("promoted", 100)), "promotion", "matched requests reached the new version");
        assert.equal(canaryGateBefore(at("mirror", 0), at("canary-weight", 20)), "the step to 20%");
        assert.equal(canaryGateBefore(at("blueGreen", 0), at("promoted", 100)), undefined, "handed back: nothing ran on the new version");
        assert.equal(canaryGateBefore(at("canary-weight", 50, "v2"), at("canary-weight", 60, "v3")), undefined, "another version starts over");
        assert.equal(canaryGateBefore(at("promoted", 100), at("promoted", 100)), undefined);
    });
    it("reads the new version's share of the default route", () => {
        const r = (subset: string, weight?: number) => ({ destination: { subset }, ...(weight !== undefined ? { weight } : {}) });
        assert.equal(defaultRouteShare([{ route: [r("v1", 80), r("v2", 20)] }], "v2"), 20);
        assert.equal(defaultRouteShare([{ route: [r("v2")] }, { route: [r("v1")] }], "v2"), 0, "a match route ahead, the default to v1");
        assert.equal(defaultRouteShare([{ route: [r("v2")] }], "v2"), 100);
        assert.equal(defaultRouteShare([], "v2"), 0);
    });
    it("the provider runs it when the share grows, and the policy names the canary, the step and the failing check", async () => {
        const urn = `urn:pulumi:dev::proj::mesh-rollout:index:CanaryRelease$${CANARY_PROGRESS_TYPE}::r-progress`;
        const spec = { checks: [{ name: "success-rate", query: "sr", window: "30s", min: 99 }], address: "http://127.0.0.1:9", whenUnverified: "refuse" as const };
        const queries: string[] = [];
        const p = new MeshRolloutProvider(
            "{}",
            undefined,
            undefined,
            undefined,
            undefined,
            async (_ep, q) => {
                queries.push(q);
                return { value: 91.5 };
            },
            () => new Date("2026-11-24T12:00:00Z"),
        );
        const applied = { key: "bookinfo/reviews", state: at("canary-weight", 10), prior: null, analysis: { spec, credentials: {} }, verdict: null };
        const first = (await p.check(urn, undefined as never, { key: "bookinfo/reviews", state: at("canary-weight", 10), analysis: { spec, credentials: {} } })).inputs as Record<
            string,
            unknown
        >;
        assert.equal(first.verdict, null);
        const step = (await p.check(urn, applied, { key: "bookinfo/reviews", state: at("canary-weight", 50), analysis: { spec, credentials: {} } })).inputs as Record<
            string,
            unknown
        >;
        assert.deepEqual(queries, ["sr"]);
        const refused = await runResourcePolicy(analysisPassed, { type: CANARY_PROGRESS_TYPE, name: "r-progress", props: step });
        assert.deepEqual(
            refused.map((v) => v.message),
            [
                "Canary release bookinfo/reviews must not take the step to 50%: the analysis failed at 2026-11-24T12:00:00.000Z: success-rate = 91.5 (min 99, over 30s): FAILED, 91.5 is below min 99. Fix what the checks measure (or roll back), wait for a full window of healthy traffic, then preview the change again.",
            ],
        );
    });
});
