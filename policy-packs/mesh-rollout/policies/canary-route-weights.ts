import { ResourceValidationPolicy } from "@pulumi/policy";
import { routeWeightProblems } from "../../../domain/canary";
import { isVirtualService, objectName } from "./canary-resources";

/** Weights read as percentages: each route's destinations share exactly 100% (any VirtualService). */
export const canaryRouteWeights: ResourceValidationPolicy = {
    name: "mesh-rollout-canary-route-weights",
    description: "Checks that in every VirtualService each route with several destinations (or any weight) gives each destination a weight from 0 to 100 and that the weights sum to 100.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!isVirtualService(args.type)) {
            return;
        }
        for (const p of routeWeightProblems(args.props.spec)) {
            reportViolation(
                `VirtualService ${objectName(args)} must give each route weights from 0 to 100 that sum to 100: ${p.path} ${p.problem} (${p.weights}). Give every destination of the route a weight so that they add up to 100.`,
            );
        }
    },
};
