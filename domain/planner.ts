import { z } from "zod";
import { MeshRolloutValidationError } from "./errors";
import { parseInput } from "./schema";
import {
    compareVersions,
    formatVersion,
    MeshVersion,
    normalizeVersion,
    parseVersion,
    revisionName,
    versionStringSchema,
} from "./versions";
import { stagesOf, UpgradeStage } from "./stages";

/** How the caller wants to upgrade. `auto` picks canary where a minor version changes, in place otherwise. */
export type UpgradeStrategy = "auto" | "canary" | "in-place";
/** How a hop is carried out. */
export type HopStrategy = "canary" | "in-place";

export const UPGRADE_STRATEGIES: readonly UpgradeStrategy[] = ["auto", "canary", "in-place"];

/** The oldest ASM version that may be the source of a canary upgrade (seed 002: 版本>=1.12.4.58). */
export const ASM_CANARY_MINIMUM = "1.12.4.58";
/** Canary upgrades may move at most this many minor versions (skipping one). */
export const MAX_CANARY_MINOR_STEP = 2;
/** In-place upgrades may move at most this many minor versions. */
export const MAX_IN_PLACE_MINOR_STEP = 1;

export const planInputSchema = z
    .object({
        from: versionStringSchema,
        to: versionStringSchema,
        strategy: z.enum(["auto", "canary", "in-place"]).default("auto"),
    })
    .strict();
export type PlanInput = z.input<typeof planInputSchema>;

/** One upgrade carried out as one unit: a canary (three stages) or an in-place upgrade (one). */
export interface UpgradeHop {
    readonly from: string;
    readonly to: string;
    readonly strategy: HopStrategy;
    readonly stages: readonly UpgradeStage[];
}

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
    return decide(src, dst, input.strategy, paths);
}

/** The property paths refusals name: the CLI's flags by default, a component's arguments when it plans. */
export interface PlanPaths {
    readonly from: string;
    readonly to: string;
    readonly strategy: string;
}
const DEFAULT_PATHS: PlanPaths = { from: "from", to: "to", strategy: "strategy" };

function decide(src: MeshVersion, dst: MeshVersion, strategy: UpgradeStrategy, paths: PlanPaths): UpgradePlan {
    const base = {
        from: normalizeVersion(src),
        to: normalizeVersion(dst),
        fromRevision: revisionName(src),
        toRevision: revisionName(dst),
    };
    const refuse = (rule: string, which: keyof PlanPaths, value: string, problem: string, remedy: string, hops: UpgradeHop[] = []): UpgradePlan => ({
        ...base,
        allowed: false,
        strategy: null,
        rule,
        reason: new MeshRolloutValidationError({ path: paths[which], rule, value, problem, remedy }).message,
        hops,
    });
    const allow = (hopStrategy: HopStrategy, reason: string): UpgradePlan => ({
        ...base,
        allowed: true,
        strategy: hopStrategy,
        reason,
        hops: [hop(base.from, base.to, hopStrategy)],
    });

    const order = compareVersions(src, dst);
    if (order === 0) {
        return { ...base, allowed: true, strategy: "none", reason: `${base.to} is already the installed version; nothing to do.`, hops: [] };
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
    const canaryBlockedByAsm = src.flavor === "asm" && compareVersions(src, parseVersion(ASM_CANARY_MINIMUM)) < 0;
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
        const skipped = Array.from({ length: minorStep - 1 }, (_, i) => `${src.major}.${src.minor + i + 1}`);
        const hops = suggestHops(src, dst);
        return refuse(
            "version/minor-skip",
            "to",
            base.to,
            `skips minor versions ${listWords(skipped)} from ${base.from}; canary upgrades may skip at most one`,
            `Upgrade through ${[hops[0].from, ...hops.map((h) => h.to)].join(" -> ")}, one hop per upgrade.`,
            hops,
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
                suggestHops(src, dst, false),
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
            suggestHops(src, dst),
        );
    }
    const skippedNote = minorStep === 2 ? `skips ${src.major}.${src.minor + 1}, the most a canary may skip` : "moves one minor version";
    return allow(
        "canary",
        `${base.from} -> ${base.to} ${skippedNote}; canary upgrade: revision ${base.toRevision} beside ${base.fromRevision}, then the data plane, then the old revision offline.`,
    );
}

function hop(from: string, to: string, strategy: HopStrategy): UpgradeHop {
    return { from, to, strategy, stages: stagesOf(strategy) };
}

/**
 * A chain of allowed hops from `src` to `dst`: canary hops of two minor versions where canary is
 * allowed, in-place hops of one otherwise. Intermediate versions are written `1.14.x` (any patch),
 * except the ASM canary minimum, which is named exactly.
 */
export function suggestHops(src: MeshVersion, dst: MeshVersion, canary = true): UpgradeHop[] {
    const hops: UpgradeHop[] = [];
    const minimum = parseVersion(ASM_CANARY_MINIMUM);
    let cur = src;
    let curText = normalizeVersion(src);
    while (cur.minor < dst.minor) {
        const canaryHere = canary && !(cur.flavor === "asm" && compareVersions(cur, minimum) < 0);
        const step = canaryHere ? MAX_CANARY_MINOR_STEP : MAX_IN_PLACE_MINOR_STEP;
        const nextMinor = Math.min(cur.minor + step, dst.minor);
        let next: MeshVersion;
        let nextText: string;
        if (nextMinor === dst.minor) {
            next = dst;
            nextText = normalizeVersion(dst);
        } else if (cur.flavor === "asm" && nextMinor === minimum.minor && cur.major === minimum.major) {
            next = minimum;
            nextText = formatVersion(minimum);
        } else {
            next = { ...cur, minor: nextMinor, patch: 0, asmPatch: cur.flavor === "asm" ? 0 : undefined };
            nextText = `${cur.major}.${nextMinor}.x`;
        }
        hops.push(hop(curText, nextText, canaryHere ? "canary" : "in-place"));
        cur = next;
        curText = nextText;
    }
    return hops;
}

function listWords(items: string[]): string {
    if (items.length <= 1) {
        return items.join("");
    }
    return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
