import { MeshRolloutValidationError, planUpgrade, UpgradePlan } from "../domain";
import { parseOptions } from "./args";
import { EXIT, Io } from "./io";

/** `mesh-rollout plan`: prints the plan (text, or one JSON object with --json); 0 allowed, 1 refused, 2 bad input. */
export function runPlan(argv: readonly string[], io: Io): number {
    const { values, flags } = parseOptions(argv, { values: ["from", "to", "strategy"], flags: ["json"] });
    for (const required of ["from", "to"]) {
        if (values[required] === undefined) {
            throw new MeshRolloutValidationError({
                path: `--${required}`,
                rule: "cli/usage",
                value: undefined,
                problem: "is required",
                remedy: "Write mesh-rollout plan --from <version> --to <version>, e.g. --from 1.12.4.58 --to 1.14.5.",
            });
        }
    }
    const plan = planUpgrade(values.from, values.to, values.strategy ?? "auto");
    io.out(flags.has("json") ? `${JSON.stringify(toJson(plan))}\n` : renderPlan(plan));
    return plan.allowed ? EXIT.ok : EXIT.refused;
}

/** The documented JSON shape: exactly these keys, in this order. */
export function toJson(plan: UpgradePlan): object {
    return {
        from: plan.from,
        to: plan.to,
        fromRevision: plan.fromRevision,
        toRevision: plan.toRevision,
        allowed: plan.allowed,
        strategy: plan.strategy,
        reason: plan.reason,
        hops: plan.hops.map((h) => ({ from: h.from, to: h.to, strategy: h.strategy, stages: [...h.stages] })),
    };
}

const STAGE_WORDS: Record<string, string> = {
    controlPlane: "install the new revision beside the old one; nothing moves",
    dataPlane: "move namespaces, gateways and tags to the new revision; restart the workloads you list",
    finalize: "take the old revision offline (only when nothing points at it)",
    inPlace: "upgrade the installed control plane in place, then restart workloads",
};

/** The human-readable plan. */
export function renderPlan(plan: UpgradePlan): string {
    const lines: string[] = [];
    lines.push(`Upgrade ${plan.from} (revision ${plan.fromRevision}) -> ${plan.to} (revision ${plan.toRevision})`);
    if (plan.allowed) {
        lines.push(plan.strategy === "none" ? "Nothing to do." : `Allowed: ${plan.strategy} upgrade.`);
    } else {
        lines.push("Refused.");
    }
    lines.push(`  ${plan.reason}`);
    if (plan.hops.length > 0) {
        lines.push("", plan.allowed ? "Plan:" : "Suggested path:");
        plan.hops.forEach((hop, i) => {
            lines.push(`  hop ${i + 1}: ${hop.from} -> ${hop.to} (${hop.strategy})`);
            hop.stages.forEach((stage, j) => {
                lines.push(`    ${j + 1}. ${stage}: ${STAGE_WORDS[stage] ?? stage}`);
            });
        });
        if (plan.hopCount > plan.hops.length) {
            lines.push(`  ... and ${plan.hopCount - plan.hops.length} more hops to ${plan.to}`);
        }
        if (plan.hops.some((h) => h.strategy === "canary")) {
            lines.push("", "Each stage is one `pulumi up` with mesh-rollout:stage set; rollback is possible until finalize.");
        }
    }
    return `${lines.join("\n")}\n`;
}
