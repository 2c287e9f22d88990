// How a MeshRevision runs its control plane: the mode, the istiod chart and the control-plane
// namespace. Checked with the mesh spec, before anything is registered.
import { z } from "zod";
import { AnalysisSpec, parseAnalysis } from "./analysis";
import { HooksSpec, parseHooks } from "./hooks";
import { MeshRolloutValidationError } from "./errors";
import { jsonObjectSetting } from "./json-value";
import { MeshSpec, meshSpecSchema } from "./mesh";
import { parseInput } from "./schema";
import { booleanSetting, remedy, textSetting } from "./settings";

export const MESH_MODES = ["install", "managed"] as const;
export type MeshMode = (typeof MESH_MODES)[number];

const CHART_NAME = /^(?:[a-z0-9][-a-z0-9_.]*\/)?[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/;
const CHART_VERSION = /^v?(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** A local chart directory: `./charts/istiod`, `../istiod`, `/opt/charts/istiod`. */
export function isLocalChartPath(chart: string): boolean {
    return chart.startsWith("./") || chart.startsWith("../") || chart.startsWith("/");
}

function isHttpsUrl(value: string, allowPath = true): boolean {
    try {
        const url = new URL(value);
        return url.protocol === "https:" && url.hostname !== "" && url.username === "" && url.password === "" && (allowPath || url.pathname === "/");
    } catch {
        return false;
    }
}

export const istiodChartSchema = z
    .object(
        {
            chart: textSetting({
                rule: "chart/name",
                problem: "is not a chart name, an oci:// reference or a local path",
                remedy: "Give a chart name such as istiod (from 'repository'), an oci:// reference, or a local chart directory such as ./charts/istiod-minimal.",
                test: (v) => CHART_NAME.test(v) || isLocalChartPath(v) || /^oci:\/\/[a-z0-9.-]+(:\d+)?\/\S+$/.test(v),
                max: 1024,
            }).optional(),
            repository: textSetting({
                rule: "chart/repository",
                problem: "is not an https:// address without credentials",
                remedy: "Give the chart repository's https address, e.g. https://istio-release.storage.googleapis.com/charts; put credentials in Helm's repository config, not the address.",
                test: (v) => isHttpsUrl(v),
                max: 2048,
            }).optional(),
            version: textSetting({
                rule: "chart/version",
                problem: "is not a chart version (SemVer x.y.z)",
                remedy: "Give the chart's SemVer version, e.g. 1.14.5, or leave it unset to use the revision's version.",
                test: (v) => CHART_VERSION.test(v),
                max: 128,
            }).optional(),
            values: jsonObjectSetting({
                allowDeferred: true,
                remedy: 'Give chart values as a plain JSON object, e.g. { pilot: { resources: { requests: { cpu: "500m" } } } }.',
            }).optional(),
        },
        remedy('Give the istiod chart as { chart, repository, version, values }, e.g. { chart: "./charts/istiod-minimal" }.'),
    )
    .strict();

/**
 * Safety checks against the live cluster (issue: guards judge what runs, not only what is declared):
 * the ledger's provider reads the pods of the mesh's namespaces with this kubeconfig at every preview
 * and update of an upgrade, and the policy pack refuses finalize while any runs the old revision.
 */
export const liveCheckSchema = z
    .object(
        {
            /** Path of the kubeconfig of the cluster the stack targets (read-only: list pods). Empty or absent: no cluster (render mode). */
            kubeconfig: z.string(remedy('Give the kubeconfig file path, e.g. liveCheck: { kubeconfig: "/home/me/.kube/config" }.')).max(4096).optional(),
            /**
             * What the finalize guard does when the data plane could not be read: `refuse`, or `warn`.
             * @default "warn" without a kubeconfig (render mode), "refuse" with one (a failed read refuses)
             */
            finalizeGate: z.enum(["refuse", "warn"], remedy('Give refuse or warn, e.g. liveCheck: { finalizeGate: "refuse" }.')).optional(),
        },
        remedy('Give { kubeconfig, finalizeGate }, e.g. liveCheck: { kubeconfig: "/home/me/.kube/config" }.'),
    )
    .strict();

export const meshInstallSchema = z
    .object({
        liveCheck: liveCheckSchema.optional(),
        // Checked by parseAnalysis, with the mesh's namespaces as the templates' target.
        analysis: z.unknown().optional(),
        // Checked by parseHooks.
        hooks: z.unknown().optional(),
        mode: z
            .enum(MESH_MODES, remedy('install runs istiod per revision from a Helm chart; managed leaves the control plane to a cloud (ASM). E.g. mode: "install".'))
            .default("install"),
        chart: istiodChartSchema.optional(),
        createIstioNamespace: booleanSetting("createIstioNamespace", false).optional(),
    })
    .strict();

/** The istiod chart as checked; `values` may still be an Output. */
export type IstiodChartSpec = z.output<typeof istiodChartSchema>;

/** How the control plane is run, with defaults resolved. */
export interface MeshInstall {
    readonly mode: MeshMode;
    /** The live checks: the kubeconfig to read pods with (none in render mode) and the gate when unread. */
    readonly liveCheck: { readonly kubeconfig?: string; readonly finalizeGate: "refuse" | "warn" };
    readonly chart?: IstiodChartSpec;
    readonly createIstioNamespace: boolean;
    /** The metric analysis before finalize, its queries resolved for the mesh's namespaces. */
    readonly analysis?: AnalysisSpec;
    /** HTTP hooks before (may refuse) and after each stage. */
    readonly hooks?: HooksSpec;
}

const INSTALL_KEYS = new Set(["mode", "chart", "createIstioNamespace", "liveCheck", "analysis", "hooks"]);

/**
 * Checks all of MeshRevision's arguments (the mesh spec, how it is installed, its analysis; `config` is
 * what the stack config says: the Prometheus address) and returns them
 * parsed, or throws the first problem at its path under `path`. Nothing is registered before this.
 */
export function parseMeshRevisionArgs(args: unknown, path = "args", config: { prometheusAddress?: string } = {}): { spec: MeshSpec; install: MeshInstall } {
    assertArgsObject(args, path, "MeshRevision", '{ version: "1.14.5" }');
    const specInput: Record<string, unknown> = {};
    const installInput: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(args)) {
        (INSTALL_KEYS.has(key) ? installInput : specInput)[key] = value;
    }
    const spec = parseInput(meshSpecSchema, specInput, path);
    const install = parseInput(meshInstallSchema, installInput, path);
    if (install.mode === "managed" && install.chart !== undefined) {
        throw new MeshRolloutValidationError({
            path: `${path}.chart`,
            rule: "mesh/managed-chart",
            value: install.chart,
            problem: "does not apply in managed mode: a cloud runs the control plane, so no istiod chart is installed",
            remedy: 'Remove chart, or set mode: "install" to run istiod from it.',
        });
    }
    const kubeconfig = install.liveCheck?.kubeconfig === "" ? undefined : install.liveCheck?.kubeconfig;
    const liveCheck = {
        ...(kubeconfig !== undefined ? { kubeconfig } : {}),
        finalizeGate: install.liveCheck?.finalizeGate ?? (kubeconfig !== undefined ? "refuse" : "warn"),
    } as const;
    const analysis =
        install.analysis === undefined
            ? undefined
            : parseAnalysis(install.analysis, `${path}.analysis`, { namespaces: spec.namespaces.map((n) => n.name) }, config.prometheusAddress);
    const hooks = install.hooks === undefined ? undefined : parseHooks(install.hooks, `${path}.hooks`);
    return {
        spec,
        install: { ...install, liveCheck, analysis, hooks, createIstioNamespace: install.createIstioNamespace ?? install.mode === "install" },
    };
}

/** A component's `args` must be an object: null, a string or a list get our error, not a TypeError. */
export function assertArgsObject(args: unknown, path: string, component: string, example: string): asserts args is Record<string, unknown> {
    if (typeof args === "object" && args !== null && !Array.isArray(args)) {
        return;
    }
    throw new MeshRolloutValidationError({
        path,
        rule: "input/args",
        value: args,
        problem: `must be an object holding ${component}'s arguments`,
        remedy: `Give them as an object, e.g. new ${component}("name", ${example}).`,
    });
}
