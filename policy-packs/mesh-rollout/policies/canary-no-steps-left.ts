import { ResourceValidationPolicy } from "@pulumi/policy";
import { routesToSubset } from "../../../domain/canary";
import { canaryMarkers, isVirtualService } from "./canary-resources";

/**
 * A weighted canary is stranded when it has no steps left (a single weight, or the last of its steps)
 * and that step leaves 100% on the old version: the new version runs and will never get traffic.
 * Paused releases are left alone: there, keeping the traffic where it is is the point.
 */
export const canaryNoStepsLeft: ResourceValidationPolicy = {
    name: "mesh-rollout-canary-no-steps-left",
    description: "Checks that a weighted canary with no steps left does not keep 100% of the traffic on the old version, leaving the new version running without traffic (advisory).",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const markers = isVirtualService(args.type) ? canaryMarkers(args.props) : undefined;
        if (markers === undefined || markers.traffic !== "canary-weight" || markers.stepsLeft !== 0 || markers.release === "paused") {
            return;
        }
        if (!routesToSubset(args.props.spec, markers.newVersion)) {
            reportViolation(
                `Canary ${markers.task} must not stay at 0% for the new version ${markers.newVersion} with no steps left: ${markers.newVersion} runs but receives no traffic (${markers.currentVersion} 100%), and no later step will send it any. Raise the weight, add steps, promote, or remove the release.`,
            );
        }
    },
};
