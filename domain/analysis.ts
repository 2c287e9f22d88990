// Metric analysis before a stage (issue 14): checks, each a PromQL query and a threshold over a window,
// run against Prometheus by the provider when the stage is previewed and applied. Pure: the schema,
// the two ready-made templates on Istio's standard metrics, the queries rendered for a mesh, and the
// verdict judged from the values that came back. No I/O here.
import { z } from "zod";
import { MeshRolloutValidationError } from "./errors";
import { parseInput } from "./schema";
import { remedy, textSetting } from "./settings";

/** Flagger's two built-in checks, on Istio's standard metrics. */
export const ANALYSIS_TEMPLATES = ["request-success-rate", "request-duration"] as const;
export type AnalysisTemplate = (typeof ANALYSIS_TEMPLATES)[number];

/** What a gate does when no verdict could be had (no Prometheus configured, or it did not answer). */
export type AnalysisGate = "refuse" | "warn";

const CHECK_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A Prometheus duration: `30s`, `1m`, `1h30m`. */
const PROM_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

const CHECK_EXAMPLE = '{ name: "success-rate", template: "request-success-rate", min: 99, window: "1m" }';

const analysisCheckSchema = z
    .object(
        {
            name: textSetting({
                rule: "analysis/check-name",
                problem: "is not a check name: lowercase letters, digits and '-'",
                remedy: "Name the check in lowercase letters, digits and '-', e.g. name: \"success-rate\".",
                test: (v) => CHECK_NAME.test(v),
                max: 63,
            }).optional(),
            template: z
                .enum(ANALYSIS_TEMPLATES, remedy(`Or give a query of your own instead of a template, e.g. { name: "errors", query: "sum(rate(...[{{ window }}]))", max: 1 }.`))
                .optional(),
            query: textSetting({
                rule: "analysis/query",
                problem: "is not a PromQL query (empty, or more than one line)",
                remedy: 'Give one PromQL expression returning one number; {{ window }} and {{ namespaces }} are replaced, e.g. query: "sum(rate(istio_requests_total{response_code=~\\"5.*\\"}[{{ window }}]))".',
                test: (v) => v.trim() !== "" && !/[\r\n]/.test(v),
                max: 4096,
            }).optional(),
            min: z.number(remedy(`Give the lowest passing value as a number, e.g. min: 99.`)).finite(remedy("Give a finite number, e.g. min: 99.")).optional(),
            max: z.number(remedy(`Give the highest passing value as a number, e.g. max: 500.`)).finite(remedy("Give a finite number, e.g. max: 500.")).optional(),
            window: textSetting({
                rule: "analysis/window",
                problem: "is not a Prometheus duration",
                remedy: 'Give a Prometheus duration such as 30s, 1m or 5m, e.g. window: "1m".',
                test: (v) => PROM_DURATION.test(v),
                max: 32,
            }).optional(),
        },
        remedy(`Give each check as { name, template or query, min and/or max, window }, e.g. ${CHECK_EXAMPLE}.`),
    )
    .strict();

const PROMETHEUS_ADDRESS_REMEDY =
    'Give the Prometheus base address (http or https, no credentials in it), e.g. prometheus: { address: "http://prometheus.monitoring:9090" }; credentials go in the secret config mesh-rollout:prometheusBearerToken or prometheusPassword.';

export function isPrometheusAddress(v: string): boolean {
    try {
        const u = new URL(v);
        return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "" && u.username === "" && u.password === "" && u.search === "" && u.hash === "";
    } catch {
        return false;
    }
}

export const analysisSchema = z
    .object(
        {
            checks: z
                .array(analysisCheckSchema, remedy(`Give checks as a list, e.g. checks: [${CHECK_EXAMPLE}].`))
                .min(1, remedy(`Give at least one check, e.g. checks: [${CHECK_EXAMPLE}].`))
                .max(20, remedy("Give at most 20 checks.")),
            prometheus: z
                .object(
                    {
                        address: textSetting({
                            rule: "analysis/prometheus-address",
                            problem: "is not an http(s) address without credentials",
                            remedy: PROMETHEUS_ADDRESS_REMEDY,
                            test: isPrometheusAddress,
                            max: 2048,
                        }).optional(),
                    },
                    remedy(PROMETHEUS_ADDRESS_REMEDY),
                )
                .strict()
                .optional(),
            whenUnverified: z.enum(["refuse", "warn"], remedy('Give refuse or warn, e.g. whenUnverified: "refuse".')).optional(),
        },
        remedy(`Give analysis as { checks, prometheus, whenUnverified }, e.g. analysis: { checks: [${CHECK_EXAMPLE}] }.`),
    )
    .strict();

