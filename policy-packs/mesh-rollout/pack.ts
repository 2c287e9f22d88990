import { PolicyPack } from "@pulumi/policy";
import { meshRolloutPolicies } from "./policies";

// Creating the PolicyPack starts the analyzer's gRPC server, so this module holds nothing else:
// tests import the policies from ./policies.
new PolicyPack("mesh-rollout", { policies: meshRolloutPolicies });
