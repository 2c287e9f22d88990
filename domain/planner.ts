import { z } from "zod";
import { MeshRolloutValidationError } from "./errors";
import {
    ASM_CANARY_MINIMUM,
    belowAsmCanaryMinimum,
    describeChain,
    hop,
    HopStrategy,
    MAX_CANARY_MINOR_STEP,
    MAX_IN_PLACE_MINOR_STEP,
    skippedMinors,
    suggestHopChain,
    UpgradeHop,
} from "./hops";
import { parseInput } from "./schema";
import { compareVersions, MeshVersion, normalizeVersion, parseVersion, revisionName, versionStringSchema } from "./versions";

export { ASM_CANARY_MINIMUM, MAX_CANARY_MINOR_STEP, MAX_IN_PLACE_MINOR_STEP } from "./hops";
export type { HopStrategy, UpgradeHop } from "./hops";

/** How the caller wants to upgrade. `auto` picks canary where a minor version changes, in place otherwise. */
export type UpgradeStrategy = "auto" | "canary" | "in-place";

export const UPGRADE_STRATEGIES: readonly UpgradeStrategy[] = ["auto", "canary", "in-place"];

export const planInputSchema = z
    .object({
        from: versionStringSchema,
        to: versionStringSchema,
        strategy: z.enum(["auto", "canary", "in-place"]).default("auto"),
    })
    .strict();
export type PlanInput = z.input<typeof planInputSchema>;

/** The planner's answer. `hops` is the plan when allowed, and the suggested path when refused for distance. */
export interface UpgradePlan {
    readonly from: string;
    readonly to: string;
    readonly fromRevision: string;
    readonly toRevision: string;
    readonly allowed: boolean;
    readonly strategy: "none" | HopStrategy | null;
    readonly reason: string;
    /** The rule that refused the plan (`version/minor-skip`, ...); absent when allowed. */
    readonly rule?: string;
    readonly hops: readonly UpgradeHop[];
    /** How many hops the whole chain has; more than `hops.length` when a long chain is cut to its first hops. */
    readonly hopCount: number;
}

/**
 * Plans an upgrade of a control plane from one version to another.
 *
 * Rules (seeds 001/002 and Istio's upgrade policy): same version: nothing to do; only the patch or the
 * ASM patch differs: in place; minor +1: canary (in place allowed); minor +2: canary only; minor +3 or
 * more, a major change or any downgrade: refused; ASM canary upgrades need the source at 1.12.4.58 or later.
 *
 * Throws {@link MeshRolloutValidationError} only for input that is not a version or strategy at all;
 * every refusal of a real pair of versions is an answer with `allowed: false`.
 */
export function planUpgrade(from: unknown, to: unknown, strategy: unknown = "auto", paths: PlanPaths = DEFAULT_PATHS): UpgradePlan {
    const input = parseInput(planInputSchema, { from, to, strategy }, "");
    const src = parseVersion(input.from, paths.from);
    const dst = parseVersion(input.to, paths.to);
    return planParsedUpgrade(src, dst, input.strategy, paths);
}

/** The property paths refusals name: the CLI's flags by default, a component's arguments when it plans. */
export interface PlanPaths {
    readonly from: string;
    readonly to: string;
    readonly strategy: string;
}
const DEFAULT_PATHS: PlanPaths = { from: "from", to: "to", strategy: "strategy" };