export type AnalysisInput = z.input<typeof analysisSchema>;

/** One check, resolved: its name, its query as sent to Prometheus, its thresholds and window. */
export interface AnalysisCheck {
    readonly name: string;
    readonly query: string;
    readonly window: string;
    readonly min?: number;
    readonly max?: number;
}

/** The analysis of a gate, as the record carries it to the provider (credentials travel beside it, as secrets). */
export interface AnalysisSpec {
    readonly checks: readonly AnalysisCheck[];
    /** Prometheus's base address; absent: no Prometheus (render mode), the gate is not verified. */
    readonly address?: string;
    readonly whenUnverified: AnalysisGate;
}

/** Whose traffic the templates measure: the mesh's namespaces, or one workload. */
export interface AnalysisTarget {
    readonly namespaces: readonly string[];
    /** A workload name (a canary's new Deployment); absent: every workload of the namespaces. */
    readonly workload?: string;
}

const TEMPLATE_DEFAULTS: Record<AnalysisTemplate, { min?: number; max?: number; what: string }> = {
    "request-success-rate": { min: 99, what: "the share of requests not answered 5xx, in percent" },
    "request-duration": { max: 500, what: "the 99th percentile of request duration, in milliseconds" },
};

/** Namespaces (DNS labels: nothing to escape) as one regex. */
function regexAlternation(values: readonly string[]): string {
    return values.join("|");
}

/** The label matchers of Istio's server-side metrics for a target. */
function selector(target: AnalysisTarget): string {
    const namespaces = target.namespaces.length === 0 ? ".+" : regexAlternation(target.namespaces);
    return [
        `reporter="destination"`,
        `destination_workload_namespace=~"${namespaces}"`,
        ...(target.workload !== undefined ? [`destination_workload="${target.workload}"`] : []),
    ].join(",");
}

/** A template's PromQL for a target and window: Flagger's request-success-rate and request-duration on Istio's metrics. */
export function templateQuery(template: AnalysisTemplate, target: AnalysisTarget, window: string): string {
    const sel = selector(target);
    if (template === "request-success-rate") {
        return `sum(rate(istio_requests_total{${sel},response_code!~"5.*"}[${window}])) / sum(rate(istio_requests_total{${sel}}[${window}])) * 100`;
    }
    return `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{${sel}}[${window}])) by (le))`;
}

/**
 * Checks `analysis` (at `path`) and resolves its checks for `target`: templates become queries, the
 * placeholders `{{ window }}`, `{{ namespaces }}` (a regex alternation) and `{{ workload }}` are filled,
 * and every check has a name and at least one threshold. `configAddress` is the stack config's
 * Prometheus address, used when the analysis names none.
 */
