// The Pulumi engine as the CLI and the tests drive it: where the CLI is, the environment it runs
// with (local file backend, passphrase secrets, no plugin downloads, no update checks), and the
// engine events turned into steps and policy verdicts.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";

export const PACKAGE_ROOT = path.resolve(__dirname, "..", fs.existsSync(path.resolve(__dirname, "..", "package.json")) ? "" : "..");
/** The project's own policy pack. */
export const MESH_ROLLOUT_PACK = path.join(PACKAGE_ROOT, "policy-packs", "mesh-rollout");

let binDir: string | undefined;

/**
 * The bin directory of the pinned Pulumi CLI, its Node language host and the Kubernetes provider:
 * scripts/engine prints it, building and caching the engine first if needed (progress on stderr).
 */
export function engineBinDir(): string {
    if (binDir === undefined) {
        const out = execFileSync("bash", [path.join(PACKAGE_ROOT, "scripts", "engine")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        const lines = out.trim().split("\n");
        const dir = lines[lines.length - 1];
        if (!fs.existsSync(path.join(dir, "pulumi"))) {
            throw new Error(`scripts/engine printed ${dir}, which holds no pulumi binary`);
        }
        binDir = dir;
    }
    return binDir;
}

/** The environment every engine command runs with: local state, no cloud, no downloads. */
export function engineEnv(bin: string, stateDir: string, home: string, passphrase: string): Record<string, string> {
    return {
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
        PULUMI_HOME: home,
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    };
}

/** One step the engine planned or applied. */
export interface StepRecord {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly op: OpType;
    readonly diffs: readonly string[];
    readonly replaceKeys: readonly string[];
}

/** One policy verdict the analyzer reported. */
export interface ViolationRecord {
    readonly policyName: string;
    readonly policyPack: string;
    readonly level: "advisory" | "mandatory" | "remediate" | "disabled" | "warning";
    readonly message: string;
    readonly urn?: string;
}

export interface OperationResult {
    /** The command succeeded (for preview and up: no mandatory violation, no error). */
    readonly ok: boolean;
    readonly steps: readonly StepRecord[];
    /** Steps other than `same`. */
    readonly changes: readonly StepRecord[];
    readonly violations: readonly ViolationRecord[];
    /** Diagnostics the engine printed at error level. */
    readonly errors: readonly string[];
    /** Diagnostics at info and warning level (what a program or component logged), in order. */
    readonly messages: readonly string[];
    readonly stdout: string;
    readonly stderr: string;
}

/** Collects engine events of one command into an {@link OperationResult}. */
export function eventCollector() {
    const steps: StepRecord[] = [];
    const violations: ViolationRecord[] = [];
    const errors: string[] = [];
    const messages: string[] = [];
    const onEvent = (event: EngineEvent) => {
        if (event.resourcePreEvent) {
            const m = event.resourcePreEvent.metadata;
            steps.push({ urn: m.urn, type: m.type, name: m.urn.split("::").pop() ?? m.urn, op: m.op, diffs: m.diffs ?? [], replaceKeys: m.keys ?? [] });
        }
        if (event.policyEvent) {
            const p = event.policyEvent;
            violations.push({ policyName: p.policyName, policyPack: p.policyPackName, level: p.enforcementLevel, message: p.message, urn: p.resourceUrn });
        }
        if (event.diagnosticEvent && event.diagnosticEvent.severity === "error") {
            errors.push(event.diagnosticEvent.message);
        } else if (event.diagnosticEvent && (event.diagnosticEvent.severity === "info" || event.diagnosticEvent.severity === "warning")) {
            messages.push(event.diagnosticEvent.message);
        }
    };
    return {
        onEvent,
        result(ok: boolean, stdout: string, stderr: string): OperationResult {
            return { ok, steps, changes: steps.filter((s) => s.op !== "same"), violations, errors, messages, stdout, stderr };
        },
    };
}

/** stdout or stderr of a failed Automation API command. */
export function commandOutput(e: unknown, which: "stdout" | "stderr"): string {
    const result = (e as { commandResult?: { stdout?: string; stderr?: string } }).commandResult;
    if (result !== undefined) {
        return result[which] ?? "";
    }
    return which === "stderr" ? String(e) : "";
}
