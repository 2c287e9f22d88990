import { ResourceValidationPolicy } from "@pulumi/policy";
import { mirroredAndRouted } from "../../../domain/canary";
import { isVirtualService } from "../resources";
import { shown } from "../values";
import { readJudgeableRoutes } from "../virtual-services";

/** Seed 003: mirroring sends a copy of the traffic to the new version "without actually exposing" it. */
export const canaryMirrorNotRouted: ResourceValidationPolicy = {
    name: "mesh-rollout-canary-mirror-not-routed",
    description:
        "Checks that a destination a VirtualService mirrors traffic to receives no routed traffic from the same VirtualService (a mirrored version is tested, never exposed).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!isVirtualService(args.type)) {
            return;
        }
        const read = readJudgeableRoutes(args, reportViolation);
        if (read === undefined) {
            return;
        }
        const { vs, routes: spec } = read;
        for (const m of mirroredAndRouted(spec, vs.namespace)) {
            reportViolation(
                `${vs.label} must not route traffic to ${shown(m.destination)}, which spec.${m.mirrorPath} mirrors to: spec.${m.routePath} sends it ${m.weight}%. A mirrored version only receives copies; route 0% to it, or stop mirroring and run a canary instead.`,
            );
        }
    },
};
