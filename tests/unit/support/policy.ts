// Runs CrossGuard policies directly (no analyzer), the way pulumi-policy-aws tests do: build the
// arguments the analyzer would pass, collect what the policy reports. Props are wrapped in the
// SDK's own unknown-checking proxy, as the analyzer wraps them, so policies see what they see there.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

// Internal to the SDK (its .d.ts hides it), but it is what the analyzer calls on every resource's props.
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy: <T>(value: T) => T };

export { unknownCheckingProxy };

export interface FixtureResource {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
}

export interface Reported {
    readonly message: string;
    readonly urn?: string;
}

export interface RunOptions {
    /** What `args.getConfig()` returns (the policy's config from --policy-pack-config). */
    readonly config?: Record<string, unknown>;
}

export const urnOf = (r: FixtureResource) => `urn:pulumi:unit::mesh-rollout-unit::${r.type}::${r.name}`;

function baseArgs(r: FixtureResource, options: RunOptions) {
    return {
        type: r.type,
        name: r.name,
        urn: urnOf(r),
        props: unknownCheckingProxy(r.props),
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        isType: () => false,
        asType: () => undefined,
        getConfig: () => options.config ?? {},
        notApplicable: () => {
            throw new Error("not applicable");
        },
    };
}

export async function runResourcePolicy(policy: ResourceValidationPolicy, resource: FixtureResource, options: RunOptions = {}): Promise<Reported[]> {
    const reported: Reported[] = [];
    const validate = policy.validateResource;
    const fns = validate === undefined ? [] : Array.isArray(validate) ? validate : [validate];
    for (const fn of fns) {
        await fn(baseArgs(resource, options) as never, (message: string, urn?: string) => reported.push({ message, urn }));
    }
    return reported;
}

export async function runStackPolicy(policy: StackValidationPolicy, resources: readonly FixtureResource[], options: RunOptions = {}): Promise<Reported[]> {
    const reported: Reported[] = [];
    const args = {
        resources: resources.map((r) => ({ ...baseArgs(r, options), dependencies: [], propertyDependencies: {} })),
        getConfig: () => options.config ?? {},
    };
    await policy.validateStack(args as never, (message: string, urn?: string) => reported.push({ message, urn }));
    return reported;
}

/** Runs any policy of the pack: a resource policy on each resource, a stack policy on all of them. */
export async function runPolicy(policy: ResourceValidationPolicy | StackValidationPolicy, resources: readonly FixtureResource[], options: RunOptions = {}): Promise<Reported[]> {
    if ("validateStack" in policy) {
        return runStackPolicy(policy, resources, options);
    }
    const reported: Reported[] = [];
    for (const r of resources) {
        reported.push(...(await runResourcePolicy(policy, r, options)));
    }
    return reported;
}
