// The project's state-only records as the policies read them: `state` as requested now, `prior` as
// last applied. A record may have been written by another mesh-rollout version, so each policy
// reads only the fields it needs, and a missing or mistyped field is a FieldProblem, not a crash.
import { CANARY_STAGES, CanaryStage, MeshLedgerState } from "../../domain";
import type { DataPlaneObservation, LiveGate } from "../../domain/data-plane";
import { Checker, FieldProblem, field, labelValue, listOf, mapOf, nullable, oneOf, optional, Read, readFields, Shape, string, Path } from "./fields";
import { PolicyResource } from "./resources";
import { shown } from "./values";

// The record types are the provider's own constants: one module names them for the code that creates
// the records and for the policies that judge them.
import { CANARY_PROGRESS_TYPE, MESH_LEDGER_TYPE, MESH_STAGE_APPLIED_TYPE, SIDECAR_VERSION_RECORD_TYPE } from "../../provider/tokens";

export const LEDGER_TYPE = MESH_LEDGER_TYPE;
export const SIDECAR_RECORD_TYPE = SIDECAR_VERSION_RECORD_TYPE;
export const STAGE_APPLIED_TYPE = MESH_STAGE_APPLIED_TYPE;

const version = string("a version of at most 64 characters", '"1.14.5"', { max: 64 });
const revision = string("a revision or tag name", '"1-14-5"', { max: 253 });
const names = listOf(revision, "a list of names", '["1-12-4", "1-14-5"]');

export const LEDGER_FIELDS = {
    version,
    upgrade: nullable((value: unknown, path: Path): Read<{ to: string; stage: CanaryStage }> =>
        readFields(
            value,
            path,
            { to: version, stage: oneOf<CanaryStage>(CANARY_STAGES, "controlPlane") },
            ["to", "stage"],
            "null or an upgrade",
            '{"to": "1.14.5", "stage": "controlPlane"}',
        ),
    ),
    revisions: names,
    oldRevision: revision,
    newRevision: nullable(revision),
    tags: mapOf(revision, "a map of tag to revision", '{"stable": "1-12-4"}'),
    namespaces: mapOf(labelValue, "a map of namespace to istio.io/rev value", '{"shop": "1-14-5"}'),
    gateways: mapOf(labelValue, "a map of `namespace/name` to istio.io/rev value", '{"istio-ingress/ingress": "1-14-5"}'),
    onOldRevision: listOf(string("a `kind/namespace/name` entry", '"namespace/shop"', { max: 600 }), "a list of `kind/namespace/name` entries", '["namespace/shop"]'),
    mode: oneOf(["install", "managed"], "install"),
    deleteWhenRemoved: optional(listOf(string("a namespace name", '"shop"', { max: 253 }), "a list of namespace names", '["shop"]')),
} satisfies Partial<Record<keyof MeshLedgerState, Checker<unknown>>>;

export type LedgerField = keyof typeof LEDGER_FIELDS;
export type LedgerFields<K extends LedgerField> = Pick<Shape<typeof LEDGER_FIELDS>, K>;

/** A state-only record in the stack, before any of its fields is read. */
export interface RecordResource {
    readonly name: string;
    readonly urn: string;
    /** `MeshUpgradeLedger mesh-ledger`. */
    readonly label: string;
    /** What the record is about (the mesh's name for a ledger). */
    readonly key: unknown;
    readonly state: unknown;
    readonly prior: unknown;
    /** The ledger's live observation (set by the provider's check), and its liveCheck settings. */
    readonly observed: unknown;
    readonly liveCheck: unknown;
    /** A catalog record's users read from the cluster when it is edited (set by the provider's check). */
    readonly usedBy: unknown;
    /** The ledger's metric analysis verdict before finalize (set by the provider's check). */
    readonly verdict: unknown;
    /** The ledger's pre hooks' answers (set by the provider's check). */
    readonly preHooks: unknown;
}

function recordOf(r: PolicyResource, type: string, kind: string): RecordResource | undefined {
    if (r.type !== type) {
        return undefined;
    }
    return {
        name: shown(r.name),
        urn: r.urn,
        label: `${kind} ${shown(r.name)}`,
        key: field(r.props, "key"),
        state: field(r.props, "state"),
        prior: field(r.props, "prior"),
        observed: field(r.props, "observed"),
        liveCheck: field(r.props, "liveCheck"),
        usedBy: field(r.props, "usedBy"),
        verdict: field(r.props, "verdict"),
        preHooks: field(r.props, "preHooks"),
    };
}

export function ledgerOf(r: PolicyResource): RecordResource | undefined {
    return recordOf(r, LEDGER_TYPE, "MeshUpgradeLedger");
}

/** A canary release's progress record, with its metric analysis verdict. */
export function canaryProgressOf(r: PolicyResource): RecordResource | undefined {
    return recordOf(r, CANARY_PROGRESS_TYPE, "CanaryProgressRecord");
}

/** A mesh's MeshStageApplied record: what its last update completed. */
export function stageAppliedOf(r: PolicyResource): RecordResource | undefined {
    return recordOf(r, STAGE_APPLIED_TYPE, "MeshStageApplied");
}

export function sidecarRecordOf(r: PolicyResource): RecordResource | undefined {
    return recordOf(r, SIDECAR_RECORD_TYPE, "SidecarVersionRecord");
}

