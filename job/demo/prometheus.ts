/**
 * A real Prometheus 2.x for the integration tests: the binary comes from `scripts/prometheus ensure`
 * (Debian's package, cached outside the repo; `npm test` fetches it before the tests lose the network),
 * runs unprivileged on 127.0.0.1 with a free port, its config and TSDB in a fresh temp dir, and is
 * stopped by process id.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net, { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { PACKAGE_ROOT } from "../../cli/engine";

const REPO_ROOT = PACKAGE_ROOT;
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const STDERR_KEEP = 16_000;

export interface PrometheusOptions {
    /** Scrape targets, host:port (their /metrics). */
    readonly targets: string[];
    /** Scrape (and rule evaluation) interval; default "1s". */
    readonly scrapeInterval?: string;
    /** Where the temp dir (config, TSDB) is made; default os.tmpdir(). */
    readonly dir?: string;
}

export interface RunningPrometheus {
    /** http://127.0.0.1:<port> */
    readonly url: string;
    readonly pid: number;
    /** SIGTERM, SIGKILL after 10 s; resolves once the process has exited and its temp dir is removed. */
    stop(): Promise<void>;
}

/** The prometheus binary: on PATH if 2.x, else Debian's package from the cache (fetched if missing). */
export function prometheusBinary(): string {
    try {
        const out = execFileSync("bash", [path.join(REPO_ROOT, "scripts", "prometheus"), "ensure"], {
            cwd: REPO_ROOT,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        return out.trim().split("\n").pop()!;
    } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw new Error(`scripts/prometheus ensure failed: ${(err.stderr ?? "").trim() || err.message}`);
    }
}

/** A port free on 127.0.0.1 right now (listen on 0, read it, close). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

function httpGet(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { timeout: timeoutMs }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
        req.on("error", reject);
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Prometheus processes of this test process: killed if it exits without stopping them.
const running = new Set<number>();
process.once("exit", () => {
    for (const pid of running) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // gone already
        }
    }
});

function config(targets: string[], interval: string): string {
    // JSON is YAML: no quoting surprises in targets.
    return [
        "global:",
        `  scrape_interval: ${JSON.stringify(interval)}`,
        `  evaluation_interval: ${JSON.stringify(interval)}`,
        "scrape_configs:",
        "  - job_name: mesh-rollout-test",
        "    metrics_path: /metrics",
        "    static_configs:",
        `      - targets: ${JSON.stringify(targets)}`,
        "",
    ].join("\n");
}

/** Starts Prometheus scraping the targets; resolves once /-/ready answers 200. */
export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
    const bin = prometheusBinary();
    const dir = fs.mkdtempSync(path.join(opts.dir ?? os.tmpdir(), "mesh-rollout-prometheus-"));
    const configFile = path.join(dir, "prometheus.yml");
    fs.writeFileSync(configFile, config(opts.targets, opts.scrapeInterval ?? "1s"));
    try {
        // The port is free when picked, but another process may take it before Prometheus binds it:
        // then Prometheus exits at once, and a new port is tried.
        for (let attempt = 1; ; attempt++) {
            const port = await freePort();
            try {
                return await launch(bin, dir, configFile, port);
            } catch (e) {
                if (attempt < 3 && /address already in use/.test(String(e))) {
                    continue;
                }
                throw e;
            }
        }
    } catch (e) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw e;
    }
}

async function launch(bin: string, dir: string, configFile: string, port: number): Promise<RunningPrometheus> {
    const data = path.join(dir, "data");
    fs.rmSync(data, { recursive: true, force: true });
    const args = [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // Defaults point at /etc/prometheus and /usr/share/prometheus (the installed package's): not
        // needed by the API, and kept out of a system the test does not own.
        `--web.console.templates=${path.join(dir, "consoles")}`,
        `--web.console.libraries=${path.join(dir, "console_libraries")}`,
        `--web.local-assets=${path.join(dir, "web")}`,
    ];
    const child: ChildProcess = spawn(bin, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => {
        stderr = (stderr + c.toString("utf8")).slice(-STDERR_KEEP);
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    void exited.then((e) => {
        exit = e;
        running.delete(child.pid!);
    });
    const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
    if (child.pid === undefined) {
        throw new Error(`cannot start ${bin}: ${(await spawnError).message}`);
    }
    const pid = child.pid;
    running.add(pid);
    const url = `http://127.0.0.1:${port}`;

    const kill = async () => {
        if (exit === undefined) {
            try {
                process.kill(pid, "SIGTERM");
            } catch {
                // exited meanwhile
            }
            const timer = setTimeout(() => {
                try {
                    process.kill(pid, "SIGKILL");
                } catch {
                    // exited meanwhile
                }
            }, STOP_GRACE_MS);
            await exited;
            clearTimeout(timer);
        }
    };

    const started = Date.now();
    for (;;) {
        if (exit !== undefined) {
            throw new Error(`prometheus exited (code ${exit.code}, signal ${exit.signal}) before it was ready on ${url}:\n${stderr}`);
        }
        const ready = await httpGet(`${url}/-/ready`, 2_000).then(
            (r) => r.status === 200,
            () => false,
        );
        if (ready) {
            break;
        }
        if (Date.now() - started > READY_TIMEOUT_MS) {
            await kill();
            throw new Error(`prometheus (pid ${pid}) was not ready on ${url} after ${READY_TIMEOUT_MS / 1000} s:\n${stderr}`);
        }
        await sleep(100);
    }

    let stopping: Promise<void> | undefined;
    return {
        url,
        pid,
        stop: () =>
            (stopping ??= (async () => {
                await kill();
                fs.rmSync(dir, { recursive: true, force: true });
            })()),
    };
}

/**
 * An instant query (`/api/v1/query`): the value of its single sample or scalar, undefined when the
 * result is empty; `raw` is the API's `data`. More than one series is an error (aggregate with sum()).
 */
export async function query(url: string, promql: string): Promise<{ value: number | undefined; raw: unknown }> {
    const res = await httpGet(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    let body: { status?: string; error?: string; data?: { resultType: string; result: unknown } };
    try {
        body = JSON.parse(res.body);
    } catch {
        throw new Error(`query ${promql}: HTTP ${res.status}, not JSON: ${res.body.slice(0, 500)}`);
    }
    if (res.status !== 200 || body.status !== "success" || body.data === undefined) {
        throw new Error(`query ${promql}: HTTP ${res.status}: ${body.error ?? res.body.slice(0, 500)}`);
    }
    const { resultType, result } = body.data;
    if (resultType === "scalar") {
        return { value: Number((result as [number, string])[1]), raw: body.data };
    }
    if (resultType !== "vector") {
        throw new Error(`query ${promql}: a ${resultType}, not an instant vector`);
    }
    const samples = result as { metric: Record<string, string>; value: [number, string] }[];
    if (samples.length === 0) {
        return { value: undefined, raw: body.data };
    }
    if (samples.length > 1) {
        throw new Error(`query ${promql}: ${samples.length} series, expected one: ${JSON.stringify(samples.map((s) => s.metric))}`);
    }
    return { value: Number(samples[0].value[1]), raw: body.data };
}
