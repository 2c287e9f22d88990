// `npm start`: the main job's whole story as ordered stack updates, each with the policy pack loaded.
// State lives in .mesh-rollout/ (git-ignored); manifests are rendered to out/current and snapshotted
// to out/<NN>-<step>/ after each applied update. With --kubeconfig (or MESH_ROLLOUT_KUBECONFIG) the
// story targets that cluster instead.
import fs from "node:fs";
import path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { commandOutput, engineBinDir, engineEnv, eventCollector, MESH_ROLLOUT_PACK, OperationResult, PACKAGE_ROOT } from "../cli/engine";
import { planUpgrade } from "../domain";
import { describeChanges, describeVerdicts, renderSummary, StepOutcome } from "./report";
import { IstioMetricsServer, serveIstioMetrics } from "./demo/istio-metrics";
import { query, RunningPrometheus, startPrometheus } from "./demo/prometheus";

export interface StoryStep {
    readonly slug: string;
    readonly title: string;
    /** Config set for this update (`mesh-rollout:` keys); keys set to undefined are removed. */
    readonly config: Readonly<Record<string, string | undefined>>;
    /** The story shows this step being refused by the policy pack. */
    readonly expectRefused?: boolean;
    /** The mesh's traffic (served to the story's Prometheus) before this step: its analysis judges it. */
    readonly traffic?: "healthy" | "failing";
}

export const STORY: readonly StoryStep[] = [
    {
        slug: "install",
        title: "Install Istio 1.12.4: namespaces, gateway, tags, sidecar catalog, SidecarSet, reviews v1",
        config: { version: "1.12.4", upgradeTo: undefined, stage: undefined },
    },
    { slug: "controlPlane", title: "Canary upgrade to 1.14.5, stage controlPlane: new revision beside the old", config: { upgradeTo: "1.14.5", stage: "controlPlane" } },
    { slug: "dataPlane", title: "Stage dataPlane: namespaces, gateway and the stable tag move to 1-14-5", config: { stage: "dataPlane" } },
    {
        slug: "finalize-refused",
        title: "Stage finalize while bookinfo answers 30% of requests with 5xx: the metric analysis refuses it",
        config: { stage: "finalize" },
        traffic: "failing",
        expectRefused: true,
    },
    { slug: "finalize", title: "Stage finalize, traffic healthy again: the analysis passes, the old revision goes offline", config: { stage: "finalize" }, traffic: "healthy" },
    { slug: "sidecar-hot-upgrade", title: "Hot-upgrade the payments sidecar to catalog version 1.0.1", config: { sidecarVersion: "1.0.1" } },
    { slug: "canary-release", title: "Canary release of reviews v2 at 20% of traffic", config: { canaryWeight: "20" } },
    {
        slug: "refused-jump",
        title: "Try an upgrade 1.14.5 -> 1.17.0 (skips two minor versions)",
        config: { version: "1.14.5", upgradeTo: "1.17.0", stage: "controlPlane" },
        expectRefused: true,
    },
];

const USAGE = "Usage: npm start [-- --kubeconfig <path> [--istiod-values <json>]]";

function parseArgs(argv: readonly string[]): { kubeconfig?: string; istiodValues?: string } {
    let kubeconfig = process.env.MESH_ROLLOUT_KUBECONFIG;
    let istiodValues = process.env.MESH_ROLLOUT_ISTIOD_VALUES;
    for (let i = 0; i < argv.length; i++) {
        const m = /^--(kubeconfig|istiod-values)(?:=(.*))?$/.exec(argv[i]);
        if (m === null) {
            throw new Error(`unknown argument '${argv[i]}'. ${USAGE}`);
        }
        const value = m[2] ?? argv[++i];
        if (!value) {
            throw new Error(`--${m[1]} needs a value: npm start -- --kubeconfig ~/.kube/config`);
        }
        if (m[1] === "kubeconfig") {
            kubeconfig = value;
        } else {
            istiodValues = value;
        }
    }
    return { ...(kubeconfig ? { kubeconfig } : {}), ...(istiodValues ? { istiodValues } : {}) };
}

