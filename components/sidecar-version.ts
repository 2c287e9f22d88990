import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { canonicalSidecarSpec, catalogObjectName, parseSidecarVersionSpec, SidecarVersionSpec, sidecarVersionDigest } from "../domain";
import { canonicalJson, StateRecord, stateRecordType } from "../provider";

export const SIDECAR_VERSION_TYPE = "mesh-rollout:index:SidecarVersion";
export const SIDECAR_VERSION_RECORD_KIND = "SidecarVersionRecord";
/** The resource type the catalog policies match: `pulumi-nodejs:dynamic/mesh-rollout:SidecarVersionRecord`. */
export const SIDECAR_VERSION_RECORD_TYPE = stateRecordType(SIDECAR_VERSION_RECORD_KIND);
export const SIDECAR_DIGEST_ANNOTATION = "mesh-rollout.io/digest";

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
    /** TAR package, for the VM scenario: an https address and the package's sha256. */
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
}

/** The state-only record of a catalog entry; its checked inputs carry the digest it had when last applied. */
export class SidecarVersionRecord extends StateRecord {
    constructor(name: string, args: { version: string; state: Record<string, unknown> }, opts?: pulumi.CustomResourceOptions) {
        super(SIDECAR_VERSION_RECORD_KIND, name, { key: args.version, state: args.state }, opts);
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
        super(SIDECAR_VERSION_TYPE, name, {}, opts);
        const { catalogNamespace = "istio-system", main, ...rest } = args;
        const spec = parseSidecarVersionSpec({ ...rest, ...(main !== undefined ? { main: { version: main.version, mosn: mainMosn(main) } } : {}) }, "args");
        this.spec = spec;
        this.version = spec.version;
        this.image = spec.image;
        this.digest = sidecarVersionDigest(spec);
        const canonical = canonicalSidecarSpec(spec);
        const objectName = catalogObjectName(spec.version, this.digest);
        // Immutable, and named by digest: an edit is a new object, never an in-place change.
        const object = new k8s.core.v1.ConfigMap(
            `${name}-catalog`,
            {
                metadata: {
                    name: objectName,
                    namespace: catalogNamespace,
                    labels: { "mesh-rollout.io/sidecar-version": spec.version, "app.kubernetes.io/managed-by": "mesh-rollout" },
                    annotations: { [SIDECAR_DIGEST_ANNOTATION]: this.digest },
                },
                immutable: true,
                data: { "spec.json": canonicalJson(canonical) },
            },
            { parent: this },
        );
        new SidecarVersionRecord(`${name}-record`, { version: spec.version, state: { ...canonical, digest: this.digest, ...(spec.main ? { mainMosn: spec.main.mosn } : {}) } }, { parent: this });
        this.catalogObject = object.metadata.name;
        this.registerOutputs({ catalogObject: this.catalogObject, digest: this.digest });
    }
}

function mainMosn(main: NonNullable<SidecarVersionArgs["main"]>): { api: string; pkg: string } {
    return main instanceof SidecarVersion ? main.spec.mosn : main.mosn;
}
