import { createHash } from "node:crypto";
import { z } from "zod";
import { MeshRolloutValidationError } from "./errors";
import { domainCheck, firstDomainError, parseInput } from "./schema";
import { hasCredentialQuery, redactUrl } from "./presigned-url";
import { dnsLabelSetting, remedy, textSetting } from "./settings";

/** Seed 000: the default `mosn.api` that MOSN and its plugins depend on. */
export const DEFAULT_MOSN_API = "v0.0.0-20211217011300-b851d129be01";
/** Seed 000: the default `mosn.pkg`. */
export const DEFAULT_MOSN_PKG = "v0.0.0-20211217101631-d914102d1baf";

const SIDECAR_VERSION_RE = /^[0-9]+(\.[0-9]+){1,3}(-[0-9A-Za-z][0-9A-Za-z.-]*)?$/;
// Docker reference grammar (distribution/reference): [domain[:port]/]path[:tag][@digest].
const DOMAIN = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?";
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const IMAGE_RE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);
const GO_PSEUDO_VERSION_RE = /^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;

export const IMAGE_REMEDY = "Give the full image address, e.g. registry.cn-hangzhou.aliyuncs.com/acs/asm-istio-proxy:1.6.8.";

export function assertSidecarVersion(value: unknown, path: string): asserts value is string {
    if (typeof value === "string" && value.length <= 63 && SIDECAR_VERSION_RE.test(value)) {
        return;
    }
    throw new MeshRolloutValidationError({
        path,
        rule: "sidecar/version",
        value,
        problem: "is not a sidecar version number: it must be 2 to 4 dot-separated numbers with an optional -suffix, at most 63 characters",
        remedy: "Use a version such as 1.0.0, 1.12.4.58 or 1.6.8-1.",
    });
}

/** An image reference as container runtimes parse it: `registry.example.com:5000/team/proxy:1.0.0`, optionally `@sha256:<digest>`. */
export function assertImageReference(value: unknown, path: string): asserts value is string {
    if (typeof value === "string" && value.length <= 512 && IMAGE_RE.test(value)) {
        return;
    }
    throw new MeshRolloutValidationError({
        path,
        rule: "sidecar/image",
        value,
        problem: "is not an image reference: expected [registry[:port]/]repository[:tag][@sha256:digest] with a lowercase repository",
        remedy: IMAGE_REMEDY,
    });
}

function assertHttpsUrl(value: unknown, path: string): asserts value is string {
    let ok = false;
    if (typeof value === "string") {
        try {
            const url = new URL(value);
            ok = url.protocol === "https:" && url.hostname !== "" && url.username === "" && url.password === "";
        } catch {
            ok = false;
        }
    }
    if (!ok) {
        throw new MeshRolloutValidationError({
            path,
            rule: "sidecar/tar-url",
            value: typeof value === "string" ? redactUrl(value) : value,
            problem: "is not an https:// address (without credentials)",
            remedy: TAR_URL_REMEDY,
        });
    }
}

const goModuleVersion = (example: string) =>
    textSetting({
        rule: "sidecar/mosn-version",
        problem: "is not a Go module version (vX.Y.Z or a pseudo-version)",
        remedy: `Give the Go module version the sidecar was built against, e.g. ${example}.`,
        test: (v) => GO_PSEUDO_VERSION_RE.test(v),
        max: 128,
    });

const mosnSchema = z
    .object(
        {
            api: goModuleVersion(DEFAULT_MOSN_API).default(DEFAULT_MOSN_API),
            pkg: goModuleVersion(DEFAULT_MOSN_PKG).default(DEFAULT_MOSN_PKG),
        },
        remedy(`Give the MOSN pins as { api, pkg }, e.g. { api: "${DEFAULT_MOSN_API}", pkg: "${DEFAULT_MOSN_PKG}" }.`),
    )
    .strict();

const TAR_URL_REMEDY =
    "Serve the TAR package over https and give its address, e.g. https://example.com/mosn-1.0.0.tar.gz; keep user:password out of the address (a pre-signed query is kept secret).";

const tarPackageSchema = z
    .object(
        {
            url: z
                .string(remedy(TAR_URL_REMEDY))
                .max(4096, remedy(TAR_URL_REMEDY))
                .superRefine(domainCheck((v: string) => assertHttpsUrl(v, ""))),
            sha256: textSetting({
                rule: "sidecar/sha256",
                problem: "is not a sha256 digest: 64 lowercase hex digits",
                remedy: "Give the package's digest as printed by sha256sum, e.g. 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.",
                test: (v) => /^[a-f0-9]{64}$/.test(v),
                max: 64,
            }),
        },
        remedy('Give the TAR package as { url, sha256 }, e.g. { url: "https://example.com/mosn-1.0.0.tar.gz", sha256: "9f86…0a08" }.'),
    )
    .strict();

const VERSION_REMEDY = "Use a version such as 1.0.0, 1.12.4.58 or 1.6.8-1.";
const sidecarVersionText = z.string(remedy(VERSION_REMEDY)).superRefine(domainCheck((v: string) => assertSidecarVersion(v, "")));

