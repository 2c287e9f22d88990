import { Policies } from "@pulumi/policy";
import { canaryAfterReadyProbe } from "./policies/canary-after-ready-probe";
import { canaryMirrorNotRouted } from "./policies/canary-mirror-not-routed";
import { canaryNoStepsLeft } from "./policies/canary-no-steps-left";
import { canaryRouteWeights } from "./policies/canary-route-weights";

/** The CanaryRelease policies of the mesh-rollout pack: two mandatory, two advisory. */
export const canaryPolicies: Policies = [canaryRouteWeights, canaryMirrorNotRouted, canaryAfterReadyProbe, canaryNoStepsLeft];
