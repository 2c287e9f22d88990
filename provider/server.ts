// The mesh-rollout resource provider (`pulumi-resource-mesh-rollout`): the engine runs it as a plugin.
// - Records (`MeshUpgradeLedger`, `SidecarVersionRecord`): full CRUD, state only; `check` carries `prior`.
// - Components (`MeshRevision`, `CanaryRelease`, `SidecarVersion`, `SidecarSetUpgrade`): `construct`, so
//   that YAML, Python and Go programs get exactly the TypeScript components (same code, same children).
// - `NamespaceInjectionSwap`: one merge patch swapping an existing namespace's istio-injection for
//   istio.io/rev (live mode), and its release on delete.
// - `getSchema`: schema.json, checked in at the package root.
import fs from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as provider from "@pulumi/pulumi/provider";
import { CanaryRelease } from "../components/canary-release";
import { MeshRevision } from "../components/mesh-revision";
import { SidecarSetUpgrade } from "../components/sidecar-set-upgrade";
import { SidecarVersion } from "../components/sidecar-version";
import { MeshRolloutValidationError } from "../domain/errors";
import type { DataPlaneObservation } from "../domain/data-plane";
import { ImageUsers, InjectionSwap, observeDataPlane as readDataPlane, observeImageUsers as readImageUsers, releaseSwappedLabel, swapInjectionLabel } from "./live";
import { analysisVerdict, AnalysisSpec, AnalysisVerdict, CanaryProgress, canaryGateBefore, judgeCheck, QueryAnswer } from "../domain/analysis";
import { PrometheusEndpoint, queryPrometheus } from "./prometheus";
import { describeHook, HookAnswer, Hook, hooksFor, HooksSpec, HooksVerdict, judgeHook } from "../domain/hooks";
import type { CanaryStage } from "../domain/stages";
import { callHook } from "./hooks";
import { canonicalJson, checkRecord, diffRecord, recordOutputs } from "./state-record";
import {
    CANARY_PROGRESS_TYPE,
    CANARY_RELEASE_TYPE,
    MESH_LEDGER_TYPE,
    MESH_REVISION_TYPE,
    MESH_STAGE_APPLIED_TYPE,
    NAMESPACE_INJECTION_SWAP_TYPE,
    SIDECAR_VERSION_RECORD_TYPE,
    PACKAGE_VERSION,
    RECORD_TYPES,
    SIDECAR_SET_UPGRADE_TYPE,
    SIDECAR_VERSION_TYPE,
} from "./tokens";

/** The package root (holds schema.json), from the source tree or from dist/. */
export function packageRoot(): string {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, "schema.json")) || !fs.existsSync(path.join(dir, "package.json"))) {
        const up = path.dirname(dir);
        if (up === dir) {
            throw new Error(`mesh-rollout provider: schema.json not found above ${__dirname}; the package is incomplete (reinstall pulumi-mesh-rollout).`);
        }
        dir = up;
    }
    return dir;
}

function recordType(urn: string): string | undefined {
    const type = urn.split("::")[2]?.split("$").pop();
    return RECORD_TYPES.find((t) => t === type);
}

function isSwap(urn: string): boolean {
    return urn.split("::")[2]?.split("$").pop() === NAMESPACE_INJECTION_SWAP_TYPE;
}

/** The namespace injection swap's inputs, checked. */
function swapFailures(news: Record<string, unknown>): provider.CheckFailure[] {
    return ["namespace", "revLabel", "kubeconfig"]
        .filter((k) => typeof news[k] !== "string" || news[k] === "")
        .map((property) => ({ property, reason: `${property} must be a non-empty string, got ${JSON.stringify(news[property]) ?? "nothing"}` }));
}

function assertRecord(urn: string): void {
    if (recordType(urn) === undefined) {
        throw new Error(`mesh-rollout provider: ${urn} is not a resource this provider manages (it serves ${RECORD_TYPES.join(", ")} and constructs components)`);
    }
}

