import assert from "node:assert/strict";
import { MeshRolloutValidationError, planUpgrade, UpgradePlan } from "../../../domain";

const CANARY = ["controlPlane", "dataPlane", "finalize"];
const hopsOf = (p: UpgradePlan) => p.hops.map((h) => `${h.from} -> ${h.to} (${h.strategy})`);

describe("planUpgrade", () => {
    it("same version: nothing to do", () => {
        const p = planUpgrade("1.14.5", "v1.14.5");
        assert.deepEqual(p, {
            from: "1.14.5",
            to: "1.14.5",
            fromRevision: "1-14-5",
            toRevision: "1-14-5",
            allowed: true,
            strategy: "none",
            reason: "1.14.5 is already the installed version; nothing to do.",
            hops: [],
            hopCount: 0,
        });
    });

    it("only the patch differs: in place", () => {
        const p = planUpgrade("1.14.4", "1.14.5");
        assert.equal(p.strategy, "in-place");
        assert.equal(p.reason, "1.14.4 -> 1.14.5 changes only the patch version; upgrade in place.");
        assert.deepEqual(p.hops, [{ from: "1.14.4", to: "1.14.5", strategy: "in-place", stages: ["inPlace"] }]);
    });

    it("only the ASM patch differs: in place; canary refused (same revision)", () => {
        const p = planUpgrade("1.12.4.58", "1.12.4.60-3-aliyun");
        assert.equal(p.strategy, "in-place");
        assert.equal(p.to, "1.12.4.60");
        assert.equal(p.reason, "1.12.4.58 -> 1.12.4.60 changes only the ASM patch; upgrade in place.");
        const c = planUpgrade("1.12.4.58", "1.12.4.60", "canary");
        assert.equal(c.allowed, false);
        assert.equal(c.rule, "version/canary-same-revision");
        assert.equal(
            c.reason,
            "'strategy' canary cannot take 1.12.4.58 to 1.12.4.60: both are revision 1-12-4, and a canary installs a new revision beside the old one. Use strategy in-place (or auto): only the ASM patch changes.",
        );
    });

    it("a patch upgrade may be a canary when asked", () => {
        const p = planUpgrade("1.14.4", "1.14.5", "canary");
        assert.equal(p.strategy, "canary");
        assert.deepEqual(p.hops[0].stages, CANARY);
    });

    it("minor +1: canary by default, in place when asked", () => {
        const p = planUpgrade("1.12.4", "1.13.4");
        assert.equal(p.strategy, "canary");
        assert.equal(p.reason, "1.12.4 -> 1.13.4 moves one minor version; canary upgrade: revision 1-13-4 beside 1-12-4, then the data plane, then the old revision offline.");
        assert.deepEqual(p.hops, [{ from: "1.12.4", to: "1.13.4", strategy: "canary", stages: CANARY }]);
        const i = planUpgrade("1.12.4", "1.13.4", "in-place");
        assert.equal(i.strategy, "in-place");
        assert.equal(i.reason, "1.12.4 -> 1.13.4 moves one minor version; in-place upgrade as asked.");
    });

    it("minor +2 (one skipped): canary; in place refused", () => {
        const p = planUpgrade("1.12.4.58", "1.14.5");
        assert.equal(p.allowed, true);
        assert.equal(p.strategy, "canary");
        assert.equal(p.fromRevision, "1-12-4");
        assert.equal(p.toRevision, "1-14-5");
        const i = planUpgrade("1.12.4", "1.14.5", "in-place");
        assert.equal(i.allowed, false);
        assert.equal(i.strategy, null);
        assert.equal(i.rule, "version/in-place-distance");
        assert.equal(
            i.reason,
            "'strategy' in-place cannot take 1.12.4 to 1.14.5: in-place upgrades move at most one minor version. Use strategy canary (or auto), or upgrade in place to 1.13.x first.",
        );
        assert.deepEqual(hopsOf(i), ["1.12.4 -> 1.13.x (in-place)", "1.13.x -> 1.14.5 (in-place)"]);
    });

    it("minor +3: refused, naming the rule and the chain of hops", () => {
        const p = planUpgrade("1.12.4", "1.15.0");
        assert.equal(p.allowed, false);
        assert.equal(p.rule, "version/minor-skip");
        assert.equal(
            p.reason,
            "'to' 1.15.0 skips minor versions 1.13 and 1.14 from 1.12.4; canary upgrades may skip at most one. Upgrade through 1.12.4 -> 1.14.x -> 1.15.0, one hop per upgrade.",
        );
        assert.deepEqual(hopsOf(p), ["1.12.4 -> 1.14.x (canary)", "1.14.x -> 1.15.0 (canary)"]);
    });

    it("minor +4: the chain goes 1.12 -> 1.14 -> 1.16", () => {
        const p = planUpgrade("1.12.4", "1.16.0");
        assert.equal(p.reason.includes("Upgrade through 1.12.4 -> 1.14.x -> 1.16.0"), true);
        assert.equal(p.reason.includes("skips minor versions 1.13, 1.14 and 1.15"), true);
    });

    it("major change: refused", () => {
        const p = planUpgrade("1.14.5", "2.0.0");
        assert.equal(p.rule, "version/major-change");
        assert.equal(
            p.reason,
            "'to' 2.0.0 changes the major version from 1.14.5; upgrades never cross a major version. Install 2.0.0 as a new mesh and migrate workloads to it, following the vendor's major-version guide.",
        );
        assert.deepEqual(p.hops, []);
    });

    it("downgrade: refused, pointing at rollback", () => {
        for (const [from, to] of [
            ["1.14.5", "1.12.4"],
            ["1.14.5", "1.14.4"],
            ["1.12.4.60", "1.12.4.58"],
            ["1.20.0", "1.20.0-rc.1"],
        ]) {
            const p = planUpgrade(from, to);
            assert.equal(p.allowed, false, `${from} -> ${to}`);
            assert.equal(p.rule, "version/downgrade");
        }
        assert.equal(
            planUpgrade("1.14.5", "1.12.4").reason,
            "'to' 1.12.4 is older than the installed 1.14.5; an upgrade never goes back. To return to the old version during a canary upgrade, set the stage to rollback before finalize; after finalize, upgrade forward to a fixed release instead.",
        );
    });

    it("ASM canary needs the source at 1.12.4.58 or later", () => {
        const p = planUpgrade("1.11.2.30", "1.13.4");
        assert.equal(p.rule, "version/asm-canary-minimum");
        assert.equal(
            p.reason,
            "'from' 1.11.2.30 is below 1.12.4.58, the oldest ASM version that can be canary-upgraded. Upgrade in place to 1.12.4.58 or later first, then canary from there.",
        );
        assert.deepEqual(hopsOf(p), ["1.11.2.30 -> 1.12.4.58 (in-place)", "1.12.4.58 -> 1.13.4 (canary)"]);
        assert.equal(planUpgrade("1.12.4.40", "1.13.4", "canary").rule, "version/asm-canary-minimum");
        assert.equal(planUpgrade("1.12.4.40", "1.12.6", "canary").rule, "version/asm-canary-minimum");
        assert.equal(planUpgrade("1.12.4.58", "1.13.4", "canary").strategy, "canary");
    });

    it("ASM below the minimum, one minor ahead: auto falls back to in place", () => {
        const p = planUpgrade("1.11.2.30", "1.12.5");
        assert.equal(p.strategy, "in-place");
        assert.equal(
            p.reason,
            "1.11.2.30 -> 1.12.5 moves one minor version; ASM 1.11.2.30 is below 1.12.4.58, the oldest version that can be canary-upgraded, so the upgrade is in place.",
        );
    });

    it("a long ASM path goes in place up to the canary minimum, then canary", () => {
        const p = planUpgrade("1.10.5.40", "1.14.5");
        assert.deepEqual(hopsOf(p), ["1.10.5.40 -> 1.11.x (in-place)", "1.11.x -> 1.12.4.58 (in-place)", "1.12.4.58 -> 1.14.5 (canary)"]);
    });

    it("throws the project's error only for input that is not a version or strategy", () => {
        assert.throws(
            () => planUpgrade("1.12.4", "banana"),
            (e: unknown) => e instanceof MeshRolloutValidationError && e.path === "to",
        );
        assert.throws(() => planUpgrade(undefined, "1.14.5"), {
            message: /^'from' \(missing\) is required\. Give an Istio version x\.y\.z/,
        });
        assert.throws(() => planUpgrade("1.12.4", "1.14.5", "fast"), {
            message: "'strategy' fast is not an allowed value. Use one of: auto, canary, in-place.",
        });
    });
});
