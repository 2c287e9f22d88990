/**
 * Integration harness: drives the real Pulumi CLI (built by scripts/engine), the real Node.js language
 * host, the real Kubernetes provider and the real policy analyzer through the Automation API.
 * Each stack gets its own local file backend, PULUMI_HOME and render directory in a temp folder; no
 * network, no Pulumi Cloud: a passphrase secrets provider and PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigMap, EngineEvent, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { commandOutput, engineBinDir, engineEnv, eventCollector, OperationResult } from "../../cli/engine";

export { engineBinDir, MESH_ROLLOUT_PACK } from "../../cli/engine";
export type { OperationResult, StepRecord, ViolationRecord } from "../../cli/engine";

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const PROGRAMS = path.join(__dirname, "programs");
export const PACKS = path.join(__dirname, "packs");

export interface UpResult extends OperationResult {
    /** Files in the render directory after the update, path relative to it -> content. */
    readonly rendered: Readonly<Record<string, string>>;
}

export interface TestStackOptions {
    /** A program folder under tests/integration/programs, or an absolute path to one. */
    readonly program: string;
    readonly stackName?: string;
    /** Stack config; keys without a namespace get the project's. */
    readonly config?: Readonly<Record<string, string>>;
    /** Secret config values. */
    readonly secrets?: Readonly<Record<string, string>>;
    /**
     * Target this cluster (a kubeconfig path): the program reads it from `mesh-rollout-test:kubeconfig`
     * (examples: `example:kubeconfig`) instead of rendering to a folder.
     */
    readonly kubeconfig?: string;
    /**
     * Continue this stack (same backend, home, render directory and stack name) with another program:
     * a program upgrade, as when a project moves to a new release of the package.
     */
    readonly continues?: TestStack;
}

/** A stack of a test program with its own backend, home and render directory. */
export class TestStack {
    private constructor(
        readonly stack: Stack,
        readonly root: string,
        readonly renderDir: string,
        readonly programDir: string,
    ) {}

