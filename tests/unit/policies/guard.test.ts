import assert from "node:assert/strict";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { guardPolicies, guardResourcePolicy, guardStackPolicy } from "../../../policy-packs/mesh-rollout/guard";
import { meshRolloutPolicies, unguardedPolicies } from "../../../policy-packs/mesh-rollout/policies";
import { revLabelKnown } from "../../../policy-packs/mesh-rollout/policies/rev-label-known";
import { runResourcePolicy, runStackPolicy, urnOf } from "../support/policy";
import { happy, TYPES, withField } from "./fixtures";

const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };

const throwing: ResourceValidationPolicy = {
    name: "mesh-rollout-test-throws",
    description: "Checks nothing; throws.",
    enforcementLevel: "mandatory",
    validateResource: (args) => {
        (args.props.spec as { template: { x: number } }).template.x = 1;
    },
};

describe("policy pack: the guard around every policy", () => {
    it("guards every policy of the pack, keeping names, levels and order", () => {
        assert.deepEqual(
            meshRolloutPolicies.map((p) => `${p.name}:${p.enforcementLevel}`),
            unguardedPolicies.map((p) => `${p.name}:${p.enforcementLevel}`),
        );
    });

    it("turns an unexpected error of a resource policy into a violation naming the policy and the resource", async () => {
        const resource = withField(happy(TYPES.deployment), "spec", undefined);
        assert.deepEqual(await runResourcePolicy(guardResourcePolicy(throwing), resource), [
            {
                message: `mesh-rollout-test-throws could not judge Deployment shop-0-app-0 (${urnOf(resource)}): internal error (TypeError: Cannot read properties of undefined (reading 'template')). This is a bug in the mesh-rollout policy pack, not in the program; report it with this message. Until it is fixed, check the change by hand and run the update with {"mesh-rollout-test-throws": "advisory"} in --policy-pack-config.`,
                urn: undefined,
            },
        ]);
    });

    it("does the same for a stack policy, and for a rejected promise", async () => {
        const rejecting: StackValidationPolicy = {
            name: "mesh-rollout-test-rejects",
            description: "Checks nothing.",
            enforcementLevel: "advisory",
            validateStack: async () => Promise.reject(new RangeError("boom")),
        };
        const [reported] = await runStackPolicy(guardStackPolicy(rejecting), [happy(TYPES.namespace)]);
        assert.equal(reported.message.split(". This is a bug")[0], "mesh-rollout-test-rejects could not judge the stack (1 resources): internal error (RangeError: boom)");
    });

    it("lets the SDK's own errors through: a value unknown during preview is the SDK's advisory, not an internal error", async () => {
        const pending = withField(happy(TYPES.namespace), ["metadata", "labels", "istio.io/rev"], unknownStringValue);
        const [guarded] = guardPolicies([revLabelKnown]) as StackValidationPolicy[];
        await assert.rejects(runStackPolicy(guarded, [happy(TYPES.ledger), pending]), (e: Error) => e.constructor.name === "UnknownValueError");
    });
});