/** Where the story keeps its state and writes its manifests. */
export interface StoryPaths {
    /** State backend and Pulumi home. @default <package>/.mesh-rollout */
    readonly workDir: string;
    /** Manifests: `current/` and one snapshot per applied step. @default <package>/out */
    readonly outDir: string;
    /** The stack's name (its config file is Pulumi.<name>.yaml at the package root, git-ignored). @default "story" */
    readonly stackName: string;
}

export const DEFAULT_STORY_PATHS: StoryPaths = { workDir: path.join(PACKAGE_ROOT, ".mesh-rollout"), outDir: path.join(PACKAGE_ROOT, "out"), stackName: "story" };

/** The default paths, or `$MESH_ROLLOUT_STORY_DIR/{work,out}` when that is set (a second story beside the first). */
export function storyPathsFromEnv(env: NodeJS.ProcessEnv = process.env): StoryPaths {
    const dir = env.MESH_ROLLOUT_STORY_DIR;
    return dir ? { workDir: path.resolve(dir, "work"), outDir: path.resolve(dir, "out"), stackName: "story" } : DEFAULT_STORY_PATHS;
}

async function openStack(paths: StoryPaths, kubeconfig?: string, istiodValues?: string): Promise<Stack> {
    const work = paths.workDir;
    const stateDir = path.join(work, "state");
    const home = path.join(work, "home");
    fs.mkdirSync(stateDir, { recursive: true });
    fs.mkdirSync(home, { recursive: true });
    const bin = engineBinDir();
    const envVars = {
        ...engineEnv(bin, stateDir, home, process.env.PULUMI_CONFIG_PASSPHRASE ?? "mesh-rollout-story"),
        // The Kubernetes provider refuses an ambient KUBECONFIG beside renderYamlToDirectory.
        ...(kubeconfig ? {} : { KUBECONFIG: "" }),
    };
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin) });
    const ws = await LocalWorkspace.create({ workDir: PACKAGE_ROOT, envVars, pulumiHome: home, pulumiCommand });
    const outDir = paths.outDir;
    // Each run tells the whole story again from an empty stack.
    const STACK = paths.stackName;
    if ((await ws.listStacks()).some((s) => s.name === STACK)) {
        if (kubeconfig) {
            const old = await Stack.select(STACK, ws);
            console.log(`Destroying the previous story's resources on the cluster...`);
            await old.destroy({ color: "never" });
        }
        await ws.removeStack(STACK, { force: true });
    }
    fs.rmSync(outDir, { recursive: true, force: true });
    // The stack's config file outlives the stack: a story told against a cluster left its kubeconfig
    // there, and the next story, with no cluster, would have targeted that cluster again.
    fs.rmSync(path.join(PACKAGE_ROOT, `Pulumi.${STACK}.yaml`), { force: true });
    const stack = await Stack.create(STACK, ws);
    await stack.setAllConfig({
        "mesh-rollout:renderDir": { value: path.join(outDir, "current") },
        ...(kubeconfig ? { "mesh-rollout:kubeconfig": { value: path.resolve(kubeconfig) } } : {}),
        ...(istiodValues ? { "mesh-rollout:istiodValues": { value: istiodValues } } : {}),
    });
    return stack;
}

async function applyStep(stack: Stack, step: StoryStep): Promise<OperationResult> {
    for (const [key, value] of Object.entries(step.config)) {
        if (value === undefined) {
            await stack.removeConfig(`mesh-rollout:${key}`);
        } else {
            await stack.setConfig(`mesh-rollout:${key}`, { value });
        }
    }
    // As `pulumi up` does: a preview first, where every policy judges the whole plan before anything
    // is touched; the update only when the preview passed.
    const preview = eventCollector();
    try {
        await stack.preview({ policyPacks: [MESH_ROLLOUT_PACK], onEvent: preview.onEvent, color: "never" });
    } catch (e) {
        return preview.result(false, commandOutput(e, "stdout"), commandOutput(e, "stderr"));
    }
    const c = eventCollector();
    try {
        const r = await stack.up({ policyPacks: [MESH_ROLLOUT_PACK], onEvent: c.onEvent, color: "never" });
        return c.result(true, r.stdout, r.stderr);
    } catch (e) {
        return c.result(false, commandOutput(e, "stdout"), commandOutput(e, "stderr"));
    }
}

