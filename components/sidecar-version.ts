import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { canonicalSidecarSpec, catalogObjectName, MeshRolloutValidationError, parseSidecarVersionArgs, SidecarVersionSpec, sidecarVersionDigest, tarUrlIsSecret } from "../domain";
import { canonicalJson, SIDECAR_VERSION_RECORD_KIND, SIDECAR_VERSION_TYPE, StateRecord } from "../provider";

export { SIDECAR_VERSION_TYPE, SIDECAR_VERSION_RECORD_KIND, SIDECAR_VERSION_RECORD_TYPE } from "../provider";
export const SIDECAR_DIGEST_ANNOTATION = "mesh-rollout.io/digest";
/** On the catalog ConfigMap of a pre-signed TAR address: the Secret holding the full address (key `url`). */
export const TAR_URL_SECRET_ANNOTATION = "mesh-rollout.io/tar-url-secret";

/** What a consumer needs of a catalog version; a {@link SidecarVersion} is one, so is a value read from another stack. */
export interface SidecarVersionRef {
    readonly version: string;
    /** The container image (container scenario). */
    readonly image?: string;
}

export interface SidecarVersionArgs {
    /** The sidecar's version number (`1.0.0`, `1.12.4.58`, `1.6.8-1`). */
    readonly version: string;
    /** `container`: an image address; `vm`: a TAR package address (seed 000). */
    readonly scenario: "container" | "vm";
    /** Image address, for the container scenario. */
    readonly image?: string;
    /**
     * TAR package, for the VM scenario: an https address and the package's sha256. A pre-signed address
     * (its query carries a credential: Signature, X-Amz-Signature, OSSAccessKeyId, token, sig, ...) is
     * kept secret: the catalog ConfigMap and the stack record hold it with its query redacted
     * (`?<redacted>`; the digest is computed over that, so re-signing is not an edit), and the full
     * address is stored, as a Pulumi secret, in the Secret `<catalog object>-tar` (key `url`) named by the
     * ConfigMap's `mesh-rollout.io/tar-url-secret` annotation.
     */
    readonly tarPackage?: { readonly url: string; readonly sha256: string };
    /**
     * The `mosn.api` and `mosn.pkg` versions the sidecar (or plugin) depends on.
     * @default { api: "v0.0.0-20211217011300-b851d129be01", pkg: "v0.0.0-20211217101631-d914102d1baf" }
     */
    readonly mosn?: { readonly api?: string; readonly pkg?: string };
    /** For a plugin: the main MOSN version it plugs into. Its mosn pins must equal this one's (seed 000). */
    readonly main?: SidecarVersion | { readonly version: string; readonly mosn: { readonly api: string; readonly pkg: string } };
    readonly description?: string;
    /** Namespace of the catalog object. @default "istio-system" */
    readonly catalogNamespace?: string;
    /**
     * Read the cluster to know who uses this version (any SidecarSet or running pod with its image,
     * whichever stack or person applied it) when it is edited: the policy pack then refuses the edit while
     * any does, naming them. `kubeconfig`: a file path; read access to SidecarSets and pods. Not part of
     * the version's spec or digest.
     */
    readonly liveCheck?: { readonly kubeconfig?: string };
}

/** The state-only record of a catalog entry; its checked inputs carry the digest it had when last applied. */
export class SidecarVersionRecord extends StateRecord {
    constructor(name: string, args: { version: string; state: Record<string, unknown>; liveCheck?: { kubeconfig?: string } }, opts?: pulumi.CustomResourceOptions) {
        super(
            SIDECAR_VERSION_RECORD_KIND,
            name,
            { key: args.version, state: args.state, extra: { ...(args.liveCheck ? { liveCheck: args.liveCheck } : {}), usedBy: undefined } },
            opts,
        );
    }
}

/**
 * One entry of the sidecar version catalog (seed 000): stored in the cluster as an immutable ConfigMap
 * named after the version and the digest of its canonical spec, and recorded in the stack so that the
 * policy pack can refuse edits of a version in use.
 */
export class SidecarVersion extends pulumi.ComponentResource implements SidecarVersionRef {
    readonly version: string;
    readonly image?: string;
    /** `sha256:<hex>` of the canonical spec. */
    readonly digest: string;
    readonly spec: SidecarVersionSpec;
    /** The catalog object's name (`sidecar-version-1-0-0-<digest8>`). */
    readonly catalogObject: pulumi.Output<string>;

