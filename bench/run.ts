// Benchmarks: each measurement is a ratio against a baseline run in the same process, on the same
// data, so that the numbers mean the same on any machine. Run: npm run bench
import semver from "semver";
import { layoutMesh, ledgerStateOf, parseMeshSpec, planUpgrade } from "../domain";
import { finalizeNothingOnOldRevision } from "../policy-packs/mesh-rollout/policies/finalize-nothing-on-old-revision";
import { revLabelKnown } from "../policy-packs/mesh-rollout/policies/rev-label-known";

function time(fn: () => void, iterations: number): number {
    for (let i = 0; i < Math.min(iterations, 50); i++) {
        fn(); // warm-up
    }
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
        fn();
    }
    return Number(process.hrtime.bigint() - start) / iterations;
}

function report(name: string, baselineName: string, subjectNs: number, baselineNs: number): void {
    console.log(`${name.padEnd(52)} ${(subjectNs / 1000).toFixed(1).padStart(9)} us   ${(subjectNs / baselineNs).toFixed(1).padStart(7)} x ${baselineName}`);
}

// 1. The planner against semver.compare on the same pairs: the cost of parsing, rules and messages.
const pairs = Array.from({ length: 200 }, (_, i) => [`1.${i % 30}.${i % 7}`, `1.${(i % 30) + (i % 4)}.${(i + 3) % 9}`]);
const planNs = time(() => pairs.forEach(([a, b]) => planUpgrade(a, b)), 200) / pairs.length;
const semverNs = time(() => pairs.forEach(([a, b]) => semver.compare(a, b)), 200) / pairs.length;
report("planUpgrade (one pair)", "semver.compare", planNs, semverNs);

// 2. A stack policy over a large stack, against a plain pass over the same resources.
for (const n of [100, 1000, 5000]) {
    const spec = parseMeshSpec({
        version: "1.12.4",
        upgrade: { to: "1.14.5", stage: "finalize" },
        tags: [{ name: "stable" }],
        namespaces: Array.from({ length: Math.min(n, 500) }, (_, i) => ({ name: `ns-${i}` })),
    });
    const ledger = { type: "pulumi-nodejs:dynamic/mesh-rollout:MeshUpgradeLedger", name: "l", urn: "urn:l", props: { state: ledgerStateOf(spec, layoutMesh(spec), "install"), prior: null } };
    const resources = [
        ledger,
        ...Array.from({ length: n }, (_, i) => ({
            type: i % 2 === 0 ? "kubernetes:core/v1:Namespace" : "kubernetes:apps/v1:Deployment",
            name: `r${i}`,
            urn: `urn:r${i}`,
            props: { metadata: { name: `r${i}`, namespace: "ns", labels: { "istio.io/rev": "1-14-5" } }, spec: { template: { metadata: { labels: { "istio.io/rev": "stable" } } } } },
        })),
    ];
    const args = { resources, getConfig: () => ({}) } as never;
    const baseline = time(() => {
        let c = 0;
        for (const r of resources) {
            c += (r.props as { metadata?: { labels?: Record<string, string> } }).metadata?.labels?.["istio.io/rev"] === "x" ? 1 : 0;
        }
        if (c < 0) throw new Error("unreachable");
    }, 200);
    const known = time(() => revLabelKnown.validateStack(args, () => undefined), 200);
    const finalize = time(() => finalizeNothingOnOldRevision.validateStack(args, () => undefined), 200);
    report(`mesh-rollout-rev-label-known, ${n} resources`, "one pass", known, baseline);
    report(`mesh-rollout-finalize-nothing-on-old-revision, ${n}`, "one pass", finalize, baseline);
}
