// The package's names as the engine, the schema, the SDKs and the policy pack know them. One module:
// the components, the records, the provider and the policy pack all read their type tokens here, so a
// rename cannot leave a policy matching a type that no longer exists.

/** The Pulumi package (and plugin) name: `pulumi-resource-mesh-rollout`, `mesh-rollout:index:<Name>`. */
export const PACKAGE_NAME = "mesh-rollout";
/** The package version; a unit test keeps it equal to package.json's and schema.json's. */
export const PACKAGE_VERSION = "0.2.0";

/** `mesh-rollout:index:<name>`. */
export function typeToken(name: string): string {
    return `${PACKAGE_NAME}:index:${name}`;
}

export const MESH_REVISION_TYPE = typeToken("MeshRevision");
export const CANARY_RELEASE_TYPE = typeToken("CanaryRelease");
export const SIDECAR_VERSION_TYPE = typeToken("SidecarVersion");
export const SIDECAR_SET_UPGRADE_TYPE = typeToken("SidecarSetUpgrade");
/** The components the provider constructs for other languages. */
export const COMPONENT_TYPES = [MESH_REVISION_TYPE, CANARY_RELEASE_TYPE, SIDECAR_VERSION_TYPE, SIDECAR_SET_UPGRADE_TYPE] as const;

export const MESH_LEDGER_KIND = "MeshUpgradeLedger";
export const SIDECAR_VERSION_RECORD_KIND = "SidecarVersionRecord";
export const MESH_STAGE_APPLIED_KIND = "MeshStageApplied";
export const CANARY_PROGRESS_KIND = "CanaryProgressRecord";
/** The upgrade ledger of a mesh: a custom resource served by this package's provider. */
export const MESH_LEDGER_TYPE = typeToken(MESH_LEDGER_KIND);
/** The record of a sidecar catalog version: a custom resource served by this package's provider. */
export const SIDECAR_VERSION_RECORD_TYPE = typeToken(SIDECAR_VERSION_RECORD_KIND);
/**
 * What a mesh's last update completed: the ledger's state, written only once every child of the stage is
 * applied (the ledger itself goes first, so that its policies judge a stage before anything moves).
 */
export const MESH_STAGE_APPLIED_TYPE = typeToken(MESH_STAGE_APPLIED_KIND);
/**
 * Binding an existing namespace that carries `istio-injection`: one merge patch swaps it for
 * `istio.io/rev` (live mode only; see provider/live.ts swapInjectionLabel).
 */
export const NAMESPACE_INJECTION_SWAP_TYPE = typeToken("NamespaceInjectionSwap");
/**
 * How far a canary release's new version has got (routing kind, share), with its metric analysis: the
 * provider runs the analysis before a larger share and before promotion.
 */
export const CANARY_PROGRESS_TYPE = typeToken(CANARY_PROGRESS_KIND);
/** The state records the provider serves (full CRUD). */
export const RECORD_TYPES = [MESH_LEDGER_TYPE, SIDECAR_VERSION_RECORD_TYPE, MESH_STAGE_APPLIED_TYPE, CANARY_PROGRESS_TYPE] as const;

/**
 * The type release 0.1.0 gave a record kind: a Pulumi dynamic resource. Records keep it as an alias,
 * so that a stack made by 0.1.0 moves to the provider's type without a replacement.
 */
export function legacyDynamicRecordType(kind: string): string {
    return `pulumi-nodejs:dynamic/${PACKAGE_NAME}:${kind}`;
}
