/**
 * Issue 13, acceptance: make-before-break inside every stage, proven on the API server, with `pulumi up`
 * killed (SIGKILL, the CLI and every process under it) after each step of `controlPlane`, `dataPlane` and
 * `finalize`, while a watch (cluster/watch.ts) judges every event of the API server: no namespace label, tag
 * webhook or gateway may point, at any moment, at a revision whose istiod is not Ready. After each kill the
 * stack is recovered as a user would, and the cluster and the stack must equal those of an uninterrupted run
 * of the same stage.
 *
 * Recovery after a killed `pulumi up` (DIY file backend, pulumi v3.259.0, as measured by this test):
 *
 *   pulumi cancel --yes
 *       The killed process leaves its lock file behind; until it goes, every update fails with
 *       "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or
 *       delete the lock file with `pulumi cancel`." On a DIY backend `pulumi cancel` deletes the stack's lock
 *       files (nothing else) and prints "The currently running update for '<stack>' has been canceled!".
 *   pulumi refresh --yes --clear-pending-creates        (when the checkpoint holds pending CREATE operations)
 *       The checkpoint keeps the operations the kill interrupted. `pulumi up` goes on with them, warning
 *       "Attempting to deploy or update resources with N pending operations from previous deployment.
 *       * <urn>, interrupted while creating ...". Pending updates and deletes are dropped by that update;
 *       pending CREATEs are carried into every later checkpoint until a refresh clears them, and a
 *       non-interactive `pulumi refresh` leaves them unless given --clear-pending-creates. (In 3.259
 *       `--import-pending-creates <URN> <ID>` drops them too: nothing is imported.) A cleared create is
 *       created again by the next update, and the object the killed run may have created already is taken
 *       over by server-side apply. Where the API server defaulted a field inside an atomic value (the
 *       istiod Deployment's `env[].valueFrom.fieldRef`, a webhook's `rules`), the killed run's field
 *       manager would conflict with the new one and the update fail ("Server-Side Apply field conflict
 *       detected", measured before the fix): every object a stage creates carries `pulumi.com/patchForce`
 *       (components/mesh-objects.ts PATCH_FORCE; the chart's objects by a transform), which takes them over.
 *   pulumi up --yes --policy-pack <mesh-rollout pack>   (with its preview)
 *       Must complete; a failure is recorded and fails the test (the sweep then goes on with
 *       `PULUMI_K8S_ENABLE_PATCH_FORCE=true pulumi up ...` so that the later points still run).
 *   pulumi preview --expect-no-changes --policy-pack <mesh-rollout pack>
 *
 * If `pulumi cancel` itself fails with "error: failed to load checkpoint: EOF", the kill landed while the
 * file backend rewrote the checkpoint's `.attrs` sidecar (truncate, then write): remove the empty
 * `.pulumi/stacks/<project>/<stack>.json.attrs` (`find .pulumi -name '*.attrs' -size 0 -delete`) and run
 * `pulumi cancel` again; the checkpoint itself is renamed into place whole.
 *
 * How the sweep runs. Lanes side by side (LANES), each with its own cluster, stack and watch; each installs
 * 1.12.4 and then, stage by stage: saves the stack's state and the cluster's objects ("before"), applies
 * the stage uninterrupted ("clean": the reference, and its N steps, the custom resources the update
 * changes), and for each of its kill points restores "before", runs `pulumi up` of the stage (skip-preview,
 * the pack) killed after k steps, recovers as above, and compares the cluster and the stack with "clean".
 * The lanes share the kill points; `killPoints` says which (MESH_ROLLOUT_KILL_SWEEP=all: every step).
 * The kill lands as soon as the event log shows the k-th step done; steps done within the same few
 * milliseconds can make it land later, and such a point is tried again (MAX_ATTEMPTS). Stages only go
 * forward, so "before" is restored by test scaffolding, not by a stage: `pulumi stack import` of the saved
 * state, `pulumi up --refresh` of the previous stage (moves back what the stage moved, recreates what it
 * deleted), and removal of what the stage created that the restored state does not hold (the new
 * revision's objects, references first; annotations a restart patch left on the app Deployments); the
 * result is checked against "before" every time. controlPlane runs hold the new istiod not Ready for
 * HOLD_MS (scheduler paused), so that a reference written before it is Ready shows in the watch however
 * fast kwok is, and one kill point lands inside that hold. Each lane also rolls back once (from
 * controlPlane, from dataPlane), which the watch judges too, and starts with a self-test of the watch (a
 * namespace labelled with a revision that has no istiod must be reported).
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { engineEnv } from "../../cli/engine";
import { engineBinDir, MESH_ROLLOUT_PACK, TestStack } from "./harness";
import { startCluster, TestCluster, waitRolledOut } from "./cluster/cluster";
import { KubeClient, KubeObject, withoutServerFields } from "./cluster/kube";
import { meshStack, prepareApps, WEBHOOKS } from "./cluster/mesh-steps";
import { istiodState, Margin, MeshWatch, Violation, watchMesh } from "./cluster/watch";

type Stage = "install" | "controlPlane" | "dataPlane" | "finalize";
type SweptStage = Exclude<Stage, "install">;
const SWEPT: SweptStage[] = ["controlPlane", "dataPlane", "finalize"];
const PREVIOUS: Record<SweptStage, Stage> = { controlPlane: "install", dataPlane: "controlPlane", finalize: "dataPlane" };
const TO = "1.14.5";
const NEW_ISTIOD = `istiod-${TO.replace(/\./g, "-")}`;
const ISTIO_NS = "istio-system";
const SELF_TEST = "watch self-test";
const SELF_TEST_NS = "mesh-watch-selftest";
/** Kill points whose kill landed after a later step (steps done within milliseconds) are tried again, this often at most. */
const MAX_ATTEMPTS = 3;
/** How long a new istiod is held not Ready (scheduler paused) in controlPlane runs. */
const HOLD_MS = 3000;

