import { ResourceValidationPolicy } from "@pulumi/policy";
import { mirroredAndRouted } from "../../../domain/canary";
import { isVirtualService, namespaceOf, objectName } from "./canary-resources";

/** Seed 003: mirroring sends a copy of the traffic to the new version "without actually exposing" it. */
export const canaryMirrorNotRouted: ResourceValidationPolicy = {
    name: "mesh-rollout-canary-mirror-not-routed",
    description: "Checks that a destination a VirtualService mirrors traffic to receives no routed traffic from the same VirtualService (a mirrored version is tested, never exposed).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!isVirtualService(args.type)) {
            return;
        }
        for (const m of mirroredAndRouted(args.props.spec, namespaceOf(args.props))) {
            reportViolation(
                `VirtualService ${objectName(args)} must not route traffic to ${m.destination}, which ${m.mirrorPath} mirrors to: ${m.routePath} sends it ${m.weight}%. A mirrored version only receives copies; route 0% to it, or stop mirroring and run a canary instead.`,
            );
        }
    },
};