export const sidecarVersionSpecSchema = z
    .object({
        version: sidecarVersionText,
        scenario: z.enum(["container", "vm"], remedy("container: the sidecar is an image; vm: a TAR package (seed 000).")),
        image: z
            .string(remedy(IMAGE_REMEDY))
            .superRefine(domainCheck((v: string) => assertImageReference(v, "")))
            .optional(),
        tarPackage: tarPackageSchema.optional(),
        mosn: mosnSchema.default({ api: DEFAULT_MOSN_API, pkg: DEFAULT_MOSN_PKG }),
        description: z
            .string(remedy('Give a short description, e.g. "MOSN 1.0.0 with the OSS plugin".'))
            .max(1024, remedy("Keep the description to 1024 characters; link to release notes instead."))
            .default(""),
        /** For a plugin: the main MOSN version it plugs into, with that version's mosn pins. */
        main: z
            .object(
                { version: sidecarVersionText, mosn: mosnSchema },
                remedy('Give the main MOSN version: a SidecarVersion of this stack, or { version: "1.0.0", mosn: { api, pkg } }; leave main out for a main version.'),
            )
            .strict()
            .optional(),
        /** Namespace of the catalog object. */
        catalogNamespace: dnsLabelSetting("a namespace name", "istio-system").default("istio-system"),
    })
    .strict()
    .superRefine(firstDomainError(scenarioError, mainMosnError));

export type SidecarVersionSpecInput = z.input<typeof sidecarVersionSpecSchema>;
export type SidecarVersionSpec = z.output<typeof sidecarVersionSpecSchema>;

function scenarioError(spec: { scenario: "container" | "vm"; image?: string; tarPackage?: unknown }): MeshRolloutValidationError | undefined {
    const [needed, other] = spec.scenario === "container" ? (["image", "tarPackage"] as const) : (["tarPackage", "image"] as const);
    if (spec[needed] === undefined) {
        return new MeshRolloutValidationError({
            path: needed,
            rule: "sidecar/scenario",
            value: undefined,
            problem: `is required for the ${spec.scenario} scenario`,
            remedy: spec.scenario === "container" ? "Set 'image' to the sidecar's image address." : "Set 'tarPackage' to { url: 'https://…', sha256: '…' }.",
        });
    }
    if (spec[other] !== undefined) {
        return new MeshRolloutValidationError({
            path: other,
            rule: "sidecar/scenario",
            value: spec[other],
            problem: `does not apply to the ${spec.scenario} scenario`,
            remedy: `Remove '${other}', or set 'scenario' to ${spec.scenario === "container" ? "vm" : "container"}.`,
        });
    }
    return undefined;
}

/** Seed 000: a plugin must have the same mosn.api and mosn.pkg as the main MOSN it plugs into. */
function mainMosnError(spec: {
    version: string;
    mosn: { api: string; pkg: string };
    main?: { version: string; mosn: { api: string; pkg: string } };
}): MeshRolloutValidationError | undefined {
    if (spec.main === undefined) {
        return undefined;
    }
    for (const key of ["api", "pkg"] as const) {
        if (spec.mosn[key] !== spec.main.mosn[key]) {
            return mosnMismatch(spec.version, key, spec.mosn[key], spec.main.version, spec.main.mosn[key]);
        }
    }
    return undefined;
}

export function mosnMismatch(version: string, key: "api" | "pkg", value: string, mainVersion: string, mainValue: string): MeshRolloutValidationError {
    return new MeshRolloutValidationError({
        path: `mosn.${key}`,
        rule: "sidecar/mosn-mismatch",
        value,
        problem: `differs from the main MOSN ${mainVersion}'s mosn.${key} ${mainValue}; plugin ${version} would not load into it`,
        remedy: `Build the plugin against mosn.${key} ${mainValue}, or pick the main version it was built for.`,
    });
}

export function parseSidecarVersionSpec(input: unknown, path = "args"): SidecarVersionSpec {
    return parseInput(sidecarVersionSpecSchema, input, path);
}

/** What a catalog entry is, canonically: the fields whose change makes it a different artifact. */
export function canonicalSidecarSpec(spec: SidecarVersionSpec): Record<string, unknown> {
    return {
        version: spec.version,
        scenario: spec.scenario,
        ...(spec.image !== undefined ? { image: spec.image } : {}),
        // A pre-signed address is redacted: its signature is a secret, and re-signing is not an edit.
        ...(spec.tarPackage !== undefined ? { tarPackage: { url: redactUrl(spec.tarPackage.url), sha256: spec.tarPackage.sha256 } } : {}),
        mosn: { api: spec.mosn.api, pkg: spec.mosn.pkg },
        description: spec.description,
        ...(spec.main !== undefined ? { main: spec.main.version } : {}),
    };
}

/** True when the spec's TAR address is pre-signed (its query carries a credential) and must be kept secret. */
export function tarUrlIsSecret(spec: SidecarVersionSpec): boolean {
    return spec.tarPackage !== undefined && hasCredentialQuery(spec.tarPackage.url);
}

/** `sha256:<hex>` of the canonical spec (keys in a fixed order). Same spec, same digest. */
export function sidecarVersionDigest(spec: SidecarVersionSpec): string {
    return `sha256:${createHash("sha256")
        .update(JSON.stringify(canonicalSidecarSpec(spec)))
        .digest("hex")}`;
}

/** A Kubernetes object name for a catalog entry: `sidecar-version-1-0-0-<8 hex of the digest>`. */
export function catalogObjectName(version: string, digest: string): string {
    const safe = version
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+$/, "");
    return `sidecar-version-${safe}-${digest.replace(/^sha256:/, "").slice(0, 8)}`;
}