/** A kill point: after k steps, or inside the new istiod's step while it is held not Ready ("held"). */
type Point = number | "held";

/**
 * The kill points of a stage of N steps. Every step does not fit the time of one test file: each kill point
 * costs 35-60 s (the killed run, the recovery's preview and update, preview --expect-no-changes, and the
 * restore), and all 24 (8 + 9 + 7) took 12-13 minutes on 2 cores (MESH_ROLLOUT_KILL_SWEEP=all, with
 * MESH_ROLLOUT_KILL_SWEEP_LANES=3 or 2). By default, a representative subset (11 points, 6-7 minutes): after
 * the first step (only the ledger moved), in the middle (some objects done, others in flight), before the
 * last one or two, and for controlPlane also before the istiod's step and inside it, held not Ready.
 */
function killPoints(stage: SweptStage, n: number): Point[] {
    if (process.env.MESH_ROLLOUT_KILL_SWEEP === "all") {
        return [...(stage === "controlPlane" ? ["held" as const] : []), ...Array.from({ length: n }, (_, i) => i + 1)];
    }
    const pick = stage === "controlPlane" ? ["held" as const, 1, 3, n - 2, n - 1] : [1, Math.ceil(n / 2), n - 1];
    return pick.filter((p, i) => (p === "held" || (p >= 1 && p <= n)) && pick.indexOf(p) === i);
}

interface LaneSpec {
    readonly name: string;
    /** Which kill points this lane takes, by position in the list of every stage's `killPoints`. */
    readonly take: (index: number) => boolean;
    /** After sweeping this stage, roll back (judged by the watch), then restore the stage's end. */
    readonly rollbackFrom?: "controlPlane" | "dataPlane";
}

/**
 * Lanes side by side (two by default: together they keep about one of the 2 cores busy, the rest is
 * waiting on the API server): each runs the three stages and takes every n-th kill point.
 */
const LANE_COUNT = Number(process.env.MESH_ROLLOUT_KILL_SWEEP_LANES ?? 2);
const LANES: LaneSpec[] = Array.from({ length: LANE_COUNT }, (_, n) => ({
    name: String.fromCharCode(65 + n),
    take: (i: number) => i % LANE_COUNT === n,
    ...(n === 0 ? { rollbackFrom: "controlPlane" as const } : n === 1 ? { rollbackFrom: "dataPlane" as const } : {}),
}));

// ---------------------------------------------------------------------------------------------------------
// The pulumi CLI, run as a person runs it (not through the Automation API, so that it can be killed).

interface CliResult {
    readonly args: readonly string[];
    readonly code: number | null;
    readonly out: string;
    readonly ms: number;
}

function cliEnv(s: TestStack, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    // The environment TestStack gives the Automation API, plus PULUMI_DEBUG_COMMANDS for --event-log.
    return {
        ...process.env,
        ...engineEnv(engineBinDir(), path.join(s.root, "state"), path.join(s.root, "home"), "mesh-rollout-tests"),
        KUBECONFIG: "",
        PULUMI_DEBUG_COMMANDS: "true",
        ...extra,
    };
}

function cliArgs(s: TestStack, args: readonly string[]): string[] {
    return [...args, "--stack", s.stack.name, "--non-interactive", "--color", "never"];
}

function cli(s: TestStack, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const p = spawn(path.join(engineBinDir(), "pulumi"), cliArgs(s, args), { cwd: s.programDir, env: cliEnv(s, extraEnv) });
        let out = "";
        p.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
        p.stderr.on("data", (d: Buffer) => (out += d.toString("utf8")));
        p.on("error", reject);
        p.on("close", (code) => resolve({ args, code, out, ms: Date.now() - started }));
    });
}

async function cliOk(s: TestStack, args: readonly string[], what: string, extraEnv: Record<string, string> = {}): Promise<CliResult> {
    const r = await cli(s, args, extraEnv);
    if (r.code !== 0) {
        throw new Error(`${what}: pulumi ${args.join(" ")} exited ${r.code}:\n${errorLines(r.out)}`);
    }
    return r;
}

