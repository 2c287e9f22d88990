/**
 * A metrics endpoint for a real Prometheus to scrape, serving what Istio's proxies report, with values
 * the test controls: `istio_requests_total` and `istio_request_duration_milliseconds` (histogram, Istio's
 * default buckets), labelled as the destination's sidecar labels them (reporter="destination").
 *
 * Traffic is simulated per workload: at each scrape the counters grow by rps × the seconds since the
 * last one (so rate() over them gives the rps), errorRatio of the requests answer 500 and the others
 * 200, and every request takes latencyMs: it lands in the first bucket whose le >= latencyMs. As with
 * Istio, a series appears with its first request: a workload without traffic has no series at all.
 * The counts are the simulated requests, fractions included (Prometheus takes float counters): ratios
 * are exact from the second sample on, where whole counts would round them while the window fills.
 */
import http from "node:http";
import { AddressInfo } from "node:net";

/** Istio's default buckets for istio_request_duration_milliseconds (+Inf follows). */
export const ISTIO_DURATION_BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

export interface WorkloadTraffic {
    readonly namespace: string;
    /** The workload's name (a Deployment's), e.g. "reviews-v2". */
    readonly workload: string;
    /** destination_version and destination_canonical_revision; default the workload's "-vN" suffix, else unknown/latest. */
    readonly version?: string;
    /** The app (destination_app, destination_canonical_service, the service's name); default the workload without its "-vN" suffix. */
    readonly app?: string;
    /** Requests per second. */
    readonly rps: number;
    /** Share of the requests answered 500, 0..1. */
    readonly errorRatio: number;
    /** Duration of every request, in ms. */
    readonly latencyMs: number;
    /** The calling workload; default the ingress gateway (istio-ingressgateway in istio-system). */
    readonly source?: { readonly namespace: string; readonly workload: string };
}

export interface IstioMetricsServer {
    /** http://127.0.0.1:<port>/metrics */
    readonly url: string;
    /** 127.0.0.1:<port>, a Prometheus scrape target. */
    readonly target: string;
    /** /metrics requests answered so far. */
    readonly scrapes: number;
    /** Sets (or changes, from now on) the traffic of a workload; what it had so far is kept. */
    setWorkload(traffic: WorkloadTraffic): void;
    close(): Promise<void>;
}

/** One response code of one workload: requests per bucket (not cumulative; the last one is +Inf) and the sum of durations. */
interface Series {
    readonly buckets: number[];
    sum: number;
}

interface Workload {
    traffic: WorkloadTraffic;
    last: number;
    readonly byCode: Map<string, Series>;
}

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labelText = (labels: [string, string][]) => labels.map(([k, v]) => `${k}="${escape(v)}"`).join(",");

function labels(t: WorkloadTraffic, code: string): [string, string][] {
    const m = /^(.+)-(v\d[\w.]*)$/.exec(t.workload);
    const app = t.app ?? (m ? m[1] : t.workload);
    const version = t.version ?? (m ? m[2] : undefined);
    const src = t.source ?? { namespace: "istio-system", workload: "istio-ingressgateway" };
    const srcApp = src.workload.replace(/-v\d[\w.]*$/, "");
    return [
        ["reporter", "destination"],
        ["source_workload", src.workload],
        ["source_canonical_service", srcApp],
        ["source_canonical_revision", "latest"],
        ["source_workload_namespace", src.namespace],
        ["source_principal", `spiffe://cluster.local/ns/${src.namespace}/sa/${srcApp}`],
        ["source_app", srcApp],
        ["source_version", "unknown"],
        ["source_cluster", "Kubernetes"],
        ["destination_workload", t.workload],
        ["destination_workload_namespace", t.namespace],
        ["destination_principal", `spiffe://cluster.local/ns/${t.namespace}/sa/${app}`],
        ["destination_app", app],
        ["destination_version", version ?? "unknown"],
        ["destination_service", `${app}.${t.namespace}.svc.cluster.local`],
        ["destination_canonical_service", app],
        ["destination_canonical_revision", version ?? "latest"],
        ["destination_service_name", app],
        ["destination_service_namespace", t.namespace],
        ["destination_cluster", "Kubernetes"],
        ["request_protocol", "http"],
        ["response_code", code],
        ["grpc_response_status", ""],
        ["response_flags", "-"],
        ["connection_security_policy", "mutual_tls"],
    ];
}

