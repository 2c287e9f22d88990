// Benchmarks: each measurement is the median of several runs, shown beside a baseline run in the
// same process on the same data, so that the ratios mean the same on any machine. Run: npm run bench
// (MESH_ROLLOUT_BENCH_RUNS sets the runs per median, default 7).
import semver from "semver";
import { planUpgrade } from "../domain";
import { meshRolloutPolicies } from "../policy-packs/mesh-rollout/policies";
import { mixedStack } from "./mixed-stack";
import { analyzeLikeSdk, sdkFloor, trivialPack } from "./sdk-invocation";

const RUNS = Math.max(3, Number(process.env.MESH_ROLLOUT_BENCH_RUNS ?? 7) || 7);

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

/** Median milliseconds of `RUNS` runs of `fn`, after two warm-up runs. */
async function medianMs(fn: () => unknown): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < RUNS + 2; i++) {
        const start = process.hrtime.bigint();
        await fn();
        if (i >= 2) {
            times.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
    }
    return median(times);
}

const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 0)} ms`.padStart(10);

async function planner(): Promise<void> {
    const pairs = Array.from({ length: 200 }, (_, i) => [`1.${i % 30}.${i % 7}`, `1.${(i % 30) + (i % 4)}.${(i + 3) % 9}`]);
    const plan = await medianMs(() => pairs.forEach(([a, b]) => planUpgrade(a, b)));
    const compare = await medianMs(() => pairs.forEach(([a, b]) => semver.compare(a, b)));
    console.log(`planUpgrade, 200 pairs: ${fmt(plan)}   ${(plan / compare).toFixed(1)} x semver.compare on the same pairs (${fmt(compare).trim()})`);
}

async function pack(): Promise<void> {
    console.log(`\nThe pack (${meshRolloutPolicies.length} policies, default levels) through the SDK's invocation (deserialize + unknown-checking proxy per policy), median of ${RUNS}:`);
    console.log("resources   pack        trivial pack  pack/trivial   SDK floor    pack/floor");
    const packMs = new Map<number, number>();
    for (const n of [1000, 5000, 10000, 20000]) {
        const stack = mixedStack(n);
        const diagnostics = await analyzeLikeSdk(meshRolloutPolicies, stack);
        if (diagnostics.length > 0) {
            throw new Error(`the bench stack should pass the pack; got ${diagnostics.length} violations, first: ${diagnostics[0].policyName}: ${diagnostics[0].message}`);
        }
        const full = await medianMs(() => analyzeLikeSdk(meshRolloutPolicies, stack));
        const trivial = await medianMs(() => analyzeLikeSdk(trivialPack, stack));
        const floor = await medianMs(() => analyzeLikeSdk(sdkFloor(meshRolloutPolicies), stack));
        packMs.set(n, full);
        console.log(`${String(stack.length).padStart(9)} ${fmt(full)} ${fmt(trivial)}    ${(full / trivial).toFixed(1).padStart(6)} x   ${fmt(floor)}   ${(full / floor).toFixed(2).padStart(6)} x`);
    }
    const growth = (a: number, b: number) => (packMs.get(b)! / packMs.get(a)!).toFixed(2);
    console.log(`growth: 5k -> 10k ${growth(5000, 10000)} x, 10k -> 20k ${growth(10000, 20000)} x (linear: 2.0, limit 2.2); 10k under 1 s: ${packMs.get(10000)! < 1000 ? "yes" : "NO"}`);
}

async function perPolicy(): Promise<void> {
    const stack = mixedStack(10000);
    const trivial = await medianMs(() => analyzeLikeSdk(trivialPack, stack));
    console.log(`\nEach policy alone over 10,000 resources (SDK invocation), median of ${RUNS}, against the trivial pack (${fmt(trivial).trim()}):`);
    for (const p of meshRolloutPolicies) {
        const ms = await medianMs(() => analyzeLikeSdk([p], stack, { [p.name]: { enforcementLevel: "advisory" } }));
        console.log(`${p.name.padEnd(48)} ${fmt(ms)}   ${(ms / trivial).toFixed(2).padStart(6)} x trivial`);
    }
}

async function main(): Promise<void> {
    await planner();
    await pack();
    await perPolicy();
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