/** The errors of a CLI output (each once), for messages; its last lines when it names none. */
function errorLines(out: string): string {
    const picked: string[] = [];
    for (const line of out.split("\n")) {
        const l = line.trim();
        if ((/^error: /.test(l) || /had an apply conflict|conflicts? with "|^- \./.test(l)) && !picked.includes(l)) {
            picked.push(l);
        }
    }
    return (picked.length > 0 ? picked : out.trim().split("\n").slice(-15)).join("\n").slice(0, 3000);
}

interface Deployment {
    readonly resources?: { urn: string }[];
    readonly pending_operations?: { type: string; resource: { urn: string } }[];
}

async function exportState(s: TestStack, file?: string): Promise<Deployment> {
    const r = await cliOk(s, ["stack", "export", ...(file ? ["--file", file] : [])], "stack export");
    return (JSON.parse(file ? fs.readFileSync(file, "utf8") : r.out) as { deployment: Deployment }).deployment;
}

const short = (urn: string) => urn.split("::").pop()!;

interface Step {
    readonly op: string;
    readonly urn: string;
    readonly type: string;
}

/** `create Deployment mesh-istiod-1-14-5:istio-system/istiod-1-14-5` */
const stepName = (x: Step) => `${x.op} ${x.type.split(":").pop()} ${short(x.urn)}`;
interface Meta {
    op: string;
    urn: string;
    type: string;
    old?: { custom?: boolean };
    new?: { custom?: boolean };
}

/**
 * The steps of an engine event log, read as it grows: started and done, custom resources only (providers
 * and components left out).
 */
class EventLog {
    readonly done: Step[] = [];
    readonly started: Step[] = [];
    private offset = 0;
    private partial = "";

    constructor(readonly file: string) {}

    read(): this {
        if (!fs.existsSync(this.file)) {
            return this;
        }
        const fd = fs.openSync(this.file, "r");
        try {
            const buf = Buffer.alloc(1 << 20);
            let n: number;
            while ((n = fs.readSync(fd, buf, 0, buf.length, this.offset)) > 0) {
                this.offset += n;
                this.partial += buf.subarray(0, n).toString("utf8");
            }
        } finally {
            fs.closeSync(fd);
        }
        const lines = this.partial.split("\n");
        this.partial = lines.pop()!; // the last line may be half written
        for (const line of lines) {
            let e: { resourcePreEvent?: { metadata: Meta }; resOutputsEvent?: { metadata: Meta } };
            try {
                e = JSON.parse(line);
            } catch {
                continue;
            }
            for (const [m, into] of [
                [e.resourcePreEvent?.metadata, this.started],
                [e.resOutputsEvent?.metadata, this.done],
            ] as [Meta | undefined, Step[]][]) {
                if (m === undefined || m.op === "same" || m.type.startsWith("pulumi:providers:") || (m.new ?? m.old)?.custom !== true) {
                    continue;
                }
                if (!into.some((x) => x.urn === m.urn && x.op === m.op)) {
                    into.push({ op: m.op, urn: m.urn, type: m.type });
                }
            }
        }
        return this;
    }
}

/** The pids under `root` (itself included), from ps. */
function processTree(root: number): number[] {
    const rows = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" })
        .trim()
        .split("\n")
        .map((l) => l.trim().split(/\s+/).map(Number));
    const out = [root];
    for (let i = 0; i < out.length; i++) {
        for (const [pid, ppid] of rows) {
            if (ppid === out[i] && !out.includes(pid)) {
                out.push(pid);
            }
        }
    }
    return out;
}

/** Of these pids, the ones still alive (zombies are dead: nothing reaps them in a container whose init does not). */
function alive(pids: number[]): string[] {
    try {
        return execFileSync("ps", ["-o", "pid=,stat=,comm=", "-p", pids.join(",")], { encoding: "utf8" })
            .trim()
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l !== "" && !/^\d+\s+Z/.test(l));
    } catch {
        return []; // ps exits 1 when none of them exists
    }
}

interface KillRecord {
    readonly point: string;
    /** Steps done (outputs recorded) when the kill landed, in order. */
    readonly done: string[];
    /** Steps started and not done: interrupted. */
    readonly inFlight: string[];
    readonly killedAfterMs: number;
    /** The processes killed (pulumi, its language host, program, policy pack, providers). */
    readonly processes: number;
    readonly pending: string[];
}

/**
 * `pulumi up` (skip-preview, the pack) killed with SIGKILL when `trigger` holds: the CLI is stopped at once
 * (SIGSTOP: it records no further step), then every process under it (so that none starts another), then
 * all are killed.
 */
