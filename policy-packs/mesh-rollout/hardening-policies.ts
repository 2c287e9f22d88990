import { Policies } from "@pulumi/policy";
import { imagesPinnedByDigest } from "./policies/images-pinned-by-digest";
import { sidecarBaselineNotWeakened } from "./policies/sidecar-baseline-not-weakened";

/** Hardening policies: one advisory (configurable to mandatory), one disabled until enabled in config. */
export const hardeningPolicies: Policies = [sidecarBaselineNotWeakened, imagesPinnedByDigest];
