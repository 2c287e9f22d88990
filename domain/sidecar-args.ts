// The whole arguments of SidecarVersion and SidecarSetUpgrade, checked before anything is registered.
import { z } from "zod";
import { MeshRolloutValidationError } from "./errors";
import { assertArgsObject } from "./mesh-install";
import { domainCheck, parseInput } from "./schema";
import { remedy } from "./settings";
import { assertImageReference, assertSidecarVersion, IMAGE_REMEDY, parseSidecarVersionSpec, SidecarVersionSpec } from "./sidecar";
import { parseSidecarSetSpec, SidecarSetSpec } from "./sidecarset";

/** Checks SidecarVersion's arguments (`main` already reduced to `{ version, mosn }` when it was a SidecarVersion). */
export function parseSidecarVersionArgs(args: unknown, path = "args"): SidecarVersionSpec {
    assertArgsObject(args, path, "SidecarVersion", '{ version: "1.0.0", scenario: "container", image: "registry.example.com/mesh/proxy:1.0.0" }');
    return parseSidecarVersionSpec(args, path);
}

/** The catalog version a SidecarSet injects: its version and container image. */
export interface SidecarVersionRefSpec {
    readonly version: string;
    readonly image: string;
}

const REF_REMEDY =
    'Give a SidecarVersion of this stack, or { version, image } read from the catalog stack, e.g. { version: "1.0.0", image: "registry.example.com/mesh/proxy:1.0.0" }.';

const sidecarVersionRefSchema = z.object(
    {
        version: z.string(remedy(REF_REMEDY)).superRefine(domainCheck((v: string) => assertSidecarVersion(v, ""))),
        image: z
            .string(remedy(IMAGE_REMEDY))
            .superRefine(domainCheck((v: string) => assertImageReference(v, "")))
            .optional(),
    },
    remedy(REF_REMEDY),
);

/** Checks SidecarSetUpgrade's arguments (`sidecarVersion` already reduced to `{ version, image }` when it was a SidecarVersion). */
export function parseSidecarSetUpgradeArgs(args: unknown, path = "args"): { spec: SidecarSetSpec; sidecar: SidecarVersionRefSpec } {
    assertArgsObject(args, path, "SidecarSetUpgrade", '{ sidecarVersion: v100, selector: { matchLabels: { app: "nginx" } }, hotUpgradeEmptyImage: "…/proxy-empty:1" }');
    const { sidecarVersion, ...specInput } = args;
    const ref = parseInput(sidecarVersionRefSchema, sidecarVersion, `${path}.sidecarVersion`);
    if (ref.image === undefined) {
        throw new MeshRolloutValidationError({
            path: `${path}.sidecarVersion`,
            rule: "sidecarset/vm-version",
            value: ref.version,
            problem: "is a VM-scenario version (a TAR package); a SidecarSet injects a container image",
            remedy: "Use a container-scenario catalog version.",
        });
    }
    const spec = parseSidecarSetSpec(specInput, path);
    return { spec, sidecar: { version: ref.version, image: ref.image } };
}