/** The engine's wire form of a secret (`{ <sig>: <secret sig>, value }`), or a plain value: the plain value. */
export function unwrapSecret(v: unknown): unknown {
    if (v !== null && typeof v === "object" && (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
        return (v as { value?: unknown }).value;
    }
    return v;
}

/**
 * A re-run of an applied state (the same `state` as last applied) keeps the verdict it passed with,
 * found under `key` in the old inputs: no query and no call again, so the re-run changes nothing.
 */
function passedOnRerun<V extends { passed: boolean }>(olds: Record<string, unknown> | undefined, inputs: Record<string, unknown>, key: string): V | undefined {
    const old = olds?.[key] as V | null | undefined;
    return old?.passed === true && canonicalJson(olds?.state ?? null) === canonicalJson(inputs.state) ? old : undefined;
}

/** The kubeconfig path of a record's `liveCheck` input, if it has one. */
function liveKubeconfig(inputs: Record<string, unknown>): string | undefined {
    const kubeconfig = (inputs.liveCheck as { kubeconfig?: unknown } | undefined)?.kubeconfig;
    return typeof kubeconfig === "string" ? kubeconfig : undefined;
}

/** What a component argument resolved to: plain values (secrets kept as secret Outputs), or the paths still unknown. */
interface Resolved {
    readonly value: unknown;
    readonly unknown: readonly string[];
}

interface OutputInternals {
    readonly isKnown: Promise<boolean>;
    readonly isSecret: Promise<boolean>;
    promise(withUnknowns?: boolean): Promise<unknown>;
}

/**
 * Resolves construct inputs to the plain values the components take. A known secret stays a secret
 * Output (the components keep secrets secret); a value unknown at preview is reported by its path.
 */
export async function resolveInputs(value: unknown, at: string): Promise<Resolved> {
    if (pulumi.Output.isInstance(value)) {
        const o = value as unknown as OutputInternals;
        if (!(await o.isKnown)) {
            return { value: undefined, unknown: [at] };
        }
        const inner = await resolveInputs(await o.promise(true), at);
        if (inner.unknown.length > 0) {
            return inner;
        }
        return { value: (await o.isSecret) ? pulumi.secret(inner.value) : inner.value, unknown: [] };
    }
    if (pulumi.isUnknown(value)) {
        return { value: undefined, unknown: [at] };
    }
    if (Array.isArray(value)) {
        const items = await Promise.all(value.map((v, i) => resolveInputs(v, `${at}[${i}]`)));
        return { value: items.map((r) => r.value), unknown: items.flatMap((r) => r.unknown) };
    }
    if (value !== null && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveInputs(v, `${at}.${k}`)] as const));
        return { value: Object.fromEntries(entries.map(([k, r]) => [k, r.value])), unknown: entries.flatMap(([, r]) => r.unknown) };
    }
    return { value, unknown: [] };
}

type ComponentFactory = (name: string, args: never, opts: pulumi.ComponentResourceOptions) => pulumi.ComponentResource;

/** Each component's constructor and the outputs it returns to the calling program. */
const COMPONENTS: Record<string, { readonly create: ComponentFactory; readonly outputs: readonly string[] }> = {
    [MESH_REVISION_TYPE]: {
        create: (n, a, o) => new MeshRevision(n, a, o),
        outputs: ["revisions", "tags", "stillOnOldRevision", "stage", "plan", "podsOnOldRevision", "dataPlane", "analysis"],
    },
    [CANARY_RELEASE_TYPE]: { create: (n, a, o) => new CanaryRelease(n, a, o), outputs: ["routing", "subsets", "traffic", "deploymentName", "analysis"] },
    [SIDECAR_VERSION_TYPE]: { create: (n, a, o) => new SidecarVersion(n, a, o), outputs: ["version", "image", "digest", "catalogObject"] },
    [SIDECAR_SET_UPGRADE_TYPE]: { create: (n, a, o) => new SidecarSetUpgrade(n, a, o), outputs: ["sidecarSets", "version"] },
};

