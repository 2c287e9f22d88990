/**
 * Issue 14, acceptance: the metric analysis before finalize against a real Prometheus (Debian's package,
 * installed by scripts/prometheus, started and stopped here), scraping a metrics endpoint this test serves
 * with Istio's metric names and values it controls; and stage hooks against a local HTTP server. The
 * mesh renders to a folder (the gate needs Prometheus, not a cluster), with the real engine and the
 * mesh-rollout policy pack.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { AddressInfo } from "node:net";
import { MESH_ROLLOUT_PACK, TestStack } from "./harness";
import { query, RunningPrometheus, startPrometheus } from "../../job/demo/prometheus";
import { IstioMetricsServer, serveIstioMetrics } from "../../job/demo/istio-metrics";

const pack = { policyPacks: [MESH_ROLLOUT_PACK] };
/** A policy event's message without the policy's description (the engine prints it first, on its own line). */
const said = (message: string) => message.trim().split("\n").pop() ?? "";
const WINDOW = "20s";
const ANALYSIS = {
    checks: [
        { template: "request-success-rate", window: WINDOW },
        { name: "p99", template: "request-duration", window: WINDOW, max: 500 },
    ],
};
const HEALTHY = { rps: 20, errorRatio: 0, latencyMs: 40 };
const FAILING = { rps: 20, errorRatio: 0.3, latencyMs: 40 };