/**
 * After an applied step, the same program previewed again must change nothing (`pulumi preview
 * --expect-no-changes`): no resource, and no provider, is left to update.
 */
async function previewNoChanges(stack: Stack): Promise<OperationResult> {
    const c = eventCollector();
    try {
        const r = await stack.preview({ expectNoChanges: true, policyPacks: [MESH_ROLLOUT_PACK], onEvent: c.onEvent, color: "never" });
        return c.result(true, r.stdout, r.stderr);
    } catch (e) {
        return c.result(false, commandOutput(e, "stdout"), commandOutput(e, "stderr"));
    }
}

/** The mesh's demo traffic: Istio's metrics served for its workloads, scraped by a real Prometheus (Debian's package). */
interface DemoTraffic {
    readonly prometheus: RunningPrometheus;
    readonly metrics: IstioMetricsServer;
}

const WORKLOADS = [
    { namespace: "bookinfo", workload: "productpage" },
    { namespace: "reviews", workload: "reviews" },
];
const SUCCESS_RATE = `sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace=~"bookinfo|reviews",response_code!~"5.*"}[20s])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace=~"bookinfo|reviews"}[20s])) * 100`;

async function startDemoTraffic(): Promise<DemoTraffic> {
    const metrics = await serveIstioMetrics();
    try {
        return { metrics, prometheus: await startPrometheus({ targets: [metrics.target] }) };
    } catch (e) {
        await metrics.close();
        throw e;
    }
}