async function killedUp(s: TestStack, point: string, trigger: (done: Step[]) => boolean): Promise<Omit<KillRecord, "pending">> {
    const events = path.join(s.root, `events-${Date.now()}.jsonl`);
    const started = Date.now();
    const p = spawn(path.join(engineBinDir(), "pulumi"), cliArgs(s, ["up", "--yes", "--skip-preview", "--policy-pack", MESH_ROLLOUT_PACK, "--event-log", events]), {
        cwd: s.programDir,
        env: cliEnv(s),
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    p.stdout!.on("data", (d: Buffer) => (out += d.toString("utf8")));
    p.stderr!.on("data", (d: Buffer) => (out += d.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => p.on("close", resolve));
    let ended: number | null | undefined;
    void exited.then((c) => (ended = c));
    const log = new EventLog(events);
    while (!trigger(log.read().done)) {
        if (ended !== undefined) {
            const done = log.read().done.map(stepName);
            throw new Error(`${point}: pulumi up ended (exit ${ended}) before the kill point; steps done: ${done.join(", ")}\n${errorLines(out)}`);
        }
        await new Promise((r) => setTimeout(r, 3));
    }
    process.kill(p.pid!, "SIGSTOP");
    const frozen: number[] = [p.pid!];
    for (let round = 0; round < 5; round++) {
        const fresh = processTree(p.pid!).filter((pid) => !frozen.includes(pid));
        if (fresh.length === 0) {
            break;
        }
        for (const pid of fresh) {
            try {
                process.kill(pid, "SIGSTOP");
                frozen.push(pid);
            } catch {
                // gone already
            }
        }
    }
    for (const pid of frozen) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // gone already
        }
    }
    const killedAfterMs = Date.now() - started;
    await exited;
    // SIGKILL is immediate, but a loaded machine takes a moment to tear a process down.
    for (let i = 0; i < 100 && alive(frozen).length > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(alive(frozen), [], `${point}: processes alive 10 s after the kill`);
    const steps = log.read();
    return {
        point,
        done: steps.done.map(stepName),
        inFlight: steps.started.filter((x) => !steps.done.some((d) => d.urn === x.urn && d.op === x.op)).map(stepName),
        killedAfterMs,
        processes: frozen.length,
    };
}

// ---------------------------------------------------------------------------------------------------------
// What is compared: the mesh's objects in the cluster, which istiods are Ready, and the stack's resources.

interface Snapshot {
    readonly objects: Record<string, KubeObject>;
    readonly readyIstiods: string[];
    readonly urns: string[];
    readonly pending: string[];
}

const COLLECTION: Record<string, (ns: string) => string> = {
    Namespace: () => "/api/v1/namespaces",
    MutatingWebhookConfiguration: () => WEBHOOKS,
    Deployment: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
    Service: (ns) => `/api/v1/namespaces/${ns}/services`,
    ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
};

/** The mesh's objects (and the app Deployments it restarts), `Kind/namespace/name` -> the object without the server's fields. */
async function meshObjects(kube: KubeClient): Promise<Record<string, KubeObject>> {
    const out: Record<string, KubeObject> = {};
    const add = (kind: string, items: KubeObject[]) => {
        for (const o of items) {
            const clean = withoutServerFields(o);
            if (kind === "Service") {
                // Assigned by the API server when the Service is created.
                delete clean.spec.clusterIP;
                delete clean.spec.clusterIPs;
            }
            out[`${kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`] = clean;
        }
    };
    for (const ns of [ISTIO_NS, "shop", "payments", "istio-ingress"]) {
        const n = await kube.get(`/api/v1/namespaces/${ns}`);
        if (n) {
            add("Namespace", [n]);
        }
    }
    add(
        "MutatingWebhookConfiguration",
        (await kube.list(WEBHOOKS)).filter((w) => w.metadata.name.startsWith("istio-")),
    );
    for (const ns of [ISTIO_NS, "istio-ingress"]) {
        add("Deployment", await kube.list(COLLECTION.Deployment(ns)));
        add("Service", await kube.list(COLLECTION.Service(ns)));
        add(
            "ServiceAccount",
            (await kube.list(COLLECTION.ServiceAccount(ns))).filter((sa) => sa.metadata.name !== "default"),
        );
    }
    add("Deployment", await kube.list(COLLECTION.Deployment("shop")));
    add("Deployment", await kube.list(COLLECTION.Deployment("payments")));
    return out;
}

/** Waits until every istiod is Ready and the gateway and cart have rolled out, then reads the cluster and the stack. */
async function snapshot(kube: KubeClient, s: TestStack): Promise<Snapshot> {
    await kube.waitFor(
        "every istiod Ready",
        () => kube.list(COLLECTION.Deployment(ISTIO_NS)),
        (ds) => ds.every((d) => istiodState(d).ready),
        90,
    );
    if (await kube.get("/apis/apps/v1/namespaces/istio-ingress/deployments/ingress")) {
        await waitRolledOut(kube, "istio-ingress", "ingress");
    }
    await waitRolledOut(kube, "shop", "cart");
    const state = await exportState(s);
    return {
        objects: await meshObjects(kube),
        readyIstiods: (await kube.list(COLLECTION.Deployment(ISTIO_NS)))
            .filter((d) => istiodState(d).ready)
            .map((d) => d.metadata.name)
            .sort(),
        urns: (state.resources ?? []).map((r) => r.urn).sort(),
        pending: (state.pending_operations ?? []).map((o) => `${o.type} ${short(o.resource.urn)}`),
    };
}

/** Where `actual` differs from `expected`, one line per leaf. */
function jsonDiff(actual: unknown, expected: unknown, at: string, out: string[]): void {
    if (JSON.stringify(actual) === JSON.stringify(expected)) {
        return;
    }
    const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
    if (isObj(actual) && isObj(expected) && Array.isArray(actual) === Array.isArray(expected)) {
        for (const k of [...new Set([...Object.keys(expected), ...Object.keys(actual)])]) {
            jsonDiff(actual[k], expected[k], Array.isArray(actual) ? `${at}[${k}]` : `${at}.${k}`, out);
        }
        return;
    }
    out.push(`${at}: ${JSON.stringify(actual) ?? "(absent)"} (expected: ${JSON.stringify(expected) ?? "(absent)"})`);
}

function diffSnapshots(actual: Snapshot, expected: Snapshot): string[] {
    const out: string[] = [];
    for (const key of [...new Set([...Object.keys(expected.objects), ...Object.keys(actual.objects)])].sort()) {
        jsonDiff(actual.objects[key], expected.objects[key], key, out);
    }
    jsonDiff(actual.readyIstiods, expected.readyIstiods, "Ready istiods", out);
    const missing = expected.urns.filter((u) => !actual.urns.includes(u)).map(short);
    const extra = actual.urns.filter((u) => !expected.urns.includes(u)).map(short);
    if (missing.length > 0) {
        out.push(`stack: resources missing: ${missing.join(", ")}`);
    }
    if (extra.length > 0) {
        out.push(`stack: resources not expected: ${extra.join(", ")}`);
    }
    if (actual.pending.length > 0) {
        out.push(`stack: pending operations left: ${actual.pending.join(", ")}`);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------
// A lane: one cluster, one stack, one watch; the three stages in order, each swept at the lane's kill points.

interface PointResult {
    readonly kill: KillRecord;
    /** The lock the killed process left, as `pulumi up` reports it. */
    readonly lockMessage: string;
    readonly cancelOutput: string;
    /** The kill left the stack unreadable (an empty `.attrs` sidecar of the checkpoint): what failed, what was removed. */
    readonly brokenCheckpoint?: string;
    /** `pulumi refresh --clear-pending-creates` was needed (pending CREATEs in the checkpoint). */
    readonly refreshed: boolean;
    /** `pulumi up` (with preview and the pack) failed: its errors. The sweep then went on with PULUMI_K8S_ENABLE_PATCH_FORCE=true. */
    readonly upFailure?: string;
    /** `pulumi preview --expect-no-changes` after the recovery failed: what it proposed. */
    readonly driftAfterRecovery?: string;
    /** The recovered cluster and stack, against the clean run's. */
    readonly diff: string[];
    readonly ms: number;
}

interface StageResult {
    readonly stage: SweptStage;
    readonly steps: string[];
    readonly points: PointResult[];
}

interface LaneResult {
    readonly spec: LaneSpec;
    readonly stages: StageResult[];
    readonly violations: Violation[];
    /** Each reference that began pointing at a Ready revision, and for how long that istiod had been Ready. */
    readonly margins: Margin[];
    /** Events the watch judged. */
    readonly events: number;
    readonly watchErrors: string[];
    readonly notes: string[];
    /** Why the lane stopped early, if it did. */
    readonly error?: string;
    readonly ms: number;
}

async function configure(s: TestStack, stage: Stage | "rollback"): Promise<void> {
    if (stage === "install") {
        await s.removeConfig(["mesh-rollout-test:to", "mesh-rollout-test:stage"]);
    } else {
        await s.setConfig({ "mesh-rollout-test:to": TO, "mesh-rollout-test:stage": stage });
    }
}

/**
 * Holds any istiod Deployment created while `run` runs not Ready for HOLD_MS (scheduler paused), then lets
 * it become Ready; `heldFor(name)` says for how long it has been held so far (0 once released). Without a
 * new istiod the scheduler is released after 30 s, or when `run` ends.
 */
async function holdingNewIstiods<T>(c: TestCluster, w: MeshWatch, run: (heldFor: (name: string) => number) => Promise<T>): Promise<T> {
    const since = Date.now();
    const seen = new Map<string, number>();
    let paused = true;
    c.pauseScheduler();
    const resume = () => {
        if (paused) {
            paused = false;
            c.resumeScheduler();
        }
    };
    const unsubscribe = w.subscribe((e) => {
        if (e.kind === "Deployment" && e.type === "ADDED" && e.key.startsWith(`${ISTIO_NS}/istiod-`) && !seen.has(e.key)) {
            seen.set(e.key, e.at);
        }
    });
    const timer = setInterval(() => {
        if ([...seen.values()].some((t) => Date.now() - t >= HOLD_MS) || Date.now() - since > 30_000) {
            resume();
        }
    }, 20);
    try {
        return await run((name) => {
            const t = seen.get(`${ISTIO_NS}/${name}`);
            return t === undefined || !paused ? 0 : Date.now() - t;
        });
    } finally {
        unsubscribe();
        clearInterval(timer);
        resume();
    }
}

async function runLane(spec: LaneSpec): Promise<LaneResult> {
    const laneStarted = Date.now();
    const c = await startCluster(`kill-sweep-${spec.name}`);
    let s: TestStack | undefined;
    let w: MeshWatch | undefined;
    const notes: string[] = [];
    const stages: StageResult[] = [];
    let error: string | undefined;
    const note = (line: string) => {
        notes.push(`+${Math.round((Date.now() - laneStarted) / 1000)}s ${line}`);
        if (process.env.MESH_ROLLOUT_KILL_SWEEP_VERBOSE === "1") {
            console.log(`[${spec.name} +${Math.round((Date.now() - laneStarted) / 1000)}s] ${line}`);
        }
    };
    try {
        const kube = c.kube;
        w = await watchMesh(c.kubeconfig, { istioNamespace: ISTIO_NS });
        const watch = w;
        // The watch must see a dangling reference: a namespace labelled with a revision that has no istiod.
        watch.phase(SELF_TEST);
        const conn = new KubeClient(c.kubeconfig);
        await conn.must("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: SELF_TEST_NS, labels: { "istio.io/rev": "no-such-revision" } } });
        await watch.waitUntil("the self-test namespace", () => watch.current("Namespace", SELF_TEST_NS) !== undefined, 30);
        await conn.must("PATCH", `/api/v1/namespaces/${SELF_TEST_NS}`, { metadata: { labels: { "istio.io/rev": null } } }, "application/merge-patch+json");
        await conn.must("DELETE", `/api/v1/namespaces/${SELF_TEST_NS}`);
        await prepareApps(kube);
        s = await meshStack(c);
        const stack = s;
        // controlPlane runs hold the new istiod not Ready a while (nothing else needs scheduling in them).
        const maybeHold = <T>(stage: Stage, f: (heldFor: (name: string) => number) => Promise<T>): Promise<T> =>
            stage === "controlPlane" ? holdingNewIstiods(c, watch, f) : f(() => 0);

        /**
         * Test scaffolding, not a stage: brings the stack and the cluster back to `target` (saved in `stateFile`
         * at `stage`), and checks them against it. `pulumi stack import`, `pulumi up --refresh` of `stage`, then
         * what the stack does not hold any more is removed by hand: objects (references first, istiods last),
         * and annotations a restart patch left on the app Deployments.
         */
        const restore = async (label: string, stateFile: string, stage: Stage, target: Snapshot) => {
            const t = Date.now();
            watch.phase(`${label}: restore`);
            await cliOk(stack, ["stack", "import", "--file", stateFile], `${label}: stack import`);
            await configure(stack, stage);
            if (stage !== "install") {
                await cliOk(stack, ["up", "--yes", "--skip-preview", "--refresh"], `${label}: restore up`);
            }
            const now = await meshObjects(kube);
            const rank = (key: string) =>
                key.startsWith("MutatingWebhookConfiguration//istio-revision-tag-") ? 0 : key.startsWith("MutatingWebhookConfiguration") ? 1 : key.startsWith("Deployment") ? 3 : 2;
            for (const key of Object.keys(now)
                .filter((k) => target.objects[k] === undefined)
                .sort((a, b) => rank(a) - rank(b))) {
                const [kind, ns, name] = key.split("/");
                await kube.delete(`${COLLECTION[kind](ns)}/${name}`);
            }
            for (const app of ["Deployment/shop/cart", "Deployment/payments/ledger"]) {
                const [, ns, name] = app.split("/");
                const ops: { op: string; path: string }[] = [];
                for (const [where, pointer] of [
                    [(o: KubeObject) => o?.metadata?.annotations, "/metadata/annotations"],
                    [(o: KubeObject) => o?.spec?.template?.metadata?.annotations, "/spec/template/metadata/annotations"],
                ] as [(o: KubeObject) => Record<string, string> | undefined, string][]) {
                    for (const key of Object.keys(where(now[app]) ?? {})) {
                        if (where(target.objects[app])?.[key] === undefined) {
                            ops.push({ op: "remove", path: `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}` });
                        }
                    }
                }
                if (ops.length > 0) {
                    await new KubeClient(c.kubeconfig).must("PATCH", `${COLLECTION.Deployment(ns)}/${name}`, ops, "application/json-patch+json");
                }
            }
            const diff = diffSnapshots(await snapshot(kube, stack), target);
            assert.deepEqual(diff, [], `${label}: the restore did not bring the stack and the cluster back`);
            note(`${label}: restored in ${Date.now() - t} ms`);
        };

        watch.phase("install");
        await configure(stack, "install");
        note(`install: ${(await cliOk(stack, ["up", "--yes", "--skip-preview", "--policy-pack", MESH_ROLLOUT_PACK], "install")).ms} ms`);

        let taken = 0; // kill points of the earlier stages: the lanes alternate across stages
        for (const stage of SWEPT) {
            const before = PREVIOUS[stage];
            const beforeState = path.join(stack.root, `state-${before}.json`);
            await exportState(stack, beforeState);
            const beforeSnap = await snapshot(kube, stack);

            // The uninterrupted run of the stage: the reference.
            watch.phase(`${stage}: clean run`);
            await configure(stack, stage);
            const cleanLog = new EventLog(path.join(stack.root, `clean-${stage}.jsonl`));
            const clean = await maybeHold(stage, () =>
                cliOk(stack, ["up", "--yes", "--skip-preview", "--policy-pack", MESH_ROLLOUT_PACK, "--event-log", cleanLog.file], `${stage}: clean run`),
            );
            const steps = cleanLog.read().done.map(stepName);
            note(`${stage}: clean run in ${clean.ms} ms, ${steps.length} steps: ${steps.join("; ")}`);
            await cliOk(stack, ["preview", "--expect-no-changes", "--policy-pack", MESH_ROLLOUT_PACK], `${stage}: preview after the clean run`);
            const cleanState = path.join(stack.root, `state-${stage}.json`);
            await exportState(stack, cleanState);
            const cleanSnap = await snapshot(kube, stack);

            const all = killPoints(stage, steps.length);
            const points = all.filter((_, i) => spec.take(taken + i));
            taken += all.length;
            const results: PointResult[] = [];
            const landed = new Set<number>();
            const queue = points.map((point) => ({ point, attempt: 1 }));
            while (queue.length > 0) {
                const { point, attempt } = queue.shift()!;
                const k = point === "held" ? Number.NaN : point;
                const label = `${stage} kill ${point === "held" ? `while ${NEW_ISTIOD} is held not Ready` : `after ${point}/${steps.length} steps`}${attempt > 1 ? ` (attempt ${attempt})` : ""}`;
                const t = Date.now();
                await restore(label, beforeState, before, beforeSnap);
                watch.phase(`${label}: killed run`);
                await configure(stack, stage);
                const killed = await maybeHold(stage, async (heldFor) => {
                    const r = await killedUp(stack, label, (done) => (Number.isNaN(k) ? heldFor(NEW_ISTIOD) >= HOLD_MS - 1000 : done.length >= k));
                    if (Number.isNaN(k)) {
                        // Killed while the new istiod was held: nothing may point at it (the watch judges that).
                        const state = istiodState(watch.current("Deployment", `${ISTIO_NS}/${NEW_ISTIOD}`));
                        assert.equal(state.ready, false, `${label}: the kill landed after ${NEW_ISTIOD} became Ready (${state.words})`);
                        note(`${label}: killed with ${NEW_ISTIOD} at ${state.words}`);
                    }
                    return r;
                });
                const istiodLeft = await kube.get(`${COLLECTION.Deployment(ISTIO_NS)}/${NEW_ISTIOD}`);
                if (istiodLeft !== undefined && (await kube.get(`${COLLECTION.ServiceAccount(ISTIO_NS)}/${NEW_ISTIOD}`)) === undefined) {
                    // The chart's objects have no order among them: this Deployment's pods are refused until its
                    // ServiceAccount exists, and its ReplicaSet retries with a growing backoff.
                    note(`${label}: the kill left ${NEW_ISTIOD}'s Deployment without its ServiceAccount`);
                }
                watch.phase(`${label}: recovery`);
                // The recovery holds the new istiod only when it creates it (nothing else needs the scheduler).
                const recovered = await recover(stack, label, (f) => maybeHold(istiodLeft === undefined ? stage : "install", f));
                const kill: KillRecord = { ...killed, pending: recovered.pending };
                const diff = diffSnapshots(await snapshot(kube, stack), cleanSnap);
                results.push({ ...recovered.result, kill, diff, ms: Date.now() - t });
                landed.add(kill.done.length);
                if (!Number.isNaN(k) && !landed.has(k) && attempt < MAX_ATTEMPTS) {
                    // Steps done within the same few milliseconds: the kill landed after a later one. Again.
                    queue.push({ point, attempt: attempt + 1 });
                }
                note(
                    `${label}: done ${kill.done.length} [${kill.done.join("; ")}], in flight [${kill.inFlight.join("; ")}], pending [${kill.pending.join("; ")}]` +
                        `${recovered.result.brokenCheckpoint ? ", CHECKPOINT UNREADABLE" : ""}${recovered.result.refreshed ? ", refreshed" : ""}${recovered.result.upFailure ? ", up FAILED" : ""}` +
                        `${recovered.result.driftAfterRecovery ? ", DRIFT" : ""}${diff.length ? `, ${diff.length} differences` : ""}, ${Date.now() - t} ms`,
                );
            }
            stages.push({ stage, steps, points: results });
            const last = results[results.length - 1];
            if (last !== undefined && (last.diff.length > 0 || last.driftAfterRecovery !== undefined)) {
                // The last recovery did not converge: the next stage starts from the clean end of this one.
                await restore(`${stage}: end`, cleanState, stage, cleanSnap);
            }

            if (spec.rollbackFrom === stage) {
                watch.phase(`rollback from ${stage}`);
                await configure(stack, "rollback");
                const r = await cli(stack, ["up", "--yes", "--skip-preview", "--policy-pack", MESH_ROLLOUT_PACK]);
                note(`rollback from ${stage}: exit ${r.code} in ${r.ms} ms${r.code === 0 ? "" : `\n${errorLines(r.out)}`}`);
                await restore(`${stage}: after the rollback`, cleanState, stage, cleanSnap);
            }
        }
    } catch (e) {
        // The lane stops here; what it found so far is still reported.
        error = (e as Error)?.stack ?? String(e);
    }
    try {
        const all = w ? await w.check() : [];
        const selfTest = all.filter((v) => v.phase === SELF_TEST);
        assert.deepEqual(
            selfTest.map((v) => [v.object, v.revision, v.until !== undefined]),
            [[`Namespace/${SELF_TEST_NS}`, "no-such-revision", true]],
            "the watch's self-test: one dangling namespace label, seen and ended",
        );
        const violations = all.filter((v) => v.phase !== SELF_TEST);
        return {
            spec,
            stages,
            violations,
            margins: [...(w?.margins ?? [])],
            events: w?.timeline.length ?? 0,
            watchErrors: [...(w?.errors ?? [])],
            notes,
            error,
            ms: Date.now() - laneStarted,
        };
    } finally {
        await w?.stop();
        s?.dispose();
        await c.stop();
    }
}

/**
 * What a user does after the kill (see the file's comment): cancel, clear pending creates if any, up with
 * its preview, preview --expect-no-changes. An `up` that fails is recorded (the test fails), and the sweep
 * goes on with the Kubernetes provider forcing server-side apply conflicts (PULUMI_K8S_ENABLE_PATCH_FORCE=true).
 * Measured before every object carried `pulumi.com/patchForce`: `up` failed when the killed controlPlane run
 * had created, unrecorded, the istiod Deployment (conflict on
 * `.spec.template.spec.containers[name="discovery"].env[name="POD_NAMESPACE"].valueFrom.fieldRef`), the
 * revision's injector webhook or the canary tag webhook (`.webhooks[name=...].rules`): the new create's field
 * manager is not the one that wrote them.
 */
async function recover(
    s: TestStack,
    label: string,
    hold: (f: () => Promise<CliResult>) => Promise<CliResult>,
): Promise<{ pending: string[]; result: Omit<PointResult, "kill" | "diff" | "ms"> }> {
    const lockDir = path.join(s.root, "state", ".pulumi", "locks");
    const locks = fs.existsSync(lockDir) ? execFileSync("find", [lockDir, "-name", "*.json"], { encoding: "utf8" }).trim() : "";
    let lockMessage = "(no lock: the kill landed after the update had released it)";
    if (locks !== "") {
        const blocked = await cli(s, ["up", "--yes", "--skip-preview", "--policy-pack", MESH_ROLLOUT_PACK]);
        assert.notEqual(blocked.code, 0, `${label}: an update ran despite the lock`);
        lockMessage =
            blocked.out
                .split("\n")
                .find((l) => /locked|error/.test(l))
                ?.trim() ?? blocked.out.trim();
    }
    let cancel = await cli(s, ["cancel", "--yes"]);
    let brokenCheckpoint: string | undefined;
    if (cancel.code !== 0 && /failed to load checkpoint: EOF/.test(cancel.out)) {
        // The file backend (gocloud fileblob) writes `<key>.attrs` beside each file by truncate-then-write:
        // a kill in between leaves it empty, and every command fails to read the checkpoint. The checkpoint
        // itself is written to a temp file and renamed, so it is whole (the one before the interrupted
        // save). Removing the empty sidecar repairs the stack (a missing one means no attributes).
        const stateDir = path.join(s.root, "state");
        const empty = execFileSync("find", [stateDir, "-name", "*.attrs", "-size", "0"], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
        const evidence = fs.mkdtempSync(path.join(os.tmpdir(), "kill-sweep-broken-checkpoint-"));
        fs.cpSync(stateDir, evidence, { recursive: true });
        brokenCheckpoint = `pulumi cancel: ${errorLines(cancel.out)}; empty: ${empty.map((f) => path.relative(stateDir, f)).join(", ") || "(none)"}; state kept in ${evidence}`;
        for (const f of empty) {
            fs.rmSync(f);
        }
        cancel = await cli(s, ["cancel", "--yes"]);
    }
    assert.equal(cancel.code, 0, `${label}: pulumi cancel failed:\n${errorLines(cancel.out)}${brokenCheckpoint ? `\n(${brokenCheckpoint})` : ""}`);
    const state = await exportState(s);
    const pending = (state.pending_operations ?? []).map((o) => `${o.type} ${short(o.resource.urn)}`);
    const refreshed = (state.pending_operations ?? []).some((o) => o.type === "creating");
    if (refreshed) {
        await cliOk(s, ["refresh", "--yes", "--clear-pending-creates"], `${label}: refresh --clear-pending-creates`);
    }
    const upArgs = ["up", "--yes", "--policy-pack", MESH_ROLLOUT_PACK];
    const first = await hold(() => cli(s, upArgs));
    let upFailure: string | undefined;
    if (first.code !== 0) {
        upFailure = errorLines(first.out);
        await hold(() => cliOk(s, upArgs, `${label}: up with PULUMI_K8S_ENABLE_PATCH_FORCE=true`, { PULUMI_K8S_ENABLE_PATCH_FORCE: "true" }));
    }
    const again = await cli(s, ["preview", "--expect-no-changes", "--policy-pack", MESH_ROLLOUT_PACK]);
    const driftAfterRecovery =
        again.code === 0
            ? undefined
            : again.out
                  .split("\n")
                  .filter((l) => /^\s*[-+~]\s|error/.test(l))
                  .join("\n");
    return { pending, result: { lockMessage, cancelOutput: cancel.out.trim(), brokenCheckpoint, refreshed, upFailure, driftAfterRecovery } };
}

/** The stage whose clean, killed or recovering run a watch phase names; undefined for install, rollback, restores. */
function phaseStage(phase: string): SweptStage | undefined {
    return SWEPT.find((st) => (phase.startsWith(`${st} kill`) && !phase.endsWith(": restore")) || phase.startsWith(`${st}: clean run`));
}

function describeViolation(v: Violation): string {
    return (
        `${v.object} (${v.pointsAt}) pointed at ${v.revision} while ${v.istiod}; from ${v.since.at} (rv ${v.since.rv}, ${v.since.event})` +
        ` until ${v.until ? `${v.until.at} (rv ${v.until.rv}, ${v.until.event})` : "the end"}; during "${v.phase}"` +
        (v.istiodStates.length ? `; istiod meanwhile: ${v.istiodStates.join(" | ")}` : "")
    );
}

describe("kill -9 at every step of controlPlane, dataPlane and finalize: make-before-break on the API server, and recovery (issue 13)", function () {
    this.timeout(40 * 60_000);
    const lanes = new Map<string, PromiseSettledResult<LaneResult>>();

    before(async () => {
        const started = Date.now();
        engineBinDir(); // finds (or builds) the engine once, before the lanes start
        const settled = await Promise.allSettled(LANES.map((l) => runLane(l)));
        LANES.forEach((l, i) => lanes.set(l.name, settled[i]));
        // The record the issue asks for, whatever the verdicts.
        const lines: string[] = [`kill sweep: ${Math.round((Date.now() - started) / 1000)} s`];
        for (const [name, r] of lanes) {
            if (r.status === "rejected") {
                lines.push(`[${name}] FAILED: ${(r.reason as Error)?.stack ?? r.reason}`);
                continue;
            }
            const v = r.value;
            lines.push(`[${name}] ${Math.round(v.ms / 1000)} s${v.error ? `; STOPPED EARLY: ${v.error}` : ""}`);
            lines.push(...v.notes.map((n) => `[${name}]   ${n}`));
            for (const st of v.stages) {
                for (const p of st.points) {
                    if (p.brokenCheckpoint) {
                        lines.push(`[${name}]   ${p.kill.point}: checkpoint unreadable after the kill: ${p.brokenCheckpoint}`);
                    }
                    if (p.upFailure) {
                        lines.push(`[${name}]   ${p.kill.point}: pulumi up failed after cancel:\n${p.upFailure}`);
                    }
                    if (p.driftAfterRecovery) {
                        lines.push(`[${name}]   ${p.kill.point}: preview --expect-no-changes failed:\n${p.driftAfterRecovery}`);
                    }
                    lines.push(...p.diff.map((d) => `[${name}]   ${p.kill.point}: differs from the clean run: ${d}`));
                }
            }
            const first = v.stages.flatMap((st) => st.points)[0];
            if (first) {
                lines.push(`[${name}]   lock after kill -9: ${first.lockMessage}`, `[${name}]   pulumi cancel: ${first.cancelOutput}`);
            }
            lines.push(`[${name}]   the watch judged ${v.events} events; ${v.violations.length} violations`);
            // The closest call per kind of run: how long the istiod had been Ready when something first pointed at it.
            const closest = new Map<string, Margin>();
            for (const m of v.margins) {
                const kind = phaseStage(m.phase) ?? (m.phase.endsWith(": restore") ? "the test's restores" : m.phase.replace(/:.*/, ""));
                const group = `${kind} -> ${m.revision}`;
                if (!closest.has(group) || closest.get(group)!.ms > m.ms) {
                    closest.set(group, m);
                }
            }
            for (const [group, m] of closest) {
                lines.push(`[${name}]   closest: ${group}: ${m.object} began pointing ${(m.ms / 1000).toFixed(2)} s after the istiod was Ready (${m.phase})`);
            }
            lines.push(...v.violations.map((x) => `[${name}]   VIOLATION ${describeViolation(x)}`));
            lines.push(...v.watchErrors.map((e) => `[${name}]   watch error: ${e}`));
        }
        console.log(lines.join("\n"));
    });

    const results = (): LaneResult[] =>
        LANES.map((l) => {
            const r = lanes.get(l.name)!;
            if (r.status === "rejected") {
                throw r.reason;
            }
            return r.value;
        });

    const laneErrors = (): string[] => results().flatMap((l) => (l.error ? [`lane ${l.spec.name} stopped early: ${l.error}`] : []));

    for (const stage of SWEPT) {
        it(`${stage} (clean, killed and recovering runs): at no moment did a namespace label, tag webhook or gateway point at a revision whose istiod was not Ready`, () => {
            const found = results().flatMap((l) => l.violations.filter((v) => phaseStage(v.phase) === stage).map(describeViolation));
            assert.deepEqual(found, []);
        });

        it(`${stage}: killed after each of its steps, cancel + up converges to the clean run, nothing lost`, () => {
            assert.deepEqual(laneErrors(), []);
            const ls = results().map((l) => l.stages.find((x) => x.stage === stage)!);
            const n = ls[0].steps.length;
            const covered = [...new Set(ls.flatMap((l) => l.points.map((p) => p.kill.done.length)))].sort((a, b) => a - b);
            const problems = ls.flatMap((l) =>
                l.points.flatMap((p) => [
                    ...(p.upFailure ? [`${p.kill.point} (in flight: ${p.kill.inFlight.join(", ") || "nothing"}): pulumi up failed after cancel:\n${p.upFailure}`] : []),
                    ...(p.driftAfterRecovery ? [`${p.kill.point}: preview --expect-no-changes after recovery:\n${p.driftAfterRecovery}`] : []),
                    ...p.diff.map((d) => `${p.kill.point}: ${d}`),
                ]),
            );
            assert.deepEqual(problems, []);
            for (const k of killPoints(stage, n)) {
                if (k !== "held") {
                    assert.ok(covered.includes(k), `no kill landed after exactly ${k} of ${n} steps (landed after: ${covered.join(", ")})`);
                }
            }
        });
    }

    it("install, rollback and the test's own restores: no dangling reference either; the watch lost nothing", () => {
        const found = results().flatMap((l) => [
            ...(l.error ? [`lane ${l.spec.name} stopped early: ${l.error}`] : []),
            ...l.violations.filter((v) => phaseStage(v.phase) === undefined).map(describeViolation),
            ...l.watchErrors.map((e) => `watch error: ${e}`),
        ]);
        assert.deepEqual(found, []);
    });
});