const LEDGER_EXAMPLE = '{"version": "1.12.4", "upgrade": null, ...}';

/** The ledger's requested state: the listed fields, checked. */
export function ledgerState<K extends LedgerField>(ledger: RecordResource, keys: readonly K[]): Read<LedgerFields<K>> {
    return readFields(ledger.state, "state", LEDGER_FIELDS, keys, "the mesh's ledger state", LEDGER_EXAMPLE);
}

/** The ledger's last applied state (null before the first apply): the listed fields, checked. */
export function ledgerPrior<K extends LedgerField>(ledger: RecordResource, keys: readonly K[]): Read<LedgerFields<K> | null> {
    return ledger.prior === undefined || ledger.prior === null
        ? null
        : readFields(ledger.prior, "prior", LEDGER_FIELDS, keys, "null or the ledger state last applied", LEDGER_EXAMPLE);
}

const mosnVersion = string("a MOSN module version", '"v0.0.0-20211217011300-b851d129be01"', { max: 128 });
const mosn = (value: unknown, path: Path) =>
    readFields(value, path, { api: mosnVersion, pkg: mosnVersion }, ["api", "pkg"], "the MOSN pins", '{"api": "v0.0.0-…", "pkg": "v0.0.0-…"}');

export const SIDECAR_RECORD_FIELDS = {
    version,
    digest: string("a sha256 digest", '"sha256:9f86d081…"', { max: 128 }),
    image: optional(string("an image reference", '"registry.example.com/mesh/proxy:1.0.0"', { max: 1024 })),
    mosn,
    main: optional(version),
    mainMosn: optional(mosn),
};

export type SidecarRecordField = keyof typeof SIDECAR_RECORD_FIELDS;
export type SidecarRecordFields<K extends SidecarRecordField> = Pick<Shape<typeof SIDECAR_RECORD_FIELDS>, K>;

const RECORD_EXAMPLE = '{"version": "1.0.0", "digest": "sha256:…", ...}';

export function sidecarState<K extends SidecarRecordField>(record: RecordResource, keys: readonly K[]): Read<SidecarRecordFields<K>> {
    return readFields(record.state, "state", SIDECAR_RECORD_FIELDS, keys, "the catalog entry's record", RECORD_EXAMPLE);
}

export function sidecarPrior<K extends SidecarRecordField>(record: RecordResource, keys: readonly K[]): Read<SidecarRecordFields<K> | null> {
    return record.prior === undefined || record.prior === null
        ? null
        : readFields(record.prior, "prior", SIDECAR_RECORD_FIELDS, keys, "null or the record last applied", RECORD_EXAMPLE);
}

/**
 * A record field this pack cannot read. `state` comes from the program's mesh-rollout, `prior` from
 * whichever version applied the record last, so the remedies differ.
 */
export function recordViolation(record: RecordResource, problem: FieldProblem, policy: string): string {
    const remedy = problem.path.startsWith("prior")
        ? `The record was last applied by a mesh-rollout version that wrote it differently. Check this change by hand, then run this one update with {"${policy}": "advisory"} in --policy-pack-config; the next apply rewrites the record.`
        : "The program's mesh-rollout writes records this policy pack cannot read: use the same mesh-rollout version for the program and the policy pack.";
    return `${record.label} must have ${problem.describe()}. ${remedy}`;
}

/** The ledger's live data plane, as the provider observed it; undefined when it carries none (no upgrade, or an older provider). */
export interface LiveDataPlane {
    readonly observation: DataPlaneObservation;
    readonly gate: LiveGate;
}

/** Reads `observed` and `liveCheck.finalizeGate` defensively: anything unreadable counts as not verified. */
export function liveDataPlaneOf(ledger: RecordResource): LiveDataPlane | undefined {
    const o = ledger.observed as Partial<DataPlaneObservation> | null | undefined;
    if (o === null || o === undefined || typeof o !== "object") {
        return undefined;
    }
    const gateValue = (ledger.liveCheck as { finalizeGate?: unknown } | undefined)?.finalizeGate;
    const gate: LiveGate = gateValue === "refuse" ? "refuse" : "warn";
    const pods = Array.isArray(o.pods)
        ? o.pods.filter(
              (p): p is DataPlaneObservation["pods"][number] =>
                  p !== null && typeof p === "object" && typeof p.namespace === "string" && typeof p.name === "string" && typeof p.owner === "string",
          )
        : [];
    if (o.verified !== true) {
        return { observation: { verified: false, reason: typeof o.reason === "string" ? o.reason : "no cluster", pods: [] }, gate };
    }
    return { observation: { verified: true, ...(typeof o.at === "string" ? { at: o.at } : {}), pods }, gate };
}

/** The cluster's users of an edited catalog version; [] when none were read or they cannot be read. */
export function clusterUsersOf(record: RecordResource): string[] {
    const u = record.usedBy as { verified?: unknown; users?: unknown } | null | undefined;
    if (u === null || u === undefined || typeof u !== "object" || u.verified !== true || !Array.isArray(u.users)) {
        return [];
    }
    return u.users.filter((x): x is string => typeof x === "string").map((x) => `${x} (in the cluster)`);
}
