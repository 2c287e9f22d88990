/**
 * Issue 14: a real Prometheus in the tests. Debian's prometheus 2.x (scripts/prometheus) scrapes a
 * metrics endpoint this test serves with Istio's metric names, a healthy canary and a failing one, and
 * answers the queries the analysis templates make; then it is stopped by process id.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { query, RunningPrometheus, startPrometheus } from "../../job/demo/prometheus";
import { IstioMetricsServer, serveIstioMetrics } from "../../job/demo/istio-metrics";

const WINDOW = "20s";
const successRate = (workload: string) =>
    `sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="shop",destination_workload="${workload}",response_code!~"5.*"}[${WINDOW}])) / ` +
    `sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="shop",destination_workload="${workload}"}[${WINDOW}])) * 100`;
const p99 = (workload: string) =>
    `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload="${workload}"}[${WINDOW}])) by (le))`;
const requestRate = (workload: string) => `sum(rate(istio_requests_total{reporter="destination",destination_workload="${workload}"}[${WINDOW}]))`;

const refused = (port: number) =>
    new Promise<boolean>((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("connect", () => {
            socket.destroy();
            resolve(false);
        });
        socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
    });

describe("a real Prometheus scraping Istio's metrics (issue 14)", function () {
    this.timeout(5 * 60_000);
    let metrics: IstioMetricsServer | undefined;
    let prometheus: RunningPrometheus | undefined;
    after(async () => {
        await prometheus?.stop();
        await metrics?.close();
    });

    it("answers the success-rate and p99 queries of a healthy and a failing canary; stop() ends the process", async () => {
        metrics = await serveIstioMetrics();
        metrics.setWorkload({ namespace: "shop", workload: "reviews-v2", rps: 20, errorRatio: 0, latencyMs: 40 });
        metrics.setWorkload({ namespace: "shop", workload: "cart-v2", rps: 20, errorRatio: 0.3, latencyMs: 900 });
        metrics.setWorkload({ namespace: "shop", workload: "ratings-v1", rps: 0, errorRatio: 0, latencyMs: 10 });

        const t0 = Date.now();
        prometheus = await startPrometheus({ targets: [metrics.target], scrapeInterval: "1s" });
        const ready = Date.now();
        console.log(`      prometheus pid ${prometheus.pid} ready at ${prometheus.url} in ${ready - t0} ms`);
        assert.match(prometheus.url, /^http:\/\/127\.0\.0\.1:\d+$/);

        for (;;) {
            if ((await query(prometheus.url, requestRate("reviews-v2"))).value !== undefined) {
                break;
            }
            assert.ok(Date.now() - ready < 60_000, `no data for reviews-v2 after 60 s (${metrics.scrapes} scrapes served)`);
            await new Promise((r) => setTimeout(r, 500));
        }
        console.log(`      first rate after ${Date.now() - ready} ms (${metrics.scrapes} scrapes)`);

        // The counters grow at the simulated rate (irate: the last two samples; rate() over a window
        // not yet full of samples extrapolates less than the window, hence ratios only below).
        const rps = (await query(prometheus.url, `sum(irate(istio_requests_total{reporter="destination",destination_workload="cart-v2"}[${WINDOW}]))`)).value!;
        assert.ok(rps > 15 && rps < 25, `cart-v2 at ${rps} requests/s, 20 simulated`);
        const failing = (await query(prometheus.url, successRate("cart-v2"))).value!;
        assert.ok(failing >= 65 && failing <= 75, `cart-v2 success rate ${failing}, expected about 70`);
        const healthy = (await query(prometheus.url, successRate("reviews-v2"))).value!;
        assert.ok(healthy >= 99, `reviews-v2 success rate ${healthy}`);
        const slow = (await query(prometheus.url, p99("cart-v2"))).value!;
        assert.ok(slow > 500, `cart-v2 p99 ${slow} ms, every request 900 ms`);
        const fast = (await query(prometheus.url, p99("reviews-v2"))).value!;
        assert.ok(fast < 100, `reviews-v2 p99 ${fast} ms, every request 40 ms`);
        console.log(`      cart-v2: ${rps.toFixed(1)} rps, ${failing.toFixed(1)}% success, p99 ${slow.toFixed(0)} ms; reviews-v2: ${healthy}% success, p99 ${fast.toFixed(1)} ms`);

        // No traffic, no series (as with Istio): empty results, whether the workload is known or not.
        for (const q of [requestRate("ratings-v1"), successRate("ratings-v1"), p99("ratings-v1"), requestRate("nobody")]) {
            const r = await query(prometheus.url, q);
            assert.equal(r.value, undefined, `${q}: ${JSON.stringify(r.raw)}`);
        }

        const { pid, url } = prometheus;
        const port = Number(new URL(url).port);
        const t1 = Date.now();
        await prometheus.stop();
        console.log(`      stopped in ${Date.now() - t1} ms`);
        assert.throws(() => process.kill(pid, 0), { code: "ESRCH" }, `pid ${pid} still exists`);
        assert.ok(await refused(port), `port ${port} still accepts connections`);
    });
});
