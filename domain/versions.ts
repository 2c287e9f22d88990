import semver from "semver";
import { z } from "zod";
import { MeshRolloutValidationError } from "./errors";
import { addDomainIssue, domainCheck } from "./schema";

/**
 * A control-plane version: an open-source Istio version (`1.14.5`, `1.20.0-beta.1`) or an
 * Alibaba Cloud ASM version (`1.12.4.58`, `1.12.4.58-3-aliyun`, `v1.10.5.40-g2adf45be-aliyun`).
 * ASM's first three parts are the Istio version it is built on; the fourth is ASM's own patch.
 */
export interface MeshVersion {
    readonly flavor: "istio" | "asm";
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    /** ASM only: the ASM patch (58 in 1.12.4.58). */
    readonly asmPatch?: number;
    /** Istio only: the pre-release (`beta.1` in 1.20.0-beta.1). */
    readonly prerelease?: string;
    /** ASM only: the build between the ASM patch and `-aliyun` (`3` or `g2adf45be`). */
    readonly build?: string;
}

const NUM = "(0|[1-9]\\d{0,8})";
const ISTIO_RE = new RegExp(`^v?${NUM}\\.${NUM}\\.${NUM}(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?$`);
const ASM_RE = new RegExp(`^v?${NUM}\\.${NUM}\\.${NUM}\\.${NUM}(?:-(\\d{1,9}|g[0-9a-f]{7,40})-aliyun)?$`);
const MAX_PRERELEASE = 40;

export const VERSION_FORMS =
    "an Istio version x.y.z (e.g. 1.14.5, 1.20.0-beta.1) or an ASM version x.y.z.p with an optional " +
    "-<sequence>-aliyun or -g<commit>-aliyun suffix (e.g. 1.12.4.58, v1.10.5.40-g2adf45be-aliyun)";

/** Parses a version string; throws {@link MeshRolloutValidationError} naming `path` when it is not one. */
export function parseVersion(input: unknown, path = "version"): MeshVersion {
    const fail = (problem: string): never => {
        throw new MeshRolloutValidationError({
            path,
            rule: "version/format",
            value: input,
            problem,
            remedy: `Give ${VERSION_FORMS}.`,
        });
    };
    if (input === undefined) {
        return fail("is required");
    }
    if (typeof input !== "string") {
        return fail(`is ${input === null ? "null" : typeof input}, not a version string`);
    }
    const asm = ASM_RE.exec(input);
    if (asm) {
        return {
            flavor: "asm",
            major: Number(asm[1]),
            minor: Number(asm[2]),
            patch: Number(asm[3]),
            asmPatch: Number(asm[4]),
            ...(asm[5] !== undefined ? { build: asm[5] } : {}),
        };
    }
    const istio = ISTIO_RE.exec(input);
    if (istio) {
        const prerelease = istio[4];
        if (prerelease !== undefined) {
            if (prerelease.length > MAX_PRERELEASE) {
                return fail(`has a pre-release longer than ${MAX_PRERELEASE} characters`);
            }
            if (prerelease.split(".").some((id) => /^0\d+$/.test(id))) {
                return fail("has a numeric pre-release identifier with a leading zero");
            }
        }
        return {
            flavor: "istio",
            major: Number(istio[1]),
            minor: Number(istio[2]),
            patch: Number(istio[3]),
            ...(prerelease !== undefined ? { prerelease } : {}),
        };
    }
    return fail("is not a mesh version");
}

/** True when `input` parses as a version. */
export function isVersion(input: unknown): input is string {
    try {
        parseVersion(input);
        return true;
    } catch {
        return false;
    }
}

/** The canonical text of a version: no leading `v`, ASM build suffix kept. `formatVersion(parseVersion(s))` parses back to the same value. */
export function formatVersion(v: MeshVersion): string {
    const core = `${v.major}.${v.minor}.${v.patch}`;
    if (v.flavor === "asm") {
        return `${core}.${v.asmPatch ?? 0}${v.build !== undefined ? `-${v.build}-aliyun` : ""}`;
    }
    return v.prerelease !== undefined ? `${core}-${v.prerelease}` : core;
}

/** The normalised text of a version: no leading `v`, no ASM build suffix (`1.10.5.40`). */
export function normalizeVersion(v: MeshVersion | string): string {
    const parsed = typeof v === "string" ? parseVersion(v) : v;
    return formatVersion({ ...parsed, build: undefined });
}

/** The version's Istio base (`1.12.4` for ASM 1.12.4.58). */
export function istioBase(v: MeshVersion): string {
    return `${v.major}.${v.minor}.${v.patch}`;
}

/**
 * Orders two versions: core (with Istio pre-release ordering), then the ASM patch (absent counts as 0).
 * The ASM build suffix is not part of the order: `1.12.4.58-3-aliyun` equals `1.12.4.58`.
 */
export function compareVersions(a: MeshVersion, b: MeshVersion): number {
    const sa = a.prerelease !== undefined ? `${istioBase(a)}-${a.prerelease}` : istioBase(a);
    const sb = b.prerelease !== undefined ? `${istioBase(b)}-${b.prerelease}` : istioBase(b);
    const core = semver.compare(sa, sb);
    if (core !== 0) {
        return core;
    }
    return Math.sign((a.asmPatch ?? 0) - (b.asmPatch ?? 0));
}

/**
 * The revision name of a version, as Istio and ASM name control planes: `x-y-z` (1.13.4 -> `1-13-4`;
 * ASM 1.12.4.58 -> `1-12-4`). A pre-release is appended with its dots as dashes (`1-20-0-beta-1`).
 */
export function revisionName(v: MeshVersion | string): string {
    const parsed = typeof v === "string" ? parseVersion(v) : v;
    const base = `${parsed.major}-${parsed.minor}-${parsed.patch}`;
    if (parsed.prerelease === undefined) {
        return base;
    }
    return `${base}-${parsed.prerelease.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`.replace(/-+$/, "");
}

/** zod schema of a version string, parsed once: the output is the {@link MeshVersion}, handed on as is. */
export const meshVersionSchema = z.string({ error: () => `\u0001remedy:Give ${VERSION_FORMS}.` }).transform((value, ctx): MeshVersion => {
    try {
        return parseVersion(value, "");
    } catch (e) {
        addDomainIssue(ctx, e);
        return z.NEVER;
    }
});

/** zod schema of a version string; the refinement's message is the parser's. */
export const versionStringSchema = z
    .unknown()
    .superRefine(domainCheck((value: unknown) => parseVersion(value)))
    .pipe(z.string());