export function parseAnalysis(analysis: unknown, path: string, target: AnalysisTarget, configAddress?: string): AnalysisSpec {
    const parsed = parseInput(analysisSchema, analysis, path);
    const seen = new Set<string>();
    const checks = parsed.checks.map((c, i): AnalysisCheck => {
        const at = `${path}.checks[${i}]`;
        if ((c.template === undefined) === (c.query === undefined)) {
            throw new MeshRolloutValidationError({
                path: at,
                rule: "analysis/template-or-query",
                value: c,
                problem: c.template === undefined ? "has neither a template nor a query" : "has both a template and a query",
                remedy: `Give exactly one: template (${ANALYSIS_TEMPLATES.join(" or ")}) or query (PromQL), e.g. ${CHECK_EXAMPLE}.`,
            });
        }
        const defaults = c.template !== undefined ? TEMPLATE_DEFAULTS[c.template] : undefined;
        const min = c.min ?? (c.max === undefined ? defaults?.min : undefined);
        const max = c.max ?? (c.min === undefined ? defaults?.max : undefined);
        if (min === undefined && max === undefined) {
            throw new MeshRolloutValidationError({
                path: at,
                rule: "analysis/threshold",
                value: c,
                problem: "has no threshold",
                remedy: 'Give min (lowest passing value) and/or max (highest passing value), e.g. { name: "errors", query: "...", max: 5 }.',
            });
        }
        if (min !== undefined && max !== undefined && min > max) {
            throw new MeshRolloutValidationError({
                path: `${at}.min`,
                rule: "analysis/threshold-range",
                value: min,
                problem: `is above max ${max}: no value could pass`,
                remedy: "Give min <= max, e.g. { min: 95, max: 100 }.",
            });
        }
        const name = c.name ?? c.template ?? `check-${i + 1}`;
        if (seen.has(name)) {
            throw new MeshRolloutValidationError({
                path: `${at}.name`,
                rule: "analysis/check-name-unique",
                value: name,
                problem: "names another check too; a refusal names the check, so names must be unique",
                remedy: 'Give each check its own name, e.g. name: "success-rate-shop".',
            });
        }
        seen.add(name);
        const window = c.window ?? "1m";
        const query =
            c.template !== undefined
                ? templateQuery(c.template, target, window)
                : (c.query as string)
                      .replace(/\{\{\s*window\s*\}\}/g, window)
                      .replace(/\{\{\s*namespaces\s*\}\}/g, regexAlternation(target.namespaces))
                      .replace(/\{\{\s*workload\s*\}\}/g, target.workload ?? ".+");
        return { name, query, window, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    });
    const address = parsed.prometheus?.address ?? (configAddress === "" ? undefined : configAddress);
    if (address !== undefined && !isPrometheusAddress(address)) {
        throw new MeshRolloutValidationError({
            path: "mesh-rollout:prometheusAddress",
            rule: "analysis/prometheus-address",
            value: address,
            problem: "is not an http(s) address without credentials",
            remedy: PROMETHEUS_ADDRESS_REMEDY,
        });
    }
    return { checks, ...(address !== undefined ? { address } : {}), whenUnverified: parsed.whenUnverified ?? (address !== undefined ? "refuse" : "warn") };
}

/** What one query answered: a number, no data (an empty vector or NaN), or an error. */
export type QueryAnswer = { readonly value: number } | { readonly noData: true } | { readonly error: string };

/** One check judged. */
export interface CheckResult {
    readonly name: string;
    readonly query: string;
    readonly window: string;
    readonly min?: number;
    readonly max?: number;
    /** The value Prometheus answered; null when no data came back or the query failed. */
    readonly value: number | null;
    readonly passed: boolean;
    /** Why it failed, in words (below min, above max, no data, the query's error). */
    readonly reason?: string;
}

/** The verdict of a gate, carried in the record's checked inputs. */
export interface AnalysisVerdict {
    /** false: no Prometheus was configured or reachable; the checks were not run. */
    readonly verified: boolean;
    /** Why not verified. */
    readonly reason?: string;
    /** The stage the gate stands before (`finalize`, `promotion`, `step 2`). */
    readonly before: string;
    /** When the queries ran (ISO 8601). */
    readonly at: string;
    readonly checks: readonly CheckResult[];
    readonly passed: boolean;
    readonly gate: AnalysisGate;
}

/** A number as the verdict shows it: at most 6 significant digits. */
export function showValue(v: number): string {
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

/** Judges one check against what its query answered. */
export function judgeCheck(check: AnalysisCheck, answer: QueryAnswer): CheckResult {
    const base = {
        name: check.name,
        query: check.query,
        window: check.window,
        ...(check.min !== undefined ? { min: check.min } : {}),
        ...(check.max !== undefined ? { max: check.max } : {}),
    };
    if ("error" in answer) {
        return { ...base, value: null, passed: false, reason: `the query failed: ${answer.error}` };
    }
    if ("noData" in answer || !Number.isFinite(answer.value)) {
        return { ...base, value: null, passed: false, reason: `no data came back over ${check.window}` };
    }
    const v = answer.value;
    if (check.min !== undefined && v < check.min) {
        return { ...base, value: v, passed: false, reason: `${showValue(v)} is below min ${showValue(check.min)}` };
    }
    if (check.max !== undefined && v > check.max) {
        return { ...base, value: v, passed: false, reason: `${showValue(v)} is above max ${showValue(check.max)}` };
    }
    return { ...base, value: v, passed: true };
}

/** The verdict of a gate from its judged checks (or why none could be run). */
export function analysisVerdict(spec: AnalysisSpec, before: string, at: string, results: readonly CheckResult[] | { unverified: string }): AnalysisVerdict {
    if (!Array.isArray(results)) {
        const reason = (results as { unverified: string }).unverified;
        return { verified: false, reason, before, at, checks: [], passed: spec.whenUnverified === "warn", gate: spec.whenUnverified };
    }
    return { verified: true, before, at, checks: results, passed: results.every((r) => r.passed), gate: spec.whenUnverified };
}

function threshold(r: Pick<CheckResult, "min" | "max">): string {
    return [r.min !== undefined ? `min ${showValue(r.min)}` : undefined, r.max !== undefined ? `max ${showValue(r.max)}` : undefined].filter(Boolean).join(", ");
}

/** One check in words: `success-rate = 70.2 (min 99, over 1m): FAILED, 70.2 is below min 99`. */
export function describeCheck(r: CheckResult): string {
    const value = r.value === null ? "no value" : showValue(r.value);
    return `${r.name} = ${value} (${threshold(r)}, over ${r.window}): ${r.passed ? "passed" : `FAILED, ${r.reason ?? "failed"}`}`;
}

/** The verdict in words, as the preview prints it. */
export function verdictWords(v: AnalysisVerdict): string {
    if (!v.verified) {
        return `analysis before ${v.before}: not verified (${v.reason ?? "no Prometheus"}); the gate ${v.gate === "refuse" ? "refuses" : "warns only"}`;
    }
    const failed = v.checks.filter((c) => !c.passed).length;
    return `analysis before ${v.before} at ${v.at}: ${failed === 0 ? "passed" : `${failed} of ${v.checks.length} checks FAILED`}: ${v.checks.map(describeCheck).join("; ")}`;
}

/** What a canary release's analysis record carries as its state: how far the new version has got. */
export interface CanaryProgress {
    readonly newVersion: string;
    /** The kind of routing (`canary-weight`, `promoted`, ...). */
    readonly traffic: string;
    /** The share of the default route on the new version, in percent. */
    readonly newShare: number;
}

/** Kinds of routing under which the new version receives some requests (or a copy) beyond its default-route share. */
const SEES_TRAFFIC = new Set(["canary-match", "mirror"]);

/** The share of the default (last) route on `subset`, in percent. */
export function defaultRouteShare(http: readonly { route?: readonly { destination: { subset?: string }; weight?: number }[] }[], subset: string): number {
    const last = http[http.length - 1]?.route ?? [];
    const total = last.reduce((n, r) => n + (r.weight ?? (last.length === 1 ? 100 : 0)), 0) || 100;
    const mine = last.filter((r) => r.destination.subset === subset).reduce((n, r) => n + (r.weight ?? (last.length === 1 ? 100 : 0)), 0);
    return Math.round((mine * 100) / total);
}

/**
 * Which gate a canary's change stands before, or undefined when there is nothing to judge: the analysis
 * runs before a larger share for the new version (the next weight step) and before promotion, once the
 * new version has had traffic to judge (a first step from 0% has none).
 */
export function canaryGateBefore(prior: CanaryProgress | null, next: CanaryProgress): string | undefined {
    if (prior === null || prior.newVersion !== next.newVersion || prior.traffic === "promoted") {
        return undefined;
    }
    const hadTraffic = prior.newShare > 0 || SEES_TRAFFIC.has(prior.traffic);
    if (!hadTraffic) {
        return undefined;
    }
    if (next.traffic === "promoted") {
        return "promotion";
    }
    return next.newShare > prior.newShare ? `the step to ${next.newShare}%` : undefined;
}
