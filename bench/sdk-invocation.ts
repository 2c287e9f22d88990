// Invokes a pack the way @pulumi/policy 1.21's analyzer server does (server.js, makeAnalyzeRpcFun and
// makeAnalyzeStackRpcFun), minus gRPC: per policy and per resource, the props are deserialized
// afresh and wrapped in the SDK's unknown-checking proxy; disabled policies are skipped; each
// validation's result is awaited. Only the protobuf decoding is left out (the struct is handed over
// as plain JSON), which costs the trivial pack and the real pack the same.
import type { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { StackResource } from "./mixed-stack";

// Internal to the SDK (hidden from its .d.ts), but these are the functions its server calls.
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy: <T>(value: T) => T };
const { deserializeProperties } = require("@pulumi/policy/deserialize") as {
    deserializeProperties: (struct: { toJavaScript(): unknown }, proxySecrets: boolean) => Record<string, unknown>;
};

export interface Diagnostic {
    readonly policyName: string;
    readonly message: string;
    readonly urn?: string;
}

/** Policy name -> its enforcement level and config, as `--policy-pack-config` gives them. */
export type PackConfig = Record<string, { enforcementLevel?: string } & Record<string, unknown>>;

export interface Invocation {
    /** Also copy the props as the SDK's deserializeProperties does (default true). */
    readonly deserialize?: boolean;
}

function propsOf(r: StackResource, invocation: Invocation): Record<string, unknown> {
    return unknownCheckingProxy(invocation.deserialize === false ? r.props : deserializeProperties({ toJavaScript: () => r.props }, false));
}

function enabled(policy: { name: string; enforcementLevel?: string }, config: PackConfig): boolean {
    return (config[policy.name]?.enforcementLevel ?? policy.enforcementLevel ?? "advisory") !== "disabled";
}

function getConfigOf(name: string, config: PackConfig) {
    return <T>() => {
        const properties: Record<string, unknown> = { ...(config[name] ?? {}) };
        delete properties.enforcementLevel;
        return properties as T;
    };
}

/** `Analyze` for every resource, then `AnalyzeStack` once: what a preview asks of the pack. */
export async function analyzeLikeSdk(policies: Policies, resources: readonly StackResource[], config: PackConfig = {}, invocation: Invocation = {}): Promise<Diagnostic[]> {
    const diagnostics: Diagnostic[] = [];
    const report = (policyName: string) => (message: unknown, urn?: string) => diagnostics.push({ policyName, message: String(message), urn });
    const resourcePolicies = policies.filter((p): p is ResourceValidationPolicy => "validateResource" in p && enabled(p, config));
    const stackPolicies = policies.filter((p): p is StackValidationPolicy => "validateStack" in p && enabled(p, config));
    for (const r of resources) {
        for (const p of resourcePolicies) {
            const validations = p.validateResource === undefined ? [] : Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            for (const validate of validations) {
                const props = propsOf(r, invocation);
                const args = {
                    type: r.type,
                    props,
                    urn: r.urn,
                    name: r.name,
                    opts: {},
                    isType: () => false,
                    asType: () => undefined,
                    getConfig: getConfigOf(p.name, config),
                    notApplicable: () => undefined,
                };
                await Promise.resolve(validate(args as never, report(p.name)));
            }
        }
    }
    for (const p of stackPolicies) {
        const stack = resources.map((r) => ({
            type: r.type,
            props: propsOf(r, invocation),
            urn: r.urn,
            name: r.name,
            opts: {},
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        }));
        const args = { resources: stack, getConfig: getConfigOf(p.name, config), notApplicable: () => undefined };
        await Promise.resolve(p.validateStack(args as never, report(p.name)));
    }
    return diagnostics;
}

const nameOf = (props: Record<string, unknown>) => (props.metadata as { name?: unknown } | undefined)?.name;

/** A pack that does nearly nothing, through the same invocation: one resource and one stack policy, each reading one name per resource. */
export const trivialPack: Policies = [
    {
        name: "trivial-resource",
        description: "Checks nothing.",
        enforcementLevel: "advisory",
        validateResource: (args, report) => {
            if (nameOf(args.props) === "none") {
                report("never");
            }
        },
    },
    {
        name: "trivial-stack",
        description: "Checks nothing.",
        enforcementLevel: "advisory",
        validateStack: (args, report) => {
            if (args.resources.some((r) => nameOf(r.props) === "none")) {
                report("never");
            }
        },
    },
];

/** As many policies of each kind as `pack` runs, each doing nothing: the SDK's own share of the cost. */
export function sdkFloor(pack: Policies, config: PackConfig = {}): Policies {
    return pack
        .filter((p) => enabled(p, config))
        .map((p, i) =>
            "validateStack" in p
                ? { name: `floor-${i}`, description: "Checks nothing.", enforcementLevel: "advisory", validateStack: () => undefined }
                : { name: `floor-${i}`, description: "Checks nothing.", enforcementLevel: "advisory", validateResource: () => undefined },
        );
}
