// Environment values of a canary's containers that are Pulumi Outputs (a `pulumi.secret`, or any
// value known only at deployment) cannot be written into the Deployment as plain values, nor checked
// now. They go into one Kubernetes Secret per release, `<deployment>-env`, and the variables reference
// it with `secretKeyRef`; plain string values stay plain.
import * as pulumi from "@pulumi/pulumi";
import type { CanaryReleaseSpecInput, ContainerArgs, EnvVarArgs, NewVersionArgs } from "../domain/canary";

/** An environment variable whose value may be an Output (e.g. `pulumi.secret(...)`). */
export type EnvVarInput = Omit<EnvVarArgs, "value"> & { readonly value?: pulumi.Input<string> };
export type ContainerInput = Omit<ContainerArgs, "env"> & { readonly env?: readonly EnvVarInput[] };
export type NewVersionInput = Omit<NewVersionArgs, "containers"> & { readonly containers: readonly ContainerInput[] };
/** CanaryRelease's arguments: plain values, except that an env `value` may be an Output (rendered as a Secret reference). */
export type CanaryReleaseInput = Omit<CanaryReleaseSpecInput, "newVersion"> & { readonly newVersion: NewVersionInput };

/** The Secret of a release's Output env values: its name and its data (key -> Output). */
export interface SecretEnv {
    readonly secretName: string;
    readonly data: Record<string, pulumi.Input<string>>;
}

function isDeferred(value: unknown): boolean {
    return pulumi.Output.isInstance(value) || (typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function");
}

function record(value: unknown): Record<string, unknown> | undefined {
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `<deployment>-env`, from the arguments as given (if they are invalid, the spec's check refuses them anyway). */
function secretNameOf(args: Record<string, unknown>): string {
    const service = record(args.service) ?? {};
    const version = record(args.newVersion) ?? {};
    const deployment = typeof version.deploymentName === "string" ? version.deploymentName : `${String(service.app ?? service.name)}-${String(version.version)}`;
    return `${deployment.slice(0, 249).replace(/[-.]+$/, "")}-env`;
}

/**
 * Replaces every Output env value by a reference to the release's Secret (key `<container>.<variable>`),
 * so that the spec is checked on plain values, and returns the Secret's data. Anything that is not the
 * documented shape is left as it is, for the spec's check to refuse with its path.
 */
export function extractSecretEnv(args: unknown): { args: unknown; secret?: SecretEnv } {
    const top = record(args);
    const newVersion = record(top?.newVersion);
    if (top === undefined || newVersion === undefined || !Array.isArray(newVersion.containers)) {
        return { args };
    }
    const secretName = secretNameOf(top);
    const data: Record<string, pulumi.Input<string>> = {};
    const containers = newVersion.containers.map((c: unknown) => {
        const container = record(c);
        if (container === undefined || !Array.isArray(container.env)) {
            return c;
        }
        const env = container.env.map((e: unknown) => {
            const variable = record(e);
            if (variable === undefined || !isDeferred(variable.value)) {
                return e;
            }
            const key = `${String(container.name)}.${String(variable.name)}`;
            data[key] = pulumi.secret(variable.value as pulumi.Input<string>);
            const { value: _value, ...rest } = variable; // eslint-disable-line @typescript-eslint/no-unused-vars
            return { ...rest, secret: secretName, key };
        });
        return { ...container, env };
    });
    if (Object.keys(data).length === 0) {
        return { args };
    }
    return { args: { ...top, newVersion: { ...newVersion, containers } }, secret: { secretName, data } };
}