/** {@link planUpgrade} for versions already parsed (a component parses its arguments once and hands them on). */
export function planParsedUpgrade(src: MeshVersion, dst: MeshVersion, strategy: UpgradeStrategy = "auto", paths: PlanPaths = DEFAULT_PATHS): UpgradePlan {
    const base = {
        from: normalizeVersion(src),
        to: normalizeVersion(dst),
        fromRevision: revisionName(src),
        toRevision: revisionName(dst),
    };
    const refuse = (
        rule: string,
        which: keyof PlanPaths,
        value: string,
        problem: string,
        remedy: string,
        chain = { hops: [] as readonly UpgradeHop[], total: 0 },
    ): UpgradePlan => ({
        ...base,
        allowed: false,
        strategy: null,
        rule,
        reason: new MeshRolloutValidationError({ path: paths[which], rule, value, problem, remedy }).message,
        hops: chain.hops,
        hopCount: chain.total,
    });
    const allow = (hopStrategy: HopStrategy, reason: string): UpgradePlan => ({
        ...base,
        allowed: true,
        strategy: hopStrategy,
        reason,
        hops: [hop(base.from, base.to, hopStrategy)],
        hopCount: 1,
    });

    const order = compareVersions(src, dst);
    if (order === 0) {
        return { ...base, allowed: true, strategy: "none", reason: `${base.to} is already the installed version; nothing to do.`, hops: [], hopCount: 0 };
    }
    if (dst.major !== src.major) {
        return refuse(
            "version/major-change",
            "to",
            base.to,
            `changes the major version from ${base.from}; upgrades never cross a major version`,
            `Install ${base.to} as a new mesh and migrate workloads to it, following the vendor's major-version guide.`,
        );
    }
    if (order > 0) {
        return refuse(
            "version/downgrade",
            "to",
            base.to,
            `is older than the installed ${base.from}; an upgrade never goes back`,
            "To return to the old version during a canary upgrade, set the stage to rollback before finalize; after finalize, upgrade forward to a fixed release instead.",
        );
    }

    const minorStep = dst.minor - src.minor;
    const sameRevision = base.fromRevision === base.toRevision;
    const canaryBlockedByAsm = belowAsmCanaryMinimum(src);
    const asmRemedy = `Upgrade in place to ${ASM_CANARY_MINIMUM} or later first, then canary from there.`;

    if (minorStep === 0) {
        if (strategy === "canary") {
            if (sameRevision) {
                return refuse(
                    "version/canary-same-revision",
                    "strategy",
                    "canary",
                    `cannot take ${base.from} to ${base.to}: both are revision ${base.toRevision}, and a canary installs a new revision beside the old one`,
                    "Use strategy in-place (or auto): only the ASM patch changes.",
                );
            }
            if (canaryBlockedByAsm) {
                return refuse("version/asm-canary-minimum", "from", base.from, `is below ${ASM_CANARY_MINIMUM}, the oldest ASM version that can be canary-upgraded`, asmRemedy);
            }
            return allow("canary", `${base.from} -> ${base.to} changes only the patch version; canary upgrade as asked: revision ${base.toRevision} beside ${base.fromRevision}.`);
        }
        const what = sameRevision ? "the ASM patch" : "the patch version";
        return allow("in-place", `${base.from} -> ${base.to} changes only ${what}; upgrade in place.`);
    }

    if (minorStep > MAX_CANARY_MINOR_STEP) {
        const chain = suggestHopChain(src, dst);
        return refuse(
            "version/minor-skip",
            "to",
            base.to,
            `skips ${skippedMinors(src, dst)} from ${base.from}; canary upgrades may skip at most one`,
            `Upgrade through ${describeChain(chain, base.to)}, one hop per upgrade.`,
            chain,
        );
    }

    // One or two minor versions ahead.
    if (strategy === "in-place") {
        if (minorStep > MAX_IN_PLACE_MINOR_STEP) {
            return refuse(
                "version/in-place-distance",
                "strategy",
                "in-place",
                `cannot take ${base.from} to ${base.to}: in-place upgrades move at most one minor version`,
                `Use strategy canary (or auto), or upgrade in place to ${src.major}.${src.minor + 1}.x first.`,
                suggestHopChain(src, dst, false),
            );
        }
        return allow("in-place", `${base.from} -> ${base.to} moves one minor version; in-place upgrade as asked.`);
    }
    if (canaryBlockedByAsm) {
        if (strategy === "auto" && minorStep <= MAX_IN_PLACE_MINOR_STEP) {
            return allow(
                "in-place",
                `${base.from} -> ${base.to} moves one minor version; ASM ${base.from} is below ${ASM_CANARY_MINIMUM}, the oldest version that can be canary-upgraded, so the upgrade is in place.`,
            );
        }
        return refuse(
            "version/asm-canary-minimum",
            "from",
            base.from,
            `is below ${ASM_CANARY_MINIMUM}, the oldest ASM version that can be canary-upgraded`,
            asmRemedy,
            suggestHopChain(src, dst),
        );
    }
    const skippedNote = minorStep === 2 ? `skips ${src.major}.${src.minor + 1}, the most a canary may skip` : "moves one minor version";
    return allow(
        "canary",
        `${base.from} -> ${base.to} ${skippedNote}; canary upgrade: revision ${base.toRevision} beside ${base.fromRevision}, then the data plane, then the old revision offline.`,
    );
}
