import assert from "node:assert/strict";
import {
    assertStageTransition,
    CANARY_STAGES,
    CanaryStage,
    checkStageTransition,
    checkUpgradeStep,
    MeshRolloutValidationError,
    STAGE_TRANSITIONS,
    StagePosition,
    stagesOf,
} from "../../../domain";

describe("stage machine", () => {
    const allowed: [StagePosition, CanaryStage][] = [
        ["none", "controlPlane"],
        ["controlPlane", "dataPlane"],
        ["controlPlane", "rollback"],
        ["dataPlane", "finalize"],
        ["dataPlane", "rollback"],
        ["rollback", "controlPlane"],
    ];
    const positions: StagePosition[] = ["none", ...CANARY_STAGES];

    it("allows exactly the table's transitions, plus re-applying the same stage", () => {
        for (const from of positions) {
            for (const to of CANARY_STAGES) {
                const verdict = checkStageTransition(from, to);
                const expected = from === to || allowed.some(([a, b]) => a === from && b === to);
                assert.equal(verdict.allowed, expected, `${from} -> ${to}`);
                assert.equal(verdict.change, from === to ? "none" : expected ? "advance" : "refused");
                assert.equal(STAGE_TRANSITIONS[from].includes(to) || from === to, expected);
            }
        }
    });

    const refusals: [StagePosition, CanaryStage, string][] = [
        ["none", "dataPlane", "'stage' dataPlane skips controlPlane: no upgrade stage has been applied yet. Apply stage controlPlane first."],
        ["none", "finalize", "'stage' finalize skips controlPlane and dataPlane: no upgrade stage has been applied yet. Apply stage controlPlane first."],
        ["none", "rollback", "'stage' rollback has nothing to roll back: no upgrade stage has been applied. Start the upgrade with stage controlPlane, or leave the stage unset."],
        ["controlPlane", "finalize", "'stage' finalize skips dataPlane: the applied stage is controlPlane. Apply stage dataPlane first, or rollback to cancel the upgrade."],
        ["dataPlane", "controlPlane", "'stage' controlPlane goes back from dataPlane. To move the data plane back to the old revision, set the stage to rollback."],
        [
            "finalize",
            "rollback",
            "'stage' rollback comes after finalize: the old revision is already offline. Rollback is only possible before finalize; upgrade forward to a fixed release instead.",
        ],
        [
            "finalize",
            "controlPlane",
            "'stage' controlPlane comes after finalize: the old revision is already offline. The upgrade is complete; to upgrade again, set a new 'to' version and start at controlPlane.",
        ],
        [
            "finalize",
            "dataPlane",
            "'stage' dataPlane comes after finalize: the old revision is already offline. The upgrade is complete; to upgrade again, set a new 'to' version and start at controlPlane.",
        ],
        [
            "rollback",
            "finalize",
            "'stage' finalize comes after rollback: this upgrade was cancelled and the new revision removed. To try the upgrade again, start at stage controlPlane.",
        ],
        [
            "rollback",
            "dataPlane",
            "'stage' dataPlane comes after rollback: this upgrade was cancelled and the new revision removed. To try the upgrade again, start at stage controlPlane.",
        ],
    ];
    for (const [from, to, message] of refusals) {
        it(`refuses ${from} -> ${to} with its reason`, () => {
            assert.equal(checkStageTransition(from, to).reason, message);
            assert.throws(
                () => assertStageTransition(from, to),
                (e: unknown) => e instanceof MeshRolloutValidationError && e.message === message,
            );
        });
    }

    it("names the stages of each hop strategy", () => {
        assert.deepEqual(stagesOf("canary"), ["controlPlane", "dataPlane", "finalize"]);
        assert.deepEqual(stagesOf("in-place"), ["inPlace"]);
    });

    describe("checkUpgradeStep (stages with versions)", () => {
        const step = (from: string, to: string, stage: CanaryStage) => ({ from, to, stage });

        it("starts an upgrade at controlPlane only", () => {
            assert.equal(checkUpgradeStep(undefined, step("1.12.4", "1.14.5", "controlPlane")).allowed, true);
            assert.equal(checkUpgradeStep(undefined, step("1.12.4", "1.14.5", "dataPlane")).allowed, false);
        });

        it("follows the stage table while the versions stay", () => {
            assert.equal(checkUpgradeStep(step("1.12.4", "1.14.5", "controlPlane"), step("1.12.4", "1.14.5", "dataPlane")).change, "advance");
            assert.equal(checkUpgradeStep(step("1.12.4", "1.14.5", "dataPlane"), step("1.12.4", "1.14.5", "dataPlane")).change, "none");
        });

        it("refuses to change versions while an upgrade is under way", () => {
            const v = checkUpgradeStep(step("1.12.4", "1.14.5", "dataPlane"), step("1.12.4", "1.13.4", "controlPlane"));
            assert.equal(
                v.reason,
                "'to' 1.13.4 starts a new upgrade while 1.12.4 -> 1.14.5 is at stage dataPlane. Finish that upgrade (finalize) or roll it back first, with from 1.12.4 and to 1.14.5.",
            );
        });

        it("after finalize, a new upgrade starts from the finalized version", () => {
            assert.equal(checkUpgradeStep(step("1.12.4", "1.14.5", "finalize"), step("1.14.5", "1.16.0", "controlPlane")).allowed, true);
            assert.equal(checkUpgradeStep(step("1.12.4", "1.14.5", "finalize"), step("1.14.5", "1.16.0", "dataPlane")).allowed, false);
            assert.equal(
                checkUpgradeStep(step("1.12.4", "1.14.5", "finalize"), step("1.12.4", "1.13.4", "controlPlane")).reason,
                "'from' 1.12.4 is not the version the mesh is on (1.14.5, after finalize of 1.12.4 -> 1.14.5). Set 'from' to 1.14.5.",
            );
        });

        it("after rollback, a new upgrade starts from the old version", () => {
            assert.equal(checkUpgradeStep(step("1.12.4", "1.14.5", "rollback"), step("1.12.4", "1.13.4", "controlPlane")).allowed, true);
            assert.equal(checkUpgradeStep(step("1.12.4", "1.14.5", "rollback"), step("1.14.5", "1.15.0", "controlPlane")).allowed, false);
        });
    });
});
