import { z } from "zod";
import { MeshRolloutValidationError } from "./errors";

/**
 * The stages of a staged (canary) upgrade, one stack update each:
 * - `controlPlane`: the new revision is installed beside the old one; nothing is moved.
 * - `dataPlane`: namespaces, gateways and tags move to the new revision.
 * - `finalize`: the old revision is taken offline; the upgrade is over.
 * - `rollback`: everything returns to the old revision and the new one is removed; the upgrade is over.
 * An in-place hop has the single stage `inPlace`.
 */
export type UpgradeStage = "controlPlane" | "dataPlane" | "finalize" | "rollback" | "inPlace";
/** The stages a user may set for a canary upgrade. */
export type CanaryStage = Exclude<UpgradeStage, "inPlace">;
/** Where an upgrade stands before a transition: `none` when no upgrade has been applied. */
export type StagePosition = CanaryStage | "none";

export const CANARY_STAGES: readonly CanaryStage[] = ["controlPlane", "dataPlane", "finalize", "rollback"];
export const stageSchema = z.enum(["controlPlane", "dataPlane", "finalize", "rollback"]);

/** The stages a hop of the given strategy goes through, in order. */
export function stagesOf(strategy: "canary" | "in-place"): readonly UpgradeStage[] {
    switch (strategy) {
        case "canary":
            return ["controlPlane", "dataPlane", "finalize"];
        case "in-place":
            return ["inPlace"];
        default: {
            const never: never = strategy;
            throw new Error(`unknown strategy ${String(never)}`);
        }
    }
}

/**
 * Allowed transitions of one upgrade's stage, keyed by the applied stage. Re-applying the applied
 * stage is always allowed and changes nothing. After `rollback` the same upgrade may be tried again
 * from `controlPlane`. After `finalize` it is over; a new upgrade (new versions, see
 * {@link checkUpgradeStep}) starts again at `controlPlane`.
 *
 * | applied \ next | controlPlane | dataPlane | finalize | rollback |
 * |----------------|--------------|-----------|----------|----------|
 * | none           | yes          | no        | no       | no       |
 * | controlPlane   | yes (re-run) | yes       | no       | yes      |
 * | dataPlane      | no           | yes (re-run) | yes   | yes      |
 * | finalize       | no           | no        | yes (re-run) | no   |
 * | rollback       | yes (retry)  | no        | no       | yes (re-run) |
 */
export const STAGE_TRANSITIONS: Readonly<Record<StagePosition, readonly CanaryStage[]>> = {
    none: ["controlPlane"],
    controlPlane: ["controlPlane", "dataPlane", "rollback"],
    dataPlane: ["dataPlane", "finalize", "rollback"],
    finalize: ["finalize"],
    rollback: ["rollback", "controlPlane"],
};

/** The answer to "may this stage follow that one?". */
export interface StageVerdict {
    readonly allowed: boolean;
    /** `none` when re-applying, `advance` for a move; on refusal, the reason in the project's message style. */
    readonly change: "none" | "advance" | "refused";
    readonly reason: string;
}

/** Judges a stage transition of one upgrade (same from and to versions). */
export function checkStageTransition(applied: StagePosition, next: CanaryStage, path = "stage"): StageVerdict {
    if (applied === next) {
        return { allowed: true, change: "none", reason: `${next} is already applied; re-applying it changes nothing.` };
    }
    if (STAGE_TRANSITIONS[applied].includes(next)) {
        return { allowed: true, change: "advance", reason: `${applied} -> ${next} is the next step of the upgrade.` };
    }
    return { allowed: false, change: "refused", reason: refusal(applied, next, path).message };
}

/** Like {@link checkStageTransition}, but throws the refusal. */
export function assertStageTransition(applied: StagePosition, next: CanaryStage, path = "stage"): void {
    const verdict = checkStageTransition(applied, next, path);
    if (!verdict.allowed) {
        throw refusal(applied, next, path);
    }
}

function refusal(applied: StagePosition, next: CanaryStage, path: string): MeshRolloutValidationError {
    const err = (rule: string, problem: string, remedy: string) => new MeshRolloutValidationError({ path, rule, value: next, problem, remedy });
    switch (applied) {
        case "none":
            return next === "rollback"
                ? err(
                      "stage/nothing-to-roll-back",
                      "has nothing to roll back: no upgrade stage has been applied",
                      "Start the upgrade with stage controlPlane, or leave the stage unset.",
                  )
                : err(
                      "stage/skip",
                      `skips ${next === "finalize" ? "controlPlane and dataPlane" : "controlPlane"}: no upgrade stage has been applied yet`,
                      "Apply stage controlPlane first.",
                  );
        case "controlPlane":
            return err("stage/skip", "skips dataPlane: the applied stage is controlPlane", "Apply stage dataPlane first, or rollback to cancel the upgrade.");
        case "dataPlane":
            return err("stage/backwards", "goes back from dataPlane", "To move the data plane back to the old revision, set the stage to rollback.");
        case "finalize":
            return err(
                "stage/after-finalize",
                "comes after finalize: the old revision is already offline",
                next === "rollback"
                    ? "Rollback is only possible before finalize; upgrade forward to a fixed release instead."
                    : "The upgrade is complete; to upgrade again, set a new 'to' version and start at controlPlane.",
            );
        case "rollback":
            return err(
                "stage/after-rollback",
                "comes after rollback: this upgrade was cancelled and the new revision removed",
                "To try the upgrade again, start at stage controlPlane.",
            );
        default: {
            const never: never = applied;
            throw new Error(`unknown stage ${String(never)}`);
        }
    }
}

/** An applied (or requested) step of a staged upgrade: the versions and the stage. */
export interface UpgradeStep {
    readonly from: string;
    readonly to: string;
    readonly stage: CanaryStage;
}

/**
 * Judges a requested step against the one the stack last applied (the ledger's record), including a
 * change of versions: while an upgrade is under way (controlPlane or dataPlane) its versions are fixed;
 * once it is over, a new upgrade may start at controlPlane from the version the mesh is on.
 */
export function checkUpgradeStep(prior: UpgradeStep | undefined, next: UpgradeStep): StageVerdict {
    if (prior === undefined) {
        return checkStageTransition("none", next.stage);
    }
    if (prior.from === next.from && prior.to === next.to) {
        return checkStageTransition(prior.stage, next.stage);
    }
    const refuse = (rule: string, path: string, value: string, problem: string, remedy: string): StageVerdict => ({
        allowed: false,
        change: "refused",
        reason: new MeshRolloutValidationError({ path, rule, value, problem, remedy }).message,
    });
    if (prior.stage === "controlPlane" || prior.stage === "dataPlane") {
        return refuse(
            "stage/upgrade-in-progress",
            "to",
            next.to,
            `starts a new upgrade while ${prior.from} -> ${prior.to} is at stage ${prior.stage}`,
            `Finish that upgrade (finalize) or roll it back first, with from ${prior.from} and to ${prior.to}.`,
        );
    }
    const current = prior.stage === "finalize" ? prior.to : prior.from;
    if (next.from !== current) {
        return refuse(
            "stage/wrong-source",
            "from",
            next.from,
            `is not the version the mesh is on (${current}, after ${prior.stage} of ${prior.from} -> ${prior.to})`,
            `Set 'from' to ${current}.`,
        );
    }
    return checkStageTransition("none", next.stage);
}