    constructor(name: string, args: SidecarVersionArgs, opts?: pulumi.ComponentResourceOptions) {
        // Every argument is checked before anything is registered; a refusal leaves nothing in the plan.
        // `liveCheck` is how the version is watched, not part of its spec or digest.
        const isObject = typeof args === "object" && args !== null;
        const { liveCheck, ...specArgs } = isObject ? args : ({} as SidecarVersionArgs);
        const spec = parseSidecarVersionArgs(isObject ? withPlainMain(specArgs) : args, "args");
        const kubeconfig = parseLiveCheck(liveCheck);
        super(SIDECAR_VERSION_TYPE, name, {}, opts);
        const catalogNamespace = spec.catalogNamespace;
        this.spec = spec;
        this.version = spec.version;
        this.image = spec.image;
        this.digest = sidecarVersionDigest(spec);
        const canonical = canonicalSidecarSpec(spec);
        const objectName = catalogObjectName(spec.version, this.digest);
        // A pre-signed TAR address carries a credential: the ConfigMap and the record hold it redacted,
        // and the full address lives only in a Secret, as a Pulumi secret (encrypted in the state).
        const tarSecret = tarUrlIsSecret(spec) ? `${objectName}-tar` : undefined;
        // Immutable, and named by digest: an edit is a new object, never an in-place change.
        const object = new k8s.core.v1.ConfigMap(
            `${name}-catalog`,
            {
                metadata: {
                    name: objectName,
                    namespace: catalogNamespace,
                    labels: { "mesh-rollout.io/sidecar-version": spec.version, "app.kubernetes.io/managed-by": "mesh-rollout" },
                    annotations: { [SIDECAR_DIGEST_ANNOTATION]: this.digest, ...(tarSecret !== undefined ? { [TAR_URL_SECRET_ANNOTATION]: tarSecret } : {}) },
                },
                immutable: true,
                data: { "spec.json": canonicalJson(canonical) },
            },
            { parent: this },
        );
        if (tarSecret !== undefined && spec.tarPackage !== undefined) {
            new k8s.core.v1.Secret(
                `${name}-tar-url`,
                {
                    metadata: {
                        name: tarSecret,
                        namespace: catalogNamespace,
                        labels: { "mesh-rollout.io/sidecar-version": spec.version, "app.kubernetes.io/managed-by": "mesh-rollout" },
                    },
                    type: "Opaque",
                    stringData: { url: pulumi.secret(spec.tarPackage.url) },
                },
                { parent: this },
            );
        }
        new SidecarVersionRecord(
            `${name}-record`,
            {
                version: spec.version,
                state: { ...canonical, digest: this.digest, ...(spec.main ? { mainMosn: spec.main.mosn } : {}) },
                ...(kubeconfig !== undefined ? { liveCheck: { kubeconfig } } : {}),
            },
            { parent: this },
        );
        this.catalogObject = object.metadata.name;
        this.registerOutputs({ catalogObject: this.catalogObject, digest: this.digest });
    }
}

/** A SidecarVersion given as `main` is reduced to its version and mosn pins; anything else is checked as given. */
function withPlainMain(args: unknown): unknown {
    if (typeof args !== "object" || args === null) {
        return args;
    }
    const main = (args as { main?: unknown }).main;
    return main instanceof SidecarVersion ? { ...args, main: { version: main.version, mosn: main.spec.mosn } } : args;
}

/** `liveCheck` of a SidecarVersion: an optional kubeconfig path, checked like every argument. */
function parseLiveCheck(value: unknown): string | undefined {
    if (value === undefined) {
        return undefined;
    }
    const kubeconfig = (value as { kubeconfig?: unknown } | null)?.kubeconfig;
    const extra = typeof value === "object" && value !== null ? Object.keys(value).filter((k) => k !== "kubeconfig") : [];
    if (typeof value !== "object" || value === null || Array.isArray(value) || (kubeconfig !== undefined && typeof kubeconfig !== "string") || extra.length > 0) {
        throw new MeshRolloutValidationError({
            path: extra.length > 0 ? `args.liveCheck.${extra[0]}` : "args.liveCheck",
            rule: "sidecar/live-check",
            value,
            problem: "is not a live check: give { kubeconfig } with a file path",
            remedy: 'E.g. liveCheck: { kubeconfig: "/home/me/.kube/config" }.',
        });
    }
    return kubeconfig === "" ? undefined : (kubeconfig as string | undefined);
}