    static async create(opts: TestStackOptions): Promise<TestStack> {
        const bin = engineBinDir();
        const root = opts.continues?.root ?? fs.mkdtempSync(path.join(os.tmpdir(), "mesh-rollout-it-"));
        const renderDir = path.join(root, "rendered");
        const stateDir = path.join(root, "state");
        const home = path.join(root, "home");
        fs.mkdirSync(stateDir, { recursive: true });
        fs.mkdirSync(home, { recursive: true });
        const programDir = path.isAbsolute(opts.program) ? opts.program : path.join(PROGRAMS, opts.program);
        // Never read a kubeconfig of the machine's: tests render to a folder.
        const envVars = { ...engineEnv(bin, stateDir, home, "mesh-rollout-tests"), KUBECONFIG: "" };
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin) });
        const stackName = opts.continues?.stack.name ?? opts.stackName ?? `t${process.pid}${Math.random().toString(36).slice(2, 8)}`;
        const ws = await LocalWorkspace.create({ workDir: programDir, envVars, pulumiHome: home, pulumiCommand });
        const stack = opts.continues !== undefined ? await Stack.select(stackName, ws) : await Stack.create(stackName, ws);
        const config: ConfigMap = { "mesh-rollout-test:renderDir": { value: renderDir } };
        if (opts.kubeconfig !== undefined) {
            config["mesh-rollout-test:kubeconfig"] = { value: opts.kubeconfig };
            config["example:kubeconfig"] = { value: opts.kubeconfig };
        }
        for (const [k, v] of Object.entries(opts.config ?? {})) {
            config[k] = { value: v };
        }
        for (const [k, v] of Object.entries(opts.secrets ?? {})) {
            config[k] = { value: v, secret: true };
        }
        await stack.setAllConfig(config);
        return new TestStack(stack, root, renderDir, programDir);
    }

    async setConfig(values: Readonly<Record<string, string>>): Promise<void> {
        const config: ConfigMap = {};
        for (const [k, v] of Object.entries(values)) {
            config[k] = { value: v };
        }
        await this.stack.setAllConfig(config);
    }

    async removeConfig(keys: readonly string[]): Promise<void> {
        await this.stack.removeAllConfig([...keys]);
    }

    /** Runs one engine command with an event collector; a failed command is a result with `ok: false`, not a throw. */
    private async collect(run: (onEvent: (e: EngineEvent) => void) => Promise<{ stdout: string; stderr: string }>): Promise<OperationResult> {
        const c = eventCollector();
        try {
            const r = await run(c.onEvent);
            return c.result(true, r.stdout, r.stderr);
        } catch (e) {
            return c.result(false, commandOutput(e, "stdout"), commandOutput(e, "stderr"));
        }
    }

    async preview(opts: { policyPacks?: readonly string[]; expectNoChanges?: boolean } = {}): Promise<OperationResult> {
        return this.collect((onEvent) =>
            this.stack.preview({
                policyPacks: [...(opts.policyPacks ?? [])],
                onEvent,
                color: "never",
                diff: false,
                ...(opts.expectNoChanges ? { expectNoChanges: true } : {}),
            }),
        );
    }

    /**
     * `pulumi up` as a person runs it: a preview first (where every policy, stack policies included,
     * judges the whole plan before anything is touched), then the update only if the preview passed.
     * (The Automation API's own `up` skips that preview.)
     */
    async up(opts: { policyPacks?: readonly string[] } = {}): Promise<UpResult> {
        const preview = await this.preview(opts);
        if (!preview.ok) {
            return { ...preview, rendered: readTree(this.renderDir) };
        }
        return this.upWithoutPreview(opts);
    }

    /** `pulumi up --skip-preview`: policies judge each resource as the update reaches it. */
    async upWithoutPreview(opts: { policyPacks?: readonly string[] } = {}): Promise<UpResult> {
        const result = await this.collect((onEvent) => this.stack.up({ policyPacks: [...(opts.policyPacks ?? [])], onEvent, color: "never" }));
        return { ...result, rendered: readTree(this.renderDir) };
    }

    /** `pulumi refresh`: reads every resource back from where it lives (the cluster) into the state. */
    async refresh(opts: { expectNoChanges?: boolean } = {}): Promise<OperationResult> {
        return this.collect((onEvent) => this.stack.refresh({ onEvent, color: "never", ...(opts.expectNoChanges ? { expectNoChanges: true } : {}) }));
    }

    async destroy(): Promise<OperationResult> {
        return this.collect((onEvent) => this.stack.destroy({ onEvent, color: "never" }));
    }

    /** Outputs of the stack, as plain values. */
    async outputs(): Promise<Record<string, unknown>> {
        const out = await this.stack.outputs();
        return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.value]));
    }

    /** The stack's state, as `pulumi stack export` gives it. */
    async exportState(): Promise<unknown> {
        return (await this.stack.exportStack()).deployment;
    }

    /** Removes the stack's temp folder. State is discarded with it. */
    dispose(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
        // The workspace wrote the stack's config file beside the program.
        fs.rmSync(path.join(this.programDir, `Pulumi.${this.stack.name}.yaml`), { force: true });
    }
}

/** Every file under `dir`, relative path -> content; empty when the folder does not exist. */
export function readTree(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
        if (!fs.existsSync(d)) {
            return;
        }
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, entry.name);
            if (entry.isDirectory()) {
                walk(p);
            } else {
                out[path.relative(dir, p)] = fs.readFileSync(p, "utf8");
            }
        }
    };
    walk(dir);
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Why an operation failed, for assertion messages: errors, stderr and the planned changes. */
export function explain(r: OperationResult): string {
    return `${r.errors.join("\n")}\n${r.stderr}\n${r.changes.map((c) => `${c.op} ${c.type} ${c.name} ${c.diffs.join(",")}`).join("\n")}`;
}

/**
 * The acceptance round trip of a program on a cluster: `up` with the policy packs (no mandatory
 * violation), `check` reads the cluster back, then preview and refresh change nothing, and destroy
 * leaves an empty state.
 */
export async function clusterRoundTrip(s: TestStack, policyPacks: readonly string[], check: () => Promise<void>): Promise<void> {
    const up = await s.up({ policyPacks });
    assert.equal(up.ok, true, explain(up));
    assert.deepEqual(
        up.violations.filter((v) => v.level === "mandatory"),
        [],
    );
    await check();
    const preview = await s.preview({ policyPacks, expectNoChanges: true });
    assert.equal(preview.ok, true, `preview after up: ${explain(preview)}`);
    const refresh = await s.refresh({ expectNoChanges: true });
    assert.equal(refresh.ok, true, `refresh after up: ${explain(refresh)}`);
    const destroyed = await s.destroy();
    assert.equal(destroyed.ok, true, explain(destroyed));
    assert.deepEqual((await s.stack.exportStack()).deployment.resources ?? [], [], "nothing left in the state");
}
