// Runs CrossGuard policies directly (no analyzer), the way pulumi-policy-aws tests do: build the
// arguments the analyzer would pass, collect what the policy reports.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export interface FixtureResource {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
}

export interface Reported {
    readonly message: string;
    readonly urn?: string;
}

const urnOf = (r: FixtureResource) => `urn:pulumi:unit::mesh-rollout-unit::${r.type}::${r.name}`;

function baseArgs(r: FixtureResource) {
    return {
        type: r.type,
        name: r.name,
        urn: urnOf(r),
        props: r.props,
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        isType: () => false,
        asType: () => undefined,
        getConfig: () => ({}),
        notApplicable: () => {
            throw new Error("not applicable");
        },
    };
}

export async function runResourcePolicy(policy: ResourceValidationPolicy, resource: FixtureResource): Promise<Reported[]> {
    const reported: Reported[] = [];
    const validate = policy.validateResource;
    const fns = validate === undefined ? [] : Array.isArray(validate) ? validate : [validate];
    for (const fn of fns) {
        await fn(baseArgs(resource) as never, (message: string, urn?: string) => reported.push({ message, urn }));
    }
    return reported;
}

export async function runStackPolicy(policy: StackValidationPolicy, resources: readonly FixtureResource[]): Promise<Reported[]> {
    const reported: Reported[] = [];
    const args = {
        resources: resources.map((r) => ({ ...baseArgs(r), dependencies: [], propertyDependencies: {} })),
        getConfig: () => ({}),
    };
    await policy.validateStack(args as never, (message: string, urn?: string) => reported.push({ message, urn }));
    return reported;
}
