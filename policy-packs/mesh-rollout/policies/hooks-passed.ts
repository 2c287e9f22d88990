import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeHook, HookResult } from "../../../domain/hooks";
import { ledgerOf } from "../records";
import { listSome, shown } from "../values";

const NAME = "mesh-rollout-hooks-passed";

function resultOf(x: unknown): HookResult | undefined {
    const r = x as Partial<HookResult> | null;
    if (r === null || typeof r !== "object" || typeof r.name !== "string" || typeof r.passed !== "boolean") {
        return undefined;
    }
    return {
        name: shown(r.name),
        url: typeof r.url === "string" ? shown(r.url) : "?",
        passed: r.passed,
        status: typeof r.status === "number" ? r.status : null,
        answer: typeof r.answer === "string" ? shown(r.answer) : "no answer recorded",
    };
}

/** A stage is applied only when every pre hook of it answered 200 in time (Flagger: only 200 counts). */
export const hooksPassed: ResourceValidationPolicy = {
    name: NAME,
    description:
        "Checks that a stage is applied only when every pre-stage hook of the mesh answered HTTP 200 within its timeout (called by the provider when the stage is previewed and applied).",
    enforcementLevel: "mandatory",
    // A resource policy: it judges the ledger when the ledger is registered, before any child of the
    // stage (they all wait for it), even in an update that skips the preview.
    validateResource: (args, reportViolation) => {
        const ledger = ledgerOf(args);
        const v = ledger?.preHooks as { stage?: unknown; results?: unknown } | null | undefined;
        if (ledger === undefined || v === null || v === undefined) {
            return;
        }
        const results = Array.isArray(v.results) ? v.results.map(resultOf) : [undefined];
        if (typeof v !== "object" || results.some((x) => x === undefined)) {
            reportViolation(
                `MeshUpgradeLedger ${ledger.name} carries pre hook answers this pack cannot read. Use the same mesh-rollout version for the program and the policy pack.`,
            );
            return;
        }
        const failed = (results as HookResult[]).filter((x) => !x.passed);
        if (failed.length > 0) {
            const stage = typeof v.stage === "string" ? shown(v.stage) : "this stage";
            reportViolation(
                `Mesh ${ledger.name} must not apply stage ${stage}: pre hook ${listSome(failed.map(describeHook), "; ")}. Only HTTP 200 counts as success: fix what the hook checks, then preview the stage again.`,
            );
        }
    },
};