/** The outputs construct returns for a component type (the schema's `properties`). */
export function componentOutputs(type: string): readonly string[] {
    return COMPONENTS[type]?.outputs ?? [];
}

/**
 * A component whose arguments are not all known yet (preview, with a value from a resource not yet
 * created): it is registered alone, says what it could not check, and is built and checked at apply.
 */
class PendingComponent extends pulumi.ComponentResource {
    constructor(type: string, name: string, unknown: readonly string[], opts: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        const shown = unknown.length > 3 ? `${unknown.slice(0, 3).join(", ")} and ${unknown.length - 3} more` : unknown.join(", ");
        pulumi.log.info(
            `mesh-rollout: ${type.split(":").pop()} "${name}" not checked yet: ${shown} ${unknown.length === 1 ? "is" : "are"} known only after apply (from another resource); its arguments are validated and its children planned when they are known.`,
            this,
        );
        this.registerOutputs({});
    }
}

/** The Pulumi provider of mesh-rollout. */
export class MeshRolloutProvider implements provider.Provider {
    readonly version = PACKAGE_VERSION;
    readonly schema: string;

    constructor(
        schema?: string,
        private readonly observeDataPlane: (kubeconfig: string | undefined, namespaces: readonly string[]) => Promise<DataPlaneObservation> = readDataPlane,
        private readonly observeImageUsers: (kubeconfig: string | undefined, images: readonly string[]) => Promise<ImageUsers> = readImageUsers,
        private readonly swapLabel: (kubeconfig: string, namespace: string, revLabel: string) => Promise<InjectionSwap> = swapInjectionLabel,
        private readonly releaseLabel: (kubeconfig: string, namespace: string) => Promise<void> = releaseSwappedLabel,
        private readonly queryMetrics: (ep: PrometheusEndpoint, query: string) => Promise<QueryAnswer> = queryPrometheus,
        private readonly now: () => Date = () => new Date(),
        private readonly hookCall: (hook: Hook, payload: unknown) => Promise<HookAnswer> = callHook,
    ) {
        this.schema = schema ?? fs.readFileSync(path.join(packageRoot(), "schema.json"), "utf8");
    }

