// Pulumi's mocked runtime, for fast unit tests of the components: every registered resource is
// recorded with its type, name, inputs and parent, so tests can assert the exact children.
import * as pulumi from "@pulumi/pulumi";

export interface Recorded {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    readonly custom: boolean;
}

export const recorded: Recorded[] = [];

let ready: Promise<void> | undefined;

/** Installs the mocks once for the whole unit suite (before any component module is imported). */
export function installMocks(): Promise<void> {
    ready ??= pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                recorded.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true });
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "mesh-rollout-unit",
        "unit",
        true,
    );
    return ready;
}

/** Resolves an Output's value. */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/**
 * Runs `build`, waits until every resource it registers has reached the mocks, and returns the
 * resources registered meanwhile.
 */
export async function capture(build: () => pulumi.Resource): Promise<Recorded[]> {
    await installMocks();
    const start = recorded.length;
    const root = build();
    await valueOf(root.urn);
    let last = -1;
    let stable = 0;
    while (stable < 5) {
        await new Promise((r) => setTimeout(r, 5));
        stable = recorded.length === last ? stable + 1 : 0;
        last = recorded.length;
    }
    return recorded.slice(start);
}

/** `type::name` of each resource, sorted, for whole-set comparisons. */
export function names(resources: readonly Recorded[]): string[] {
    return resources.map((r) => `${r.type}::${r.name}`).sort();
}

export function find(resources: readonly Recorded[], type: string, name: string): Recorded {
    const r = resources.find((x) => x.type === type && x.name === name);
    if (r === undefined) {
        throw new Error(`no ${type} named ${name}; have:\n  ${names(resources).join("\n  ")}`);
    }
    return r;
}
