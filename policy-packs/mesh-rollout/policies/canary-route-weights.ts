import { ResourceValidationPolicy } from "@pulumi/policy";
import { routeWeightProblems } from "../../../domain/canary";
import { isVirtualService } from "../resources";
import { shown } from "../values";
import { readJudgeableRoutes } from "../virtual-services";

/** Weights read as percentages: each route's destinations share exactly 100% (any VirtualService). */
export const canaryRouteWeights: ResourceValidationPolicy = {
    name: "mesh-rollout-canary-route-weights",
    description:
        "Checks that in every VirtualService each route with several destinations (or any weight) gives each destination a weight from 0 to 100 and that the weights sum to 100.",
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
        for (const p of routeWeightProblems(spec)) {
            reportViolation(
                `${vs.label} must give each route weights from 0 to 100 that sum to 100: spec.${p.path} ${p.problem} (${shown(p.weights)}). Give every destination of the route a weight so that they add up to 100, e.g. v1 80, v2 20.`,
            );
        }
    },
};
