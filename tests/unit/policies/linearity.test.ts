// The pack is linear in resources, shown by work rather than time: every property read through a
// proxy like the SDK's is counted, and twice the resources may cost at most 2.2 times the reads.
// (Timing lives in the bench: npm run bench.)
import assert from "node:assert/strict";
import type { Policies } from "@pulumi/policy";
import { mixedStack } from "../../../bench/mixed-stack";
import { unguardedPolicies } from "../../../policy-packs/mesh-rollout/policies";
import { runPolicy } from "../support/policy";

/** A deep proxy counting every property read, as the SDK's unknown-checking proxy intercepts them. */
function counting<T>(value: T, counter: { reads: number }): T {
    if (typeof value !== "object" || value === null) {
        return value;
    }
    return new Proxy(value as object, {
        get(target, key) {
            counter.reads++;
            return counting((target as Record<PropertyKey, unknown>)[key], counter);
        },
    }) as T;
}

async function reads(policies: Policies, n: number): Promise<number> {
    const counter = { reads: 0 };
    const stack = mixedStack(n).map((r) => ({ type: r.type, name: r.name, props: counting(r.props, counter) }));
    for (const p of policies) {
        const reported = await runPolicy(p, stack);
        if (p.name !== "mesh-rollout-images-pinned-by-digest") {
            assert.deepEqual(reported, [], p.name); // The stack passes (its Deployment images use tags).
        }
    }
    return counter.reads;
}

describe("policy pack: linear in resources (property reads, not time)", () => {
    for (const p of [...unguardedPolicies, undefined]) {
        const name = p?.name ?? "the whole pack";
        it(`${name}: 2x resources -> at most 2.2x reads`, async () => {
            const policies = p === undefined ? unguardedPolicies : [p];
            const [small, large] = [await reads(policies, 1000), await reads(policies, 2000)];
            assert.ok(large <= 2.2 * Math.max(small, 1), `${small} reads at 1,000 resources, ${large} at 2,000 (${(large / Math.max(small, 1)).toFixed(2)} x)`);
        });
    }
});