/** Sets the traffic and waits until Prometheus's success rate over the analysis window shows it. */
async function setTraffic(demo: DemoTraffic, traffic: "healthy" | "failing"): Promise<void> {
    for (const w of WORKLOADS) {
        demo.metrics.setWorkload({ ...w, rps: 20, errorRatio: traffic === "healthy" ? 0 : 0.3, latencyMs: 40 });
    }
    const until = Date.now() + 120_000;
    for (;;) {
        const { value } = await query(demo.prometheus.url, SUCCESS_RATE);
        if (value !== undefined && (traffic === "healthy" ? value >= 99.9 : value < 80)) {
            console.log(`   traffic: ${traffic}; success rate over 20s in Prometheus: ${value.toFixed(1)}%`);
            return;
        }
        if (Date.now() > until) {
            throw new Error(`the story's Prometheus did not show ${traffic} traffic within 120 s (last success rate: ${value ?? "no data"})`);
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
}

/** The plan in words for the step's upgrade, from the config it will run with. */
function planWords(config: Record<string, string | undefined>): string {
    if (config.upgradeTo === undefined || config.stage === undefined) {
        return `no upgrade: the mesh runs ${config.version ?? "1.12.4"}.`;
    }
    const plan = planUpgrade(config.version ?? "1.12.4", config.upgradeTo, "canary");
    return `${plan.allowed ? "" : "REFUSED by the planner: "}${plan.reason} Stage now: ${config.stage}.`;
}

export async function runStory(argv: readonly string[], paths: StoryPaths = DEFAULT_STORY_PATHS): Promise<number> {
    const { kubeconfig, istiodValues } = parseArgs(argv);
    const outDir = paths.outDir;
    console.log(`mesh-rollout story: ${STORY.length} ordered stack updates, policy pack ${path.relative(PACKAGE_ROOT, MESH_ROLLOUT_PACK)}`);
    console.log(kubeconfig ? `Target: the cluster of ${kubeconfig}` : "Target: no cluster; manifests rendered to out/ (Kubernetes provider renderYamlToDirectory)");
    const stack = await openStack(paths, kubeconfig, istiodValues);
    // The analysis before finalize needs a Prometheus: the story starts one (Debian's package, fetched by
    // scripts/prometheus) scraping the mesh's demo traffic. Without it the gate steps cannot be shown.
    let demo: DemoTraffic | undefined;
    try {
        demo = await startDemoTraffic();
        await stack.setConfig("mesh-rollout:prometheusAddress", { value: demo.prometheus.url });
        console.log(`Prometheus: ${demo.prometheus.url} (pid ${demo.prometheus.pid}), scraping the mesh's demo traffic at ${demo.metrics.target}`);
    } catch (e) {
        console.log(`Prometheus: not available (${(e instanceof Error ? e.message : String(e)).split("\n")[0]}); the analysis steps are skipped and finalize runs "not verified"`);
    }
    try {
        return await tellStory(stack, demo, kubeconfig, outDir);
    } finally {
        await demo?.prometheus.stop();
        await demo?.metrics.close();
    }
}

async function tellStory(stack: Stack, demo: DemoTraffic | undefined, kubeconfig: string | undefined, outDir: string): Promise<number> {
    const story = STORY.filter((s) => demo !== undefined || !(s.traffic !== undefined && s.expectRefused));
    const outcomes: StepOutcome[] = [];
    const config: Record<string, string | undefined> = {};
    for (const [i, step] of story.entries()) {
        Object.assign(config, step.config);
        console.log(`\n== Step ${i + 1}/${story.length}: ${step.title}`);
        if (demo !== undefined && step.traffic !== undefined) {
            await setTraffic(demo, step.traffic);
        }
        console.log(`   plan: ${planWords(config)}`);
        const result = await applyStep(stack, step);
        const refusedByPolicy = !result.ok && result.violations.some((v) => v.level === "mandatory");
        let manifests = "-";
        if (result.ok && !kubeconfig) {
            const snapshot = path.join(outDir, `${String(i + 1).padStart(2, "0")}-${step.slug}`);
            fs.cpSync(path.join(outDir, "current"), snapshot, { recursive: true });
            manifests = path.relative(process.cwd(), snapshot);
        }
        console.log(describeChanges(result));
        console.log(describeVerdicts(result));
        if (!result.ok && !refusedByPolicy) {
            console.log(`   error: ${(result.errors.length > 0 ? result.errors : [result.stderr.trim().split("\n").slice(-3).join(" ")]).join("\n          ").trim()}`);
        }
        let settled = true;
        if (result.ok) {
            const again = await previewNoChanges(stack);
            settled = again.ok && again.changes.filter((c) => c.type !== "pulumi:pulumi:Stack").length === 0;
            console.log(settled ? "   re-preview (--expect-no-changes): no changes" : `   re-preview (--expect-no-changes): CHANGES LEFT\n${describeChanges(again)}`);
        }
        const outcome: StepOutcome = {
            n: i + 1,
            slug: step.slug,
            result: !settled ? "failed" : result.ok ? "applied" : refusedByPolicy ? "refused" : "failed",
            operation: result,
            manifests,
            expected: step.expectRefused ? "refused" : "applied",
        };
        console.log(`   result: ${outcome.result}${outcome.result === "refused" ? " (nothing was applied)" : ""}${manifests !== "-" ? `; manifests in ${manifests}` : ""}`);
        outcomes.push(outcome);
        if (outcome.result === "failed") {
            break;
        }
        if (step.expectRefused && result.ok) {
            break;
        }
    }
    console.log(`\n${renderSummary(outcomes)}`);
    const asExpected = outcomes.length === story.length && outcomes.every((o) => o.result === o.expected);
    console.log(
        asExpected
            ? `\nThe story ran as expected. Manifests of each applied stage: ${path.relative(process.cwd(), outDir) || "out"}/<NN>-<step>/`
            : "\nThe story did not run as expected (see above).",
    );
    return asExpected ? 0 : 1;
}

if (require.main === module) {
    runStory(process.argv.slice(2), storyPathsFromEnv()).then(
        (code) => (process.exitCode = code),
        (e: unknown) => {
            console.error(`mesh-rollout story: ${e instanceof Error ? e.message : String(e)}`);
            process.exitCode = 2;
        },
    );
}
