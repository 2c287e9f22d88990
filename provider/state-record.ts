import * as pulumi from "@pulumi/pulumi";
import { legacyDynamicRecordType, PACKAGE_NAME, PACKAGE_VERSION, typeToken } from "./tokens";

/**
 * State-only resources of mesh-rollout (an upgrade ledger, a sidecar version record). They touch no
 * external system: their history is the Pulumi state itself. They are custom resources served by this
 * package's own provider (`pulumi-resource-mesh-rollout`, see provider/server.ts), so that programs in
 * any language can use them.
 *
 * Why they exist: a CrossGuard policy sees only the new desired inputs of a resource, never the old
 * ones. But the engine runs policies on the inputs *after* the provider's `check(olds, news)`, and
 * `check` does receive the old inputs. So `check` copies what was applied before into the checked
 * input `prior`, and a policy can judge the transition (`prior` -> `state`) from one resource alone.
 *
 * `prior` is the last *different* applied state: re-applying the same state keeps the old `prior`, so a
 * re-run is a no-op (no diff) and is judged exactly as the first run was.
 */

/** Plain JSON, as stored in state. */
export type RecordValue = { readonly [key: string]: unknown };

export interface StateRecordInputs {
    /** What this record is about (a stable key, e.g. the mesh or the sidecar version). */
    readonly key: pulumi.Input<string>;
    /** The state being applied. */
    readonly state: pulumi.Input<RecordValue>;
    /** Inputs of a record kind beyond key and state (the ledger's `liveCheck`); never part of its diff. */
    readonly extra?: Readonly<Record<string, pulumi.Input<unknown>>>;
}

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

/** The record properties the provider compares and stores. */
export const RECORD_PROPERTIES = ["key", "state", "prior"] as const;

/** `check`: the new inputs plus `prior`, the last different state applied (null on first creation). */
export function checkRecord(olds: Record<string, unknown> | undefined, news: Record<string, unknown>): Record<string, unknown> {
    const hadState = olds !== undefined && olds !== null && Object.prototype.hasOwnProperty.call(olds, "state");
    let prior: unknown = null;
    if (hadState) {
        prior = canonicalJson(olds.state) === canonicalJson(news.state) ? (olds.prior ?? null) : olds.state;
    }
    // Kind-specific inputs (the ledger's liveCheck) pass through; 0.1.0's `__provider` does not.
    const extra = Object.fromEntries(Object.entries(news).filter(([k]) => !(RECORD_PROPERTIES as readonly string[]).includes(k) && k !== "__provider"));
    return { ...extra, key: news.key, state: news.state, prior };
}

/**
 * `diff`: which record properties changed; a new key replaces the record. Anything else in the old
 * inputs (`__provider`, left by a 0.1.0 dynamic record) is not a change.
 */
export function diffRecord(olds: Record<string, unknown>, news: Record<string, unknown>): { changes: boolean; replaces: string[]; diffs: string[] } {
    const diffs = RECORD_PROPERTIES.filter((k) => canonicalJson(olds[k] ?? null) !== canonicalJson(news[k] ?? null));
    return { changes: diffs.length > 0, replaces: diffs.includes("key") ? ["key"] : [], diffs: [...diffs] };
}

/** The outputs of a record: exactly its checked inputs. */
export function recordOutputs(inputs: Record<string, unknown>): Record<string, unknown> {
    return { ...inputs, prior: inputs.prior ?? null };
}

/** The name of the provider resource that serves the records of a stack. */
export const RECORDS_PROVIDER_NAME = "mesh-rollout-records";

/** The provider resource of the mesh-rollout package, with no settings. */
class RecordsProvider extends pulumi.ProviderResource {
    constructor(name: string) {
        super(PACKAGE_NAME, name, {}, { version: PACKAGE_VERSION });
    }
}

let recordsProvider: RecordsProvider | undefined;

/**
 * The records' provider: one explicit provider resource per program, with no settings. Not the default
 * provider, whose inputs are the stack's whole `mesh-rollout:*` config namespace: a project that keeps
 * its own settings there (the main job does) would see that provider "updated" at every stage.
 */
export function recordProvider(): pulumi.ProviderResource {
    recordsProvider ??= new RecordsProvider(RECORDS_PROVIDER_NAME);
    return recordsProvider;
}

/**
 * A state-only record whose checked inputs carry the previously applied state as `prior`.
 * Subclasses fix the kind (`mesh-rollout:index:<kind>`, the type the policies match on).
 */
export abstract class StateRecord extends pulumi.CustomResource {
    declare readonly key: pulumi.Output<string>;
    declare readonly state: pulumi.Output<RecordValue>;
    /** The last different state applied before this one; `null` on first creation. */
    declare readonly prior: pulumi.Output<RecordValue | null>;

    protected constructor(kind: string, name: string, args: StateRecordInputs, opts?: pulumi.CustomResourceOptions) {
        super(
            typeToken(kind),
            name,
            { ...(args.extra ?? {}), key: args.key, state: args.state, prior: undefined },
            {
                ...opts,
                provider: opts?.provider ?? recordProvider(),
                version: PACKAGE_VERSION,
                // Release 0.1.0 made records as dynamic resources: same name and parent, other type.
                aliases: [...(opts?.aliases ?? []), { type: legacyDynamicRecordType(kind) }],
            },
        );
    }
}
