// Benchmarks: each measurement is the median of several runs, shown beside a baseline run in the
// same process on the same data, so that the ratios mean the same on any machine. Run: npm run bench
// (MESH_ROLLOUT_BENCH_RUNS sets the runs per median, default 7).
import semver from "semver";
import v8 from "node:v8";
import vm from "node:vm";
import { planUpgrade } from "../domain";
import { meshRolloutPolicies } from "../policy-packs/mesh-rollout/policies";
import { componentBench } from "./components";
import { mixedStack } from "./mixed-stack";
import { analyzeLikeSdk, sdkFloor, trivialPack } from "./sdk-invocation";

const RUNS = Math.max(3, Number(process.env.MESH_ROLLOUT_BENCH_RUNS ?? 7) || 7);

// A full collection before each timed run, so that no run pays for the garbage of the one before.
v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

/** Median milliseconds of `RUNS` runs of `fn`, after two warm-up runs. */
async function medianMs(fn: () => unknown): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < RUNS + 2; i++) {
        collectGarbage();
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
    console.log(`\nThe pack (${meshRolloutPolicies.length} policies, default levels), invoked as the SDK does, median of ${RUNS}.`);
    console.log("proxy: props wrapped in the SDK's unknown-checking proxy; +copy: also copied by its deserializeProperties first, per policy (a cost any pack pays:");
    console.log("the SDK floor is as many policies doing nothing).");
    console.log("resources | proxy: pack   trivial  pack/trivial | +copy: pack   SDK floor  pack-floor");
    const proxyMs = new Map<number, number>();
    const copyMs = new Map<number, number>();
    const proxyOnly = { deserialize: false };
    for (const n of [1000, 5000, 10000, 20000]) {
        const stack = mixedStack(n);
        const diagnostics = await analyzeLikeSdk(meshRolloutPolicies, stack);
        if (diagnostics.length > 0) {
            throw new Error(`the bench stack should pass the pack; got ${diagnostics.length} violations, first: ${diagnostics[0].policyName}: ${diagnostics[0].message}`);
        }
        const full = await medianMs(() => analyzeLikeSdk(meshRolloutPolicies, stack, {}, proxyOnly));
        const trivial = await medianMs(() => analyzeLikeSdk(trivialPack, stack, {}, proxyOnly));
        const copied = await medianMs(() => analyzeLikeSdk(meshRolloutPolicies, stack));
        const floor = await medianMs(() => analyzeLikeSdk(sdkFloor(meshRolloutPolicies), stack));
        proxyMs.set(n, full);
        copyMs.set(n, copied);
        console.log(
            `${String(stack.length).padStart(9)} | ${fmt(full)} ${fmt(trivial)} ${(full / trivial).toFixed(1).padStart(8)} x  | ${fmt(copied)} ${fmt(floor)} ${fmt(copied - floor)}`,
        );
    }
    const growth = (ms: Map<number, number>, a: number, b: number) => (ms.get(b)! / ms.get(a)!).toFixed(2);
    console.log(
        `growth (linear: 2.0, limit 2.2): proxy 5k -> 10k ${growth(proxyMs, 5000, 10000)} x, 10k -> 20k ${growth(proxyMs, 10000, 20000)} x; +copy 5k -> 10k ${growth(copyMs, 5000, 10000)} x, 10k -> 20k ${growth(copyMs, 10000, 20000)} x`,
    );
    // One doubling is at the mercy of a garbage collection; the 5k -> 20k span (4x resources) is steadier.
    console.log(`growth over 4x resources (linear: 4.0, limit 4.4): proxy 5k -> 20k ${growth(proxyMs, 5000, 20000)} x; +copy 5k -> 20k ${growth(copyMs, 5000, 20000)} x`);
    console.log(
        `10,000 resources: ${proxyMs.get(10000)!.toFixed(0)} ms through the proxy (${proxyMs.get(10000)! < 1000 ? "under" : "OVER"} 1 s), ${copyMs.get(10000)!.toFixed(0)} ms with the SDK's copy`,
    );
}

async function perPolicy(): Promise<void> {
    const stack = mixedStack(10000);
    const trivial = await medianMs(() => analyzeLikeSdk(trivialPack, stack, {}, { deserialize: false }));
    console.log(`\nEach policy alone over 10,000 resources (through the proxy), median of ${RUNS}, against the trivial pack (${fmt(trivial).trim()}):`);
    for (const p of meshRolloutPolicies) {
        const ms = await medianMs(() => analyzeLikeSdk([p], stack, { [p.name]: { enforcementLevel: "advisory" } }, { deserialize: false }));
        console.log(`${p.name.padEnd(48)} ${fmt(ms)}   ${(ms / trivial).toFixed(2).padStart(6)} x trivial`);
    }
}

async function main(): Promise<void> {
    await planner();
    await pack();
    await perPolicy();
    await componentBench(medianMs, fmt);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
