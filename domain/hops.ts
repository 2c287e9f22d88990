import { compareVersions, formatVersion, MeshVersion, normalizeVersion, parseVersion } from "./versions";
import { stagesOf, UpgradeStage } from "./stages";

/** How a hop is carried out. */
export type HopStrategy = "canary" | "in-place";

/** One upgrade carried out as one unit: a canary (three stages) or an in-place upgrade (one). */
export interface UpgradeHop {
    readonly from: string;
    readonly to: string;
    readonly strategy: HopStrategy;
    readonly stages: readonly UpgradeStage[];
}

/** The oldest ASM version that may be the source of a canary upgrade (seed 002: 版本>=1.12.4.58). */
export const ASM_CANARY_MINIMUM = "1.12.4.58";
/** Canary upgrades may move at most this many minor versions (skipping one). */
export const MAX_CANARY_MINOR_STEP = 2;
/** In-place upgrades may move at most this many minor versions. */
export const MAX_IN_PLACE_MINOR_STEP = 1;
/** A suggested chain lists at most this many hops; longer chains are counted, not spelled out. */
export const MAX_LISTED_HOPS = 5;

const ASM_MINIMUM: MeshVersion = parseVersion(ASM_CANARY_MINIMUM);

export function hop(from: string, to: string, strategy: HopStrategy): UpgradeHop {
    return { from, to, strategy, stages: stagesOf(strategy) };
}

/** The first hops of a chain (at most {@link MAX_LISTED_HOPS}) and how many hops the whole chain has. */
export interface HopChain {
    readonly hops: readonly UpgradeHop[];
    readonly total: number;
}

/** True when an ASM version is below the canary minimum: its next hop must be in place. */
export function belowAsmCanaryMinimum(v: MeshVersion): boolean {
    return v.flavor === "asm" && compareVersions(v, ASM_MINIMUM) < 0;
}

/**
 * A chain of allowed hops from `src` to `dst`: canary hops of two minor versions where canary is
 * allowed, in-place hops of one otherwise. Intermediate versions are written `1.14.x` (any patch),
 * except the ASM canary minimum, which is named exactly. Bounded work whatever the distance: at most
 * {@link MAX_LISTED_HOPS} hops are listed, and once every remaining hop has the same strategy (after at
 * most a dozen ASM hops below the canary minimum) the rest of the chain is counted arithmetically.
 */
export function suggestHopChain(src: MeshVersion, dst: MeshVersion, canary = true): HopChain {
    const hops: UpgradeHop[] = [];
    let cur = src;
    let curText = normalizeVersion(src);
    let total = 0;
    while (cur.minor < dst.minor) {
        const canaryHere = canary && !belowAsmCanaryMinimum(cur);
        if (hops.length >= MAX_LISTED_HOPS && regimeIsFinal(cur, canaryHere)) {
            // Every remaining hop has the same strategy: count them instead of building them.
            const step = canaryHere ? MAX_CANARY_MINOR_STEP : MAX_IN_PLACE_MINOR_STEP;
            total += Math.ceil((dst.minor - cur.minor) / step);
            break;
        }
        const step = canaryHere ? MAX_CANARY_MINOR_STEP : MAX_IN_PLACE_MINOR_STEP;
        const nextMinor = Math.min(cur.minor + step, dst.minor);
        let next: MeshVersion;
        let nextText: string;
        if (nextMinor === dst.minor) {
            next = dst;
            nextText = normalizeVersion(dst);
        } else if (cur.flavor === "asm" && nextMinor === ASM_MINIMUM.minor && cur.major === ASM_MINIMUM.major) {
            next = ASM_MINIMUM;
            nextText = formatVersion(ASM_MINIMUM);
        } else {
            next = { ...cur, minor: nextMinor, patch: 0, asmPatch: cur.flavor === "asm" ? 0 : undefined };
            nextText = `${cur.major}.${nextMinor}.x`;
        }
        if (hops.length < MAX_LISTED_HOPS) {
            hops.push(hop(curText, nextText, canaryHere ? "canary" : "in-place"));
        }
        total += 1;
        cur = next;
        curText = nextText;
    }
    return { hops, total };
}

/** The first hops of {@link suggestHopChain}, for callers that only list them. */
export function suggestHops(src: MeshVersion, dst: MeshVersion, canary = true): UpgradeHop[] {
    return [...suggestHopChain(src, dst, canary).hops];
}

/** From `cur` on, does every hop keep the strategy it has now? */
function regimeIsFinal(cur: MeshVersion, canaryHere: boolean): boolean {
    if (canaryHere) {
        return true; // versions only grow, so a version at or above the ASM minimum stays there
    }
    // In place because canary is off, or because an ASM version stays below the minimum for good.
    return !belowAsmCanaryMinimum(cur) || cur.major < ASM_MINIMUM.major;
}

/** `1.13 and 1.14`, or for long lists `998 minor versions (1.1 to 1.998)`. */
export function skippedMinors(src: MeshVersion, dst: MeshVersion): string {
    const count = dst.minor - src.minor - 1;
    const name = (i: number) => `${src.major}.${src.minor + i}`;
    if (count > 4) {
        return `${count} minor versions (${name(1)} to ${name(count)})`;
    }
    const items = Array.from({ length: count }, (_, i) => name(i + 1));
    const list = items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
    return `minor version${count > 1 ? "s" : ""} ${list}`;
}

/** `1.12.4 -> 1.14.x -> 1.15.0`, or for a long chain its first hops, an ellipsis and the target. */
export function describeChain(chain: HopChain, target: string): string {
    const shown = [chain.hops[0].from, ...chain.hops.map((h) => h.to)];
    if (chain.total <= chain.hops.length) {
        return shown.join(" -> ");
    }
    return `${shown.join(" -> ")} -> … -> ${target} (${chain.total} hops in all; the first ${chain.hops.length} are listed)`;
}
