import * as pulumi from "@pulumi/pulumi";

/**
 * State-only resources of mesh-rollout (an upgrade ledger, a sidecar version record). They touch no
 * external system: their history is the Pulumi state itself.
 *
 * Why they exist: a CrossGuard policy sees only the new desired inputs of a resource, never the old
 * ones. But the engine runs policies on the inputs *after* the provider's `check(olds, news)`, and
 * `check` does receive the old inputs. So `check` copies what was applied before into the checked
 * input `prior`, and a policy can judge the transition (`prior` -> `state`) from one resource alone.
 *
 * `prior` is the last *different* applied state: re-applying the same state keeps the old `prior`, so a
 * re-run is a no-op (no diff) and is judged exactly as the first run was.
 */
export const STATE_RECORD_MODULE = "mesh-rollout";

/** The dynamic resource type of a record kind: `pulumi-nodejs:dynamic/mesh-rollout:<kind>`. */
export function stateRecordType(kind: string): string {
    return `pulumi-nodejs:dynamic/${STATE_RECORD_MODULE}:${kind}`;
}

/** Plain JSON, as stored in state. */
export type RecordValue = { readonly [key: string]: unknown };

export interface StateRecordInputs {
    /** What this record is about (a stable key, e.g. the mesh or the sidecar version). */
    readonly key: pulumi.Input<string>;
    /** The state being applied. */
    readonly state: pulumi.Input<RecordValue>;
}

// The provider is serialized into the state by Pulumi's closure serializer, so it is self-contained:
// no imports; the one helper it uses is a plain function below.

/** JSON with object keys sorted, so that equal values compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
    return (
        JSON.stringify(value, (_k, x: unknown) =>
            x !== null && typeof x === "object" && !Array.isArray(x)
                ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
                : x,
        ) ?? "null"
    );
}

const stateRecordProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
        const hadState = olds !== undefined && olds !== null && Object.prototype.hasOwnProperty.call(olds, "state");
        let prior: unknown = null;
        if (hadState) {
            prior = canonicalJson(olds.state) === canonicalJson(news.state) ? (olds.prior ?? null) : olds.state;
        }
        return { inputs: { ...news, prior } };
    },
    async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
        const changed = ["key", "state", "prior"].filter((k) => canonicalJson(olds[k]) !== canonicalJson(news[k]));
        return { changes: changed.length > 0, replaces: changed.includes("key") ? ["key"] : [] };
    },
    async create(inputs: Record<string, unknown>) {
        return { id: String(inputs.key), outs: { key: inputs.key, state: inputs.state, prior: inputs.prior ?? null } };
    },
    async update(_id: string, _olds: Record<string, unknown>, news: Record<string, unknown>) {
        return { outs: { key: news.key, state: news.state, prior: news.prior ?? null } };
    },
};

/**
 * A state-only record whose checked inputs carry the previously applied state as `prior`.
 * Subclasses fix the kind (the resource type the policies match on).
 */
export abstract class StateRecord extends pulumi.dynamic.Resource {
    declare readonly key: pulumi.Output<string>;
    declare readonly state: pulumi.Output<RecordValue>;
    /** The last different state applied before this one; `null` on first creation. */
    declare readonly prior: pulumi.Output<RecordValue | null>;

    protected constructor(kind: string, name: string, args: StateRecordInputs, opts?: pulumi.CustomResourceOptions) {
        super(stateRecordProvider, name, { key: args.key, state: args.state, prior: undefined }, opts, STATE_RECORD_MODULE, kind);
    }
}
