import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseSidecarSetSpec, sidecarSetManifest, SidecarSetSpecInput, sidecarSetTargets, MeshRolloutValidationError } from "../domain";
import type { SidecarVersionRef } from "./sidecar-version";

export const SIDECAR_SET_UPGRADE_TYPE = "mesh-rollout:index:SidecarSetUpgrade";

export interface SidecarSetUpgradeArgs extends SidecarSetSpecInput {
    /** The catalog version to inject: a {@link SidecarVersion} of this stack, or its version and image read from elsewhere. */
    readonly sidecarVersion: SidecarVersionRef;
}

/**
 * An OpenKruise SidecarSet (apps.kruise.io/v1alpha1) that injects the catalog version's istio-proxy and
 * upgrades it without restarting pods (HotUpgrade, seed 004), rolling with partition, maxUnavailable
 * and paused. Changing the upgrade type replaces the SidecarSet (preview says so).
 */
export class SidecarSetUpgrade extends pulumi.ComponentResource {
    /** Names of the SidecarSets created. */
    readonly sidecarSets: pulumi.Output<string[]>;
    /** The catalog version injected. */
    readonly version: pulumi.Output<string>;

    constructor(name: string, args: SidecarSetUpgradeArgs, opts?: pulumi.ComponentResourceOptions) {
        super(SIDECAR_SET_UPGRADE_TYPE, name, {}, opts);
        const { sidecarVersion, ...specInput } = args;
        const spec = parseSidecarSetSpec(specInput, "args");
        if (sidecarVersion.image === undefined) {
            throw new MeshRolloutValidationError({
                path: "args.sidecarVersion",
                rule: "sidecarset/vm-version",
                value: sidecarVersion.version,
                problem: "is a VM-scenario version (a TAR package); a SidecarSet injects a container image",
                remedy: "Use a container-scenario catalog version.",
            });
        }
        const targets = sidecarSetTargets(name, spec);
        for (const target of targets) {
            const manifest = sidecarSetManifest(target, spec, { version: sidecarVersion.version, image: sidecarVersion.image });
            new k8s.apiextensions.CustomResource(target.name, manifest as k8s.apiextensions.CustomResourceArgs, {
                parent: this,
                // OpenKruise fixes a sidecar's upgrade type at creation; a change is a new SidecarSet.
                replaceOnChanges: ["spec.containers[*].upgradeStrategy.upgradeType"],
                deleteBeforeReplace: true,
            });
        }
        this.sidecarSets = pulumi.output(targets.map((t) => t.name));
        this.version = pulumi.output(sidecarVersion.version);
        this.registerOutputs({ sidecarSets: this.sidecarSets, version: this.version });
    }
}
