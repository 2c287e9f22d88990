// Reading the stack's resources the way the policies need them. The ledger types are the
// project's state-only records; the Kubernetes types are the provider's.
import type { MeshLedgerState } from "../../domain";

export const LEDGER_TYPE = "pulumi-nodejs:dynamic/mesh-rollout:MeshUpgradeLedger";
export const NAMESPACE_TYPES = ["kubernetes:core/v1:Namespace", "kubernetes:core/v1:NamespacePatch"];
export const WORKLOAD_TYPES = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DeploymentPatch", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet"];
export const WEBHOOK_TYPE = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration";

export interface PolicyResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, unknown>;
}

export interface LedgerView {
    readonly name: string;
    readonly state: MeshLedgerState;
    readonly prior: MeshLedgerState | null;
}

/** The ledger's checked inputs: `state` as requested now, `prior` as last applied (null at first). */
export function readLedger(r: { type: string; name: string; props: Record<string, unknown> }): LedgerView | undefined {
    if (r.type !== LEDGER_TYPE || typeof r.props.state !== "object" || r.props.state === null) {
        return undefined;
    }
    const prior = r.props.prior;
    return {
        name: r.name,
        state: r.props.state as MeshLedgerState,
        prior: typeof prior === "object" && prior !== null && "version" in prior ? (prior as MeshLedgerState) : null,
    };
}

export function labelsOf(r: PolicyResource): Record<string, string> {
    const metadata = r.props.metadata as { labels?: Record<string, string> } | undefined;
    return metadata?.labels ?? {};
}

export function metadataName(r: PolicyResource): string {
    const metadata = r.props.metadata as { name?: string; namespace?: string } | undefined;
    return metadata?.name ?? r.name;
}

/** The `istio.io/rev` label on a workload's pod template. */
export function podTemplateRev(r: PolicyResource): string | undefined {
    const spec = r.props.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined;
    return spec?.template?.metadata?.labels?.["istio.io/rev"];
}

export function workloadName(r: PolicyResource): string {
    const metadata = r.props.metadata as { name?: string; namespace?: string } | undefined;
    return `${metadata?.namespace ?? "default"}/${metadata?.name ?? r.name}`;
}

export const SIDECAR_RECORD_TYPE = "pulumi-nodejs:dynamic/mesh-rollout:SidecarVersionRecord";
export const SIDECARSET_TYPE = "kubernetes:apps.kruise.io/v1alpha1:SidecarSet";

/** A catalog entry as recorded: the canonical spec and digest now, and as last applied. */
export interface SidecarRecordView {
    readonly name: string;
    readonly state: { version: string; digest: string; image?: string; mosn: { api: string; pkg: string }; main?: string; mainMosn?: { api: string; pkg: string } };
    readonly prior: { version: string; digest: string } | null;
}

export function readSidecarRecord(r: { type: string; name: string; props: Record<string, unknown> }): SidecarRecordView | undefined {
    if (r.type !== SIDECAR_RECORD_TYPE || typeof r.props.state !== "object" || r.props.state === null) {
        return undefined;
    }
    const prior = r.props.prior as SidecarRecordView["prior"] | undefined;
    return { name: r.name, state: r.props.state as SidecarRecordView["state"], prior: prior && typeof prior === "object" && "digest" in prior ? prior : null };
}

/** A consumer of a catalog version: any resource annotated with the version it injects. */
export interface SidecarUse {
    readonly consumer: string;
    readonly version: string;
    readonly image?: string;
    readonly urn: string;
}

export function sidecarUse(r: PolicyResource): SidecarUse | undefined {
    const annotations = (r.props.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {};
    const version = annotations["mesh-rollout.io/sidecar-version"];
    if (version === undefined) {
        return undefined;
    }
    const kind = r.type.split(":").pop() ?? r.type;
    return { consumer: `${kind} ${metadataName(r)}`, version, image: annotations["mesh-rollout.io/sidecar-image"], urn: r.urn };
}
