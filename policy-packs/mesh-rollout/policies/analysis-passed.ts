import { ResourceValidationPolicy } from "@pulumi/policy";
import { AnalysisVerdict, CheckResult, describeCheck } from "../../../domain/analysis";
import { canaryProgressOf, ledgerOf } from "../records";
import { listSome, shown } from "../values";

const NAME = "mesh-rollout-analysis-passed";

/** A check as stored, read defensively (another mesh-rollout version may have written it). */
function checkOf(c: unknown): CheckResult | undefined {
    const r = c as Partial<CheckResult> | null;
    if (r === null || typeof r !== "object" || typeof r.name !== "string" || typeof r.passed !== "boolean" || typeof r.window !== "string") {
        return undefined;
    }
    return {
        name: shown(r.name),
        query: typeof r.query === "string" ? r.query : "",
        window: shown(r.window),
        value: typeof r.value === "number" ? r.value : null,
        passed: r.passed,
        ...(typeof r.min === "number" ? { min: r.min } : {}),
        ...(typeof r.max === "number" ? { max: r.max } : {}),
        ...(typeof r.reason === "string" ? { reason: shown(r.reason) } : {}),
    };
}

/**
 * Finalize (a mesh) and a larger share or promotion (a canary release) only on evidence: the metric
 * analysis the provider ran against Prometheus when the change was previewed (and again when applied)
 * must pass, every check with data inside its thresholds. Not verified (no Prometheus): refused when the
 * gate says refuse, otherwise passed with a warning (the component prints it).
 */
export const analysisPassed: ResourceValidationPolicy = {
    name: NAME,
    description:
        "Checks that a mesh's finalize, and a canary release's next weight step or promotion, are applied only when their metric analysis (PromQL checks against Prometheus, run by the provider at preview and apply) passed: every check returned data inside its min/max.",
    enforcementLevel: "mandatory",
    // A resource policy: it judges the record when it is registered, before any child of the stage or
    // route change (they all wait for it), even in an update that skips the preview.
    validateResource: (args, reportViolation) => {
        const mesh = ledgerOf(args);
        const ledger = mesh ?? canaryProgressOf(args);
        if (ledger === undefined || ledger.verdict === undefined || ledger.verdict === null) {
            return;
        }
        // "Mesh mesh-ledger must not finalize", "Canary release shop/reviews must not take the step to 50%".
        const subject = mesh !== undefined ? `Mesh ${ledger.name}` : `Canary release ${typeof ledger.key === "string" ? shown(ledger.key) : ledger.name}`;
        const verb = mesh !== undefined ? "" : "take ";
        const v = ledger.verdict as Partial<AnalysisVerdict>;
        if (typeof v !== "object" || typeof v.verified !== "boolean") {
            reportViolation(
                `${ledger.label} must carry an analysis verdict this pack can read, not ${shown(JSON.stringify(v) ?? String(v))}. Use the same mesh-rollout version for the program and the policy pack.`,
            );
            return;
        }
        const before = `${verb}${typeof v.before === "string" ? shown(v.before) : "finalize"}`;
        if (!v.verified) {
            if (v.gate === "refuse") {
                reportViolation(
                    `${subject} must not ${before} unverified: ${shown(v.reason ?? "no Prometheus")}. Set the stack config mesh-rollout:prometheusAddress (or analysis.prometheus.address), or set analysis.whenUnverified: "warn" to accept the risk.`,
                );
            }
            return;
        }
        const checks = (Array.isArray(v.checks) ? v.checks : []).map(checkOf);
        if (checks.some((c) => c === undefined)) {
            reportViolation(`${ledger.label} carries analysis checks this pack cannot read. Use the same mesh-rollout version for the program and the policy pack.`);
            return;
        }
        const failed = (checks as CheckResult[]).filter((c) => !c.passed);
        if (failed.length > 0) {
            reportViolation(
                `${subject} must not ${before}: the analysis failed at ${shown(v.at ?? "preview")}: ${listSome(failed.map(describeCheck), "; ")}. ` +
                    `Fix what the checks measure (or roll back), wait for a full window of healthy traffic, then preview ${mesh !== undefined ? before : "the change"} again.`,
            );
        }
    },
};
