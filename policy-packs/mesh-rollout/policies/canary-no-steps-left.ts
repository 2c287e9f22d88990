import { ResourceValidationPolicy } from "@pulumi/policy";
import { routesToSubset } from "../../../domain/canary";
import { isProblem } from "../fields";
import { fieldViolation, isVirtualService } from "../resources";
import { shown } from "../values";
import { canaryMarkers, readRoutes, readVirtualService } from "../virtual-services";

/**
 * A weighted canary is stranded when it has no steps left (a single weight, or the last of its steps)
 * and that step leaves 100% on the old version: the new version runs and will never get traffic.
 * Paused releases are left alone: there, keeping the traffic where it is is the point.
 */
export const canaryNoStepsLeft: ResourceValidationPolicy = {
    name: "mesh-rollout-canary-no-steps-left",
    description:
        "Checks that a weighted canary with no steps left does not keep 100% of the traffic on the old version, leaving the new version running without traffic (advisory).",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (!isVirtualService(args.type)) {
            return;
        }
        const vs = readVirtualService(args, true);
        if ("problem" in vs) {
            return reportViolation(vs.problem);
        }
        const markers = canaryMarkers(vs.metadata);
        if (markers === undefined || markers.traffic !== "canary-weight" || markers.stepsLeft !== 0 || markers.release === "paused") {
            return;
        }
        const spec = readRoutes(args.props);
        if (isProblem(spec)) {
            return reportViolation(fieldViolation(vs.label, spec));
        }
        if (!routesToSubset(spec, markers.newVersion)) {
            reportViolation(
                `Canary ${shown(markers.task)} must not stay at 0% for the new version ${shown(markers.newVersion)} with no steps left: ${shown(markers.newVersion)} runs but receives no traffic (${shown(markers.currentVersion)} 100%), and no later step will send it any. Raise the weight, add steps (e.g. 10, 50, 100), promote, or remove the release.`,
            );
        }
    },
};
