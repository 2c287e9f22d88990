import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SIDECAR_SET_UPGRADE_TYPE } from "../provider";
import { parseSidecarSetUpgradeArgs, sidecarSetManifest, SidecarSetSpecInput, sidecarSetTargets } from "../domain";
import { SidecarVersion, SidecarVersionRef } from "./sidecar-version";

export { SIDECAR_SET_UPGRADE_TYPE } from "../provider";

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
        // Every argument is checked before anything is registered; a refusal leaves nothing in the plan.
        const { spec, sidecar } = parseSidecarSetUpgradeArgs(withPlainSidecarVersion(args), "args");
        const targets = sidecarSetTargets(name, spec);
        super(SIDECAR_SET_UPGRADE_TYPE, name, {}, opts);
        for (const target of targets) {
            const manifest = sidecarSetManifest(target, spec, sidecar);
            new k8s.apiextensions.CustomResource(target.name, manifest as k8s.apiextensions.CustomResourceArgs, {
                parent: this,
                // OpenKruise fixes a sidecar's upgrade type at creation; a change is a new SidecarSet.
                replaceOnChanges: ["spec.containers[*].upgradeStrategy.upgradeType"],
                deleteBeforeReplace: true,
            });
        }
        this.sidecarSets = pulumi.output(targets.map((t) => t.name));
        this.version = pulumi.output(sidecar.version);
        this.registerOutputs({ sidecarSets: this.sidecarSets, version: this.version });
    }
}

/** A SidecarVersion of this stack is reduced to its version and image; anything else is checked as given. */
function withPlainSidecarVersion(args: unknown): unknown {
    if (typeof args !== "object" || args === null) {
        return args;
    }
    const sv = (args as { sidecarVersion?: unknown }).sidecarVersion;
    return sv instanceof SidecarVersion ? { ...args, sidecarVersion: { version: sv.version, ...(sv.image !== undefined ? { image: sv.image } : {}) } } : args;
}