/** A local hook endpoint answering what the test says, recording every call. */
async function hookServer() {
    const calls: { path: string; body: Record<string, unknown> }[] = [];
    const answers = new Map<string, { status: number; body: string }>();
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const path = req.url ?? "/";
            calls.push({ path, body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") });
            const a = answers.get(path) ?? { status: 200, body: "ok" };
            res.writeHead(a.status, { "content-type": "text/plain" }).end(a.body);
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, calls, answers, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function waitFor(what: string, read: () => Promise<boolean>, seconds: number): Promise<void> {
    const until = Date.now() + seconds * 1000;
    while (!(await read())) {
        if (Date.now() > until) {
            throw new Error(`timed out after ${seconds} s waiting for ${what}`);
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
}

describe("analysis before finalize against a real Prometheus, and stage hooks (issue 14)", function () {
    this.timeout(30 * 60_000);
    let metrics: IstioMetricsServer;
    let prometheus: RunningPrometheus;
    let hooks: Awaited<ReturnType<typeof hookServer>>;
    const stacks: TestStack[] = [];

    before(async () => {
        metrics = await serveIstioMetrics();
        for (const [namespace, workload] of [
            ["shop", "cart"],
            ["payments", "ledger"],
        ]) {
            metrics.setWorkload({ namespace, workload, ...FAILING });
        }
        prometheus = await startPrometheus({ targets: [metrics.target] });
        hooks = await hookServer();
    });
    after(async () => {
        stacks.forEach((s) => s.dispose());
        await hooks?.close();
        await prometheus?.stop();
        await metrics?.close();
    });

    const setTraffic = (t: typeof HEALTHY) => {
        metrics.setWorkload({ namespace: "shop", workload: "cart", ...t });
        metrics.setWorkload({ namespace: "payments", workload: "ledger", ...t });
    };
    /** Until the success rate over the window (of the selector's workloads) is on the expected side of 99. */
    const settle = (healthy: boolean, sel = `destination_workload_namespace=~"shop|payments"`) =>
        waitFor(
            `a ${healthy ? "healthy" : "failing"} success rate over ${WINDOW}`,
            async () => {
                const q = `sum(rate(istio_requests_total{reporter="destination",${sel},response_code!~"5.*"}[${WINDOW}])) / sum(rate(istio_requests_total{reporter="destination",${sel}}[${WINDOW}])) * 100`;
                const { value } = await query(prometheus.url, q);
                return value !== undefined && (healthy ? value >= 99.9 : value < 80);
            },
            120,
        );

    it("failing metrics refuse the finalize preview by name with the value; healthy ones pass, the stage applies, a re-run is a no-op", async () => {
        const s = await TestStack.create({
            program: "mesh-upgrade",
            config: { "mesh-rollout-test:analysis": JSON.stringify(ANALYSIS), "mesh-rollout:prometheusAddress": prometheus.url },
            secrets: { "mesh-rollout:prometheusBearerToken": "not-checked-by-this-prometheus" },
        });
        stacks.push(s);
        for (const stage of [undefined, "controlPlane", "dataPlane"]) {
            if (stage !== undefined) {
                await s.setConfig({ "mesh-rollout-test:to": "1.14.5", "mesh-rollout-test:stage": stage });
            }
            const r = await s.up(pack);
            assert.equal(r.ok, true, `${stage ?? "install"}: ${r.stderr}`);
        }
        assert.equal((await s.outputs()).analysis, "no analysis at this stage: it runs before finalize");

        await settle(false);
        await s.setConfig({ "mesh-rollout-test:stage": "finalize" });
        const refused = await s.preview(pack);
        assert.equal(refused.ok, false);
        const v = refused.violations.filter((x) => x.policyName === "mesh-rollout-analysis-passed");
        assert.equal(v.length, 1, JSON.stringify(refused.violations));
        assert.equal(v[0].level, "mandatory");
        assert.match(
            said(v[0].message),
            /^Mesh mesh-ledger must not finalize: the analysis failed at \S+: request-success-rate = (6\d|7\d)(\.\d+)? \(min 99, over 20s\): FAILED, \S+ is below min 99\. Fix what the checks measure/,
        );
        assert.doesNotMatch(v[0].message, /p99/, "the latency check passed and is not named");
        // The preview prints the verdict in words.
        assert.match(refused.messages.join("\n"), /mesh-rollout: analysis before finalize at \S+: 1 of 2 checks FAILED: request-success-rate = \S+ \(min 99, over 20s\): FAILED/);
        // Applied, it is refused too, and nothing moves.
        // Applied without a preview, it is refused too (the policy judges the ledger, which every child of
        // the stage waits for), and nothing moves: the old istiod stays rendered.
        const blocked = await s.upWithoutPreview(pack);
        assert.equal(blocked.ok, false);
        assert.deepEqual(
            blocked.violations.filter((x) => x.policyName === "mesh-rollout-analysis-passed").map((x) => x.level),
            ["mandatory"],
        );
        assert.deepEqual(
            blocked.changes.filter((c) => c.type.startsWith("kubernetes:")).map((c) => `${c.op} ${c.name}`),
            [],
        );
        assert.equal((await s.outputs()).appliedStage, "dataPlane");

        setTraffic(HEALTHY);
        await settle(true);
        const passing = await s.preview(pack);
        assert.equal(passing.ok, true, passing.stderr);
        assert.deepEqual(
            passing.violations.filter((x) => x.level === "mandatory"),
            [],
        );
        assert.match(
            passing.messages.join("\n"),
            /mesh-rollout: analysis before finalize at \S+: passed: request-success-rate = 100 \(min 99, over 20s\): passed; p99 = \S+ \(max 500, over 20s\): passed/,
        );
        const applied = await s.up(pack);
        assert.equal(applied.ok, true, applied.stderr);
        assert.match(String((await s.outputs()).analysis), /^analysis before finalize at \S+: passed/);
        // A passing gate and a re-run stay no-ops, whatever the metrics do now.
        setTraffic(FAILING);
        await settle(false);
        const again = await s.preview({ ...pack, expectNoChanges: true });
        assert.equal(again.ok, true, `${again.stderr}\n${again.violations.map((x) => x.message).join("\n")}`);
    });

    it("a canary release: the step to a larger share is refused on the new version's failing metrics, passes on healthy ones, and so does promotion", async () => {
        const v2 = { namespace: "bookinfo", workload: "reviews-v2" };
        metrics.setWorkload({ ...v2, ...FAILING });
        const s = await TestStack.create({
            program: "canary-release",
            config: {
                "mesh-rollout-test:analysis": JSON.stringify({ checks: [{ template: "request-success-rate", window: WINDOW }] }),
                "mesh-rollout-test:traffic": JSON.stringify({ kind: "canary", steps: [10, 50], step: 0 }),
                "mesh-rollout:prometheusAddress": prometheus.url,
            },
        });
        stacks.push(s);
        // The first step has no traffic of the new version to judge: no gate.
        const first = await s.up(pack);
        assert.equal(first.ok, true, first.stderr);
        const sel = `destination_workload_namespace="bookinfo",destination_workload="reviews-v2"`;
        await settle(false, sel);
        await s.setConfig({ "mesh-rollout-test:traffic": JSON.stringify({ kind: "canary", steps: [10, 50], step: 1 }) });
        const refused = await s.preview(pack);
        assert.equal(refused.ok, false);
        const gate = refused.violations.filter((x) => x.policyName === "mesh-rollout-analysis-passed");
        assert.equal(gate.length, 1, JSON.stringify(refused.violations));
        assert.match(
            said(gate[0].message),
            /^Canary release bookinfo\/reviews must not take the step to 50%: the analysis failed at \S+: request-success-rate = (6|7)\d(\.\d+)? \(min 99, over 20s\): FAILED, \S+ is below min 99\./,
        );
        metrics.setWorkload({ ...v2, ...HEALTHY });
        await settle(true, sel);
        const step = await s.up(pack);
        assert.equal(step.ok, true, `${step.stderr}\n${step.violations.map((x) => x.message).join("\n")}`);
        assert.equal((await s.outputs()).routing, "canary step 2 of 2: v1 50%, v2 50%");
        await s.setConfig({ "mesh-rollout-test:promote": "true" });
        const promoted = await s.up(pack);
        assert.equal(promoted.ok, true, promoted.stderr);
        assert.match(promoted.messages.join("\n"), /mesh-rollout: analysis before promotion at \S+: passed: request-success-rate = 100/);
        assert.equal((await s.outputs()).traffic, "promoted");
    });

    it("a pre hook answering 500 refuses its stage, naming the hook and its answer; a post hook gets what was applied", async () => {
        const s = await TestStack.create({
            program: "mesh-upgrade",
            config: {
                "mesh-rollout-test:hooks": JSON.stringify({
                    pre: [{ name: "load-test", url: `${hooks.url}/pre`, stages: ["dataPlane"], timeoutSeconds: 5 }],
                    post: [{ name: "notify", url: `${hooks.url}/post`, timeoutSeconds: 5 }],
                }),
            },
        });
        stacks.push(s);
        assert.equal((await s.up(pack)).ok, true);
        await s.setConfig({ "mesh-rollout-test:to": "1.14.5", "mesh-rollout-test:stage": "controlPlane" });
        assert.equal((await s.up(pack)).ok, true);
        assert.deepEqual(
            hooks.calls.map((c) => `${c.path} ${String(c.body.phase)} ${String(c.body.stage)}`),
            ["/post post-stage controlPlane"],
            "controlPlane calls no pre hook (stages: [dataPlane]) and the post hook once, after the stage",
        );
        assert.deepEqual((hooks.calls[0].body.applied as { upgrade: unknown }).upgrade, { to: "1.14.5", stage: "controlPlane" });

        hooks.answers.set("/pre", { status: 500, body: "error rate 12% > 1%" });
        await s.setConfig({ "mesh-rollout-test:stage": "dataPlane" });
        const refused = await s.preview(pack);
        assert.equal(refused.ok, false);
        assert.deepEqual(
            refused.violations.filter((x) => x.policyName === "mesh-rollout-hooks-passed").map((x) => said(x.message)),
            [
                `Mesh mesh-ledger must not apply stage dataPlane: pre hook load-test (${hooks.url}/pre) answered HTTP 500: error rate 12% > 1%. Only HTTP 200 counts as success: fix what the hook checks, then preview the stage again.`,
            ],
        );
        const pre = hooks.calls.filter((c) => c.path === "/pre");
        assert.equal(pre.length, 1);
        assert.deepEqual([pre[0].body.mesh, pre[0].body.phase, pre[0].body.stage, pre[0].body.to], ["mesh", "pre-stage", "dataPlane", "1.14.5"]);

        hooks.answers.delete("/pre");
        const up = await s.up(pack);
        assert.equal(up.ok, true, up.stderr);
        assert.deepEqual(
            hooks.calls.slice(-1).map((c) => `${c.path} ${String(c.body.stage)}`),
            ["/post dataPlane"],
        );
        const calls = hooks.calls.length;
        const again = await s.preview({ ...pack, expectNoChanges: true });
        assert.equal(again.ok, true, again.stderr);
        assert.equal(hooks.calls.length, calls, "a re-run of the applied stage calls no hook");
    });
});