    async check(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<provider.CheckResult> {
        if (isSwap(urn)) {
            const failures = swapFailures(news);
            return failures.length > 0 ? { failures } : { inputs: { namespace: news.namespace, revLabel: news.revLabel, kubeconfig: news.kubeconfig } };
        }
        assertRecord(urn);
        const failures: provider.CheckFailure[] = [];
        if (typeof news.key !== "string" || news.key === "") {
            failures.push({ property: "key", reason: `key must be a non-empty string (the mesh name or the sidecar version), got ${JSON.stringify(news.key) ?? "nothing"}` });
        }
        if (news.state === null || typeof news.state !== "object" || Array.isArray(news.state)) {
            failures.push({ property: "state", reason: "state must be an object (the applied stage or version spec)" });
        }
        if (failures.length > 0) {
            return { failures };
        }
        const inputs = checkRecord(olds, news);
        const type = recordType(urn);
        if (type === MESH_LEDGER_TYPE) {
            inputs.observed = await this.observe(inputs);
            if (inputs.analysis !== undefined && inputs.analysis !== null) {
                inputs.verdict = await this.analyze(olds, inputs);
            }
            if (inputs.hooks !== undefined && inputs.hooks !== null) {
                inputs.preHooks = await this.preHooks(olds, inputs);
            }
        } else if (type === CANARY_PROGRESS_TYPE) {
            const before = canaryGateBefore((inputs.prior ?? null) as CanaryProgress | null, inputs.state as unknown as CanaryProgress);
            inputs.verdict = before === undefined ? null : await this.gate(olds, inputs, before);
        } else if (type === SIDECAR_VERSION_RECORD_TYPE) {
            inputs.usedBy = await this.observeUsers(inputs);
        }
        return { inputs };
    }

    /**
     * The metric analysis before finalize: its queries run against Prometheus when finalize is previewed
     * and applied. A re-run of an applied finalize keeps the verdict it passed with (no query, no change).
     */
    private async analyze(olds: Record<string, unknown> | undefined, inputs: Record<string, unknown>): Promise<AnalysisVerdict | null> {
        const state = inputs.state as { upgrade?: { stage?: unknown } | null };
        return state.upgrade?.stage === "finalize" ? this.gate(olds, inputs, "finalize") : null;
    }

    /** A gate's verdict: the one a re-run of the same state passed with, else the analysis run now. */
    private async gate(olds: Record<string, unknown> | undefined, inputs: Record<string, unknown>, before: string): Promise<AnalysisVerdict> {
        return passedOnRerun<AnalysisVerdict>(olds, inputs, "verdict") ?? this.runAnalysis(inputs.analysis, before);
    }

    /**
     * The pre hooks of the stage requested, called (POST) when the stage is previewed and applied; a re-run of
     * an applied stage keeps the answers it passed with (no call, no change).
     */
    private async preHooks(olds: Record<string, unknown> | undefined, inputs: Record<string, unknown>): Promise<HooksVerdict | null> {
        const state = inputs.state as { version?: unknown; upgrade?: { to?: unknown; stage?: unknown } | null };
        const stage = state.upgrade?.stage as CanaryStage | undefined;
        const hooks = stage === undefined ? [] : hooksFor(inputs.hooks as HooksSpec, "pre", stage);
        if (stage === undefined || hooks.length === 0) {
            return null;
        }
        const kept = passedOnRerun<HooksVerdict>(olds, inputs, "preHooks");
        if (kept !== undefined) {
            return kept;
        }
        const payload = { mesh: inputs.key, phase: "pre-stage", stage, version: state.version, to: state.upgrade?.to, state: inputs.state };
        const results = [];
        for (const hook of hooks) {
            results.push(judgeHook(hook, await this.hookCall(hook, payload)));
        }
        return { stage, at: this.now().toISOString(), results, passed: results.every((r) => r.passed) };
    }

    /** The post hooks of an applied stage (MeshStageApplied's create and update): each gets what was applied; a failure fails the record. */
    private async postHooks(inputs: Record<string, unknown>): Promise<void> {
        const state = inputs.state as { version?: unknown; upgrade?: { to?: unknown; stage?: unknown } | null };
        const stage = state.upgrade?.stage as CanaryStage | undefined;
        if (inputs.hooks === undefined || inputs.hooks === null || stage === undefined) {
            return;
        }
        const payload = { mesh: inputs.key, phase: "post-stage", stage, version: state.version, to: state.upgrade?.to, applied: inputs.state };
        for (const hook of hooksFor(inputs.hooks as HooksSpec, "post", stage)) {
            const r = judgeHook(hook, await this.hookCall(hook, payload));
            if (!r.passed) {
                throw new Error(
                    `mesh-rollout: post hook ${describeHook(r)} after stage ${stage} of mesh ${String(inputs.key)}. Every child of the stage is applied, but the stage is not recorded as completed: fix the hook's side, then run pulumi up again (it calls the post hooks again).`,
                );
            }
        }
    }

    /** Runs every check of a gate and judges it; without a Prometheus address the gate is not verified. */
    private async runAnalysis(input: unknown, before: string): Promise<AnalysisVerdict> {
        // The whole input may arrive as a secret (it holds the credentials): unwrap it, then them.
        const analysis = (unwrapSecret(input) ?? {}) as { spec?: AnalysisSpec; credentials?: unknown };
        const spec = analysis.spec as AnalysisSpec;
        const at = this.now().toISOString();
        if (spec.address === undefined) {
            return analysisVerdict(spec, before, at, { unverified: "no Prometheus address (mesh-rollout:prometheusAddress)" });
        }
        const credentials = unwrapSecret(analysis.credentials) as { bearerToken?: unknown; username?: unknown; password?: unknown } | undefined;
        const ep: PrometheusEndpoint = {
            address: spec.address,
            ...(typeof credentials?.bearerToken === "string" ? { bearerToken: credentials.bearerToken } : {}),
            ...(typeof credentials?.username === "string" ? { username: credentials.username } : {}),
            ...(typeof credentials?.password === "string" ? { password: credentials.password } : {}),
        };
        const results = [];
        for (const check of spec.checks) {
            results.push(judgeCheck(check, await this.queryMetrics(ep, check.query)));
        }
        return analysisVerdict(spec, before, at, results);
    }

    /**
     * An edited catalog version (same version, new digest): who in the cluster uses it, by the image it
     * was applied with or the new one. Not read otherwise: a re-run or a new version cannot break a user.
     */
    private async observeUsers(inputs: Record<string, unknown>): Promise<ImageUsers | null> {
        const state = inputs.state as { version?: unknown; digest?: unknown; image?: unknown };
        const prior = inputs.prior as { version?: unknown; digest?: unknown; image?: unknown } | null;
        if (prior === null || prior === undefined || prior.version !== state.version || prior.digest === state.digest) {
            return null;
        }
        const images = [prior.image, state.image].filter((i): i is string => typeof i === "string");
        return this.observeImageUsers(liveKubeconfig(inputs), images);
    }

    /**
     * The live data plane under an upgrade, an in-place version change or the end of a rollback: the pods of the namespaces
     * bound to the mesh (and of its gateways), read with the kubeconfig of `liveCheck`. Otherwise there is
     * nothing to judge.
     */
    private async observe(inputs: Record<string, unknown>): Promise<DataPlaneObservation | null> {
        const state = inputs.state as { version?: unknown; upgrade?: unknown; namespaces?: Record<string, unknown>; gateways?: Record<string, unknown> };
        const prior = inputs.prior as { version?: unknown; upgrade?: unknown } | null | undefined;
        const upgrading = state.upgrade !== null && state.upgrade !== undefined;
        // An in-place change (a new version, no upgrade declared before or now) replaces the revision in one update.
        const inPlace = !upgrading && prior !== null && prior !== undefined && (prior.upgrade === null || prior.upgrade === undefined) && prior.version !== state.version;
        // The end of a rollback (the upgrade removed after stage rollback) removes the new revision.
        const endOfRollback = !upgrading && (prior?.upgrade as { stage?: unknown } | null | undefined)?.stage === "rollback";
        if (!upgrading && !inPlace && !endOfRollback) {
            return null;
        }
        const namespaces = new Set([...Object.keys(state.namespaces ?? {}), ...Object.keys(state.gateways ?? {}).map((g) => g.split("/")[0])]);
        return this.observeDataPlane(liveKubeconfig(inputs), [...namespaces]);
    }

    async diff(_id: string, urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<provider.DiffResult> {
        if (isSwap(urn)) {
            const diffs = ["namespace", "revLabel", "kubeconfig"].filter((k) => olds[k] !== news[k]);
            return { changes: diffs.length > 0, replaces: diffs.includes("namespace") ? ["namespace"] : [], deleteBeforeReplace: false };
        }
        assertRecord(urn);
        const d = diffRecord(olds, news);
        return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false };
    }

    async create(urn: string, inputs: Record<string, unknown>): Promise<provider.CreateResult> {
        if (isSwap(urn)) {
            return { id: String(inputs.namespace), outs: { ...inputs, ...(await this.swap(inputs)) } };
        }
        assertRecord(urn);
        if (recordType(urn) === MESH_STAGE_APPLIED_TYPE) {
            await this.postHooks(inputs);
        }
        return { id: String(inputs.key), outs: recordOutputs(inputs) };
    }

    async read(id: string, urn: string, props?: Record<string, unknown>): Promise<provider.ReadResult> {
        if (isSwap(urn)) {
            return { id, props: props ?? {} };
        }
        assertRecord(urn);
        return { id, props: props ?? {} };
    }

    async update(_id: string, urn: string, _olds: Record<string, unknown>, news: Record<string, unknown>): Promise<provider.UpdateResult> {
        if (isSwap(urn)) {
            return { outs: { ...news, ...(await this.swap(news)) } };
        }
        assertRecord(urn);
        if (recordType(urn) === MESH_STAGE_APPLIED_TYPE) {
            await this.postHooks(news);
        }
        return { outs: recordOutputs(news) };
    }

    /**
     * State only: nothing outside the stack to remove. But a catalog version whose image a SidecarSet or
     * a pod in the cluster still uses (read with its liveCheck kubeconfig) is not deleted: the update
     * stops here, naming the users. (Policies never see a deletion, so this is where it is refused.)
     */
    /** Swaps an existing namespace's istio-injection for istio.io/rev in one patch; a failure says what the kubeconfig needs. */
    private async swap(inputs: Record<string, unknown>): Promise<InjectionSwap> {
        try {
            return await this.swapLabel(String(inputs.kubeconfig), String(inputs.namespace), String(inputs.revLabel));
        } catch (e) {
            throw new Error(
                `mesh-rollout: could not bind namespace ${String(inputs.namespace)} by istio.io/rev=${String(inputs.revLabel)} in place of its istio-injection label: ${(e instanceof Error ? e.message : String(e)).slice(0, 300)}. The liveCheck kubeconfig's user needs get and patch on namespaces; or run kubectl label namespace ${String(inputs.namespace)} istio-injection- istio.io/rev=${String(inputs.revLabel)} --overwrite and apply again.`,
            );
        }
    }

    async delete(_id: string, urn: string, props: Record<string, unknown>): Promise<void> {
        if (isSwap(urn)) {
            if (typeof props?.kubeconfig === "string" && typeof props.namespace === "string") {
                await this.releaseLabel(props.kubeconfig, props.namespace);
            }
            return;
        }
        if (recordType(urn) !== SIDECAR_VERSION_RECORD_TYPE) {
            return;
        }
        const state = (props?.state ?? {}) as { version?: unknown; image?: unknown };
        const kubeconfig = liveKubeconfig(props ?? {});
        if (kubeconfig === undefined || typeof state.image !== "string") {
            return;
        }
        const used = await this.observeImageUsers(kubeconfig, [state.image]);
        if (used.verified && used.users.length > 0) {
            const users = used.users.length > 5 ? `${used.users.slice(0, 5).join(", ")} and ${used.users.length - 5} more` : used.users.join(", ");
            throw new Error(
                `sidecar version ${String(state.version)} must not be deleted while in use in the cluster (by ${users}): its image ${state.image} is still injected. Switch those users to another catalog version (or remove them), then run the update again.`,
            );
        }
    }

    async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<provider.ConstructResult> {
        const component = COMPONENTS[type];
        if (component === undefined) {
            throw new Error(`mesh-rollout provider: unknown component type ${type}; it constructs ${Object.keys(COMPONENTS).join(", ")}`);
        }
        const resolved = await resolveInputs(inputs, "args");
        if (resolved.unknown.length > 0) {
            const pending = new PendingComponent(type, name, resolved.unknown, options);
            return { urn: pending.urn, state: {} };
        }
        let instance: pulumi.ComponentResource;
        try {
            instance = component.create(name, resolved.value as never, options);
        } catch (e) {
            if (e instanceof MeshRolloutValidationError) {
                // The engine prints this as the resource's error, with no stack trace: the message is the answer.
                throw new pulumi.InputPropertiesError({ message: `${type.split(":").pop()} "${name}": ${e.message}`, errors: [{ propertyPath: e.path, reason: e.message }] });
            }
            throw e;
        }
        const record = instance as unknown as Record<string, unknown>;
        const state = Object.fromEntries(component.outputs.filter((k) => record[k] !== undefined).map((k) => [k, record[k]]));
        return { urn: instance.urn, state };
    }
}

/** Starts the provider: `pulumi-resource-mesh-rollout <engine address>`. */
export function main(args: string[]): Promise<void> {
    return provider.main(new MeshRolloutProvider(), args);
}