function check(t: WorkloadTraffic): void {
    if (!(t.rps >= 0) || !(t.errorRatio >= 0 && t.errorRatio <= 1) || !(t.latencyMs >= 0)) {
        throw new Error(`setWorkload ${t.namespace}/${t.workload}: needs rps >= 0, errorRatio in 0..1, latencyMs >= 0 (got ${JSON.stringify(t)})`);
    }
}

/** Lets the simulated time pass for a workload: its traffic since the last call, at its current settings. */
function advance(w: Workload, now: number): void {
    const seconds = Math.max(0, (now - w.last) / 1000);
    w.last = now;
    const { rps, errorRatio, latencyMs } = w.traffic;
    const requests = rps * seconds;
    if (requests <= 0) {
        return;
    }
    let bucket = ISTIO_DURATION_BUCKETS_MS.findIndex((le) => le >= latencyMs);
    if (bucket < 0) {
        bucket = ISTIO_DURATION_BUCKETS_MS.length; // +Inf
    }
    for (const [code, n] of [
        ["200", requests * (1 - errorRatio)],
        ["500", requests * errorRatio],
    ] as const) {
        if (n <= 0) {
            continue;
        }
        let s = w.byCode.get(code);
        if (s === undefined) {
            s = { buckets: new Array<number>(ISTIO_DURATION_BUCKETS_MS.length + 1).fill(0), sum: 0 };
            w.byCode.set(code, s);
        }
        s.buckets[bucket] += n;
        s.sum += n * latencyMs;
    }
}

// Rounding a growing number keeps it growing; 6 decimals keep the text short.
const num = (n: number) => String(Number(n.toFixed(6)));

/** The exposition text (format 0.0.4). */
function render(workloads: Iterable<Workload>): string {
    const requests: string[] = [];
    const durations: string[] = [];
    for (const w of workloads) {
        for (const [code, s] of [...w.byCode].sort(([a], [b]) => a.localeCompare(b))) {
            const l = labelText(labels(w.traffic, code));
            let cumulative = 0;
            [...ISTIO_DURATION_BUCKETS_MS.map(String), "+Inf"].forEach((le, i) => {
                cumulative += s.buckets[i];
                durations.push(`istio_request_duration_milliseconds_bucket{${l},le="${le}"} ${num(cumulative)}`);
            });
            requests.push(`istio_requests_total{${l}} ${num(cumulative)}`);
            durations.push(`istio_request_duration_milliseconds_sum{${l}} ${num(s.sum)}`);
            durations.push(`istio_request_duration_milliseconds_count{${l}} ${num(cumulative)}`);
        }
    }
    return [
        "# HELP istio_requests_total Total requests.",
        "# TYPE istio_requests_total counter",
        ...requests,
        "# HELP istio_request_duration_milliseconds Request duration in milliseconds.",
        "# TYPE istio_request_duration_milliseconds histogram",
        ...durations,
        "",
    ].join("\n");
}

/** Serves /metrics on 127.0.0.1 (a free port); no workloads until setWorkload. */
export async function serveIstioMetrics(): Promise<IstioMetricsServer> {
    const workloads = new Map<string, Workload>();
    let scrapes = 0;
    const server = http.createServer((req, res) => {
        if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
            res.writeHead(404, { "content-type": "text/plain" }).end("not found: only GET /metrics\n");
            return;
        }
        const now = Date.now();
        for (const w of workloads.values()) {
            advance(w, now);
        }
        scrapes++;
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(render(workloads.values()));
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
        url: `http://${target}/metrics`,
        target,
        get scrapes() {
            return scrapes;
        },
        setWorkload(traffic) {
            check(traffic);
            const key = `${traffic.namespace}/${traffic.workload}`;
            const now = Date.now();
            const w = workloads.get(key);
            if (w === undefined) {
                workloads.set(key, { traffic, last: now, byCode: new Map() });
            } else {
                advance(w, now); // the traffic so far at the former settings
                w.traffic = traffic;
            }
        },
        close: () =>
            new Promise<void>((resolve, reject) => {
                server.close((e) => (e ? reject(e) : resolve()));
                server.closeAllConnections(); // Prometheus keeps its scrape connection open
            }),
    };
}
