import { MeshRolloutValidationError } from "./errors";
import { MeshLayout, MeshSpec } from "./mesh";
import { planUpgrade } from "./planner";
import { CanaryStage, checkUpgradeStep, StageVerdict } from "./stages";
import { normalizeVersion } from "./versions";

/**
 * What a mesh's upgrade ledger records at each stack update, and what the policies judge: the
 * versions and stage, and what the stage installs and binds. `prior` (carried by the provider's
 * check) is the same shape, as last applied.
 */
export interface MeshLedgerState {
    /** The version the mesh runs, or the source of the upgrade under way. */
    readonly version: string;
    readonly upgrade: { readonly to: string; readonly stage: CanaryStage } | null;
    /** Revisions installed at this stage. */
    readonly revisions: readonly string[];
    readonly oldRevision: string;
    readonly newRevision: string | null;
    /** Tag -> revision. */
    readonly tags: Readonly<Record<string, string>>;
    /** Namespace -> its `istio.io/rev` value. */
    readonly namespaces: Readonly<Record<string, string>>;
    /** `namespace/name` -> its `istio.io/rev` value. */
    readonly gateways: Readonly<Record<string, string>>;
    readonly onOldRevision: readonly string[];
    /** `install` when this stack runs istiod, `managed` when a cloud does. */
    readonly mode: "install" | "managed";
    /** Namespaces deleted (not only unbound) when they leave the mesh; absent when none. */
    readonly deleteWhenRemoved?: readonly string[];
}

export function ledgerStateOf(spec: MeshSpec, layout: MeshLayout, mode: "install" | "managed"): MeshLedgerState {
    const deleted = layout.namespaces.filter((n) => n.deleteWhenRemoved).map((n) => n.name);
    return {
        version: normalizeVersion(spec.version),
        upgrade: spec.upgrade ? { to: normalizeVersion(spec.upgrade.to), stage: spec.upgrade.stage } : null,
        revisions: layout.revisions.map((r) => r.name),
        oldRevision: layout.oldRevision,
        newRevision: layout.newRevision ?? null,
        tags: layout.tags,
        namespaces: Object.fromEntries(layout.namespaces.map((n) => [n.name, n.labels["istio.io/rev"]])),
        gateways: Object.fromEntries(layout.gateways.map((g) => [`${g.namespace}/${g.name}`, g.revLabel])),
        onOldRevision: layout.onOldRevision,
        mode,
        // Only when used, so that ledgers written before the setting existed do not change.
        ...(deleted.length > 0 ? { deleteWhenRemoved: deleted } : {}),
    };
}

const allowed = (reason: string): StageVerdict => ({ allowed: true, change: "advance", reason });
const refused = (path: string, rule: string, value: unknown, problem: string, remedy: string): StageVerdict => ({
    allowed: false,
    change: "refused",
    reason: new MeshRolloutValidationError({ path, rule, value, problem, remedy }).message,
});

/**
 * Stage order across stack updates, judged from the ledger's prior and new state: no skipped stage,
 * nothing after finalize but a new upgrade, rollback only before finalize, and no upgrade dropped
 * half-way.
 */
export function checkStageOrder(prior: MeshLedgerState | null, next: MeshLedgerState): StageVerdict {
    const nextStep = next.upgrade ? { from: next.version, to: next.upgrade.to, stage: next.upgrade.stage } : undefined;
    if (prior === null) {
        return nextStep ? checkUpgradeStep(undefined, nextStep) : allowed("first installation.");
    }
    const priorStep = prior.upgrade ? { from: prior.version, to: prior.upgrade.to, stage: prior.upgrade.stage } : undefined;
    if (nextStep !== undefined) {
        if (priorStep === undefined) {
            if (nextStep.from !== prior.version) {
                return refused(
                    "version",
                    "stage/wrong-source",
                    nextStep.from,
                    `is not the version the mesh runs (${prior.version})`,
                    `Set 'version' to ${prior.version}; the upgrade starts from it.`,
                );
            }
            return checkUpgradeStep(undefined, nextStep);
        }
        return checkUpgradeStep(priorStep, nextStep);
    }
    // No upgrade declared now.
    if (priorStep === undefined) {
        return allowed(prior.version === next.version ? "no upgrade; nothing changes." : `in-place change ${prior.version} -> ${next.version}.`);
    }
    switch (priorStep.stage) {
        case "finalize":
            if (next.version !== priorStep.to) {
                return refused(
                    "version",
                    "stage/after-finalize",
                    next.version,
                    `is not ${priorStep.to}, the version finalized by the last upgrade`,
                    `Set 'version' to ${priorStep.to} when removing 'upgrade'.`,
                );
            }
            return allowed(`the upgrade to ${priorStep.to} is complete; 'version' now names it.`);
        case "rollback":
            if (next.version !== priorStep.from) {
                return refused(
                    "version",
                    "stage/after-rollback",
                    next.version,
                    `is not ${priorStep.from}, the version the rollback returned to`,
                    `Set 'version' to ${priorStep.from} when removing 'upgrade'.`,
                );
            }
            return allowed(`the upgrade to ${priorStep.to} was rolled back; the mesh stays on ${priorStep.from}.`);
        default:
            return refused(
                "upgrade",
                "stage/upgrade-dropped",
                undefined,
                `is removed while the upgrade ${priorStep.from} -> ${priorStep.to} is at stage ${priorStep.stage}`,
                "Set the stage to rollback (or carry on to finalize) before removing 'upgrade'.",
            );
    }
}

/**
 * The version-jump rules (the planner's): a declared upgrade must be a canary the planner allows, and
 * an in-place change of 'version' (no upgrade declared) must be an in-place upgrade it allows.
 */
export function checkVersionJump(prior: MeshLedgerState | null, next: MeshLedgerState): StageVerdict {
    if (next.upgrade !== null) {
        const plan = planUpgrade(next.version, next.upgrade.to, "canary", { from: "version", to: "upgrade.to", strategy: "upgrade" });
        return plan.allowed ? allowed(plan.reason) : { allowed: false, change: "refused", reason: plan.reason };
    }
    if (prior === null || prior.upgrade !== null || prior.version === next.version) {
        return allowed("no version change.");
    }
    const plan = planUpgrade(prior.version, next.version, "in-place", { from: "version", to: "version", strategy: "version" });
    if (plan.allowed) {
        return allowed(plan.reason);
    }
    if (plan.rule === "version/in-place-distance") {
        return refused(
            "version",
            plan.rule,
            next.version,
            `changes the running ${prior.version} in place by more than one minor version; in-place upgrades move at most one`,
            `Declare upgrade { to: "${next.version}", stage: "controlPlane" } with 'version' ${prior.version} for a canary upgrade, or change 'version' to ${plan.hops[0]?.to ?? "the next minor"} first.`,
        );
    }
    return { allowed: false, change: "refused", reason: plan.reason };
}
