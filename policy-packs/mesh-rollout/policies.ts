import { Policies } from "@pulumi/policy";
import { analysisPassed } from "./policies/analysis-passed";
import { hooksPassed } from "./policies/hooks-passed";
import { canaryPolicies } from "./canary-policies";
import { guardPolicies } from "./guard";
import { hardeningPolicies } from "./hardening-policies";
import { dataPlaneReport } from "./policies/data-plane-report";
import { controlPlaneNotOlder } from "./policies/control-plane-not-older";
import { finalizeNothingOnOldRevision } from "./policies/finalize-nothing-on-old-revision";
import { inPlaceKeepsRunningIstiod } from "./policies/in-place-keeps-running-istiod";
import { namespaceInjectionRemoved } from "./policies/namespace-injection-removed";
import { namespaceLabelsExclusive } from "./policies/namespace-labels-exclusive";
import { revLabelKnown } from "./policies/rev-label-known";
import { rollbackNothingOnNewRevision } from "./policies/rollback-nothing-on-new-revision";
import { sidecarMosnCompatible } from "./policies/sidecar-mosn-compatible";
import { sidecarSetNoDoubleInjection } from "./policies/sidecarset-no-double-injection";
import { sidecarVersionImmutableInUse } from "./policies/sidecar-version-immutable-in-use";
import { sidecarVersionInCatalog } from "./policies/sidecar-version-in-catalog";
import { stageCompleted } from "./policies/stage-completed";
import { stageOrder } from "./policies/stage-order";
import { versionJump } from "./policies/version-jump";

/** Every policy of the mesh-rollout pack as written, in the order the README lists them. */
export const unguardedPolicies: Policies = [
    versionJump,
    stageOrder,
    stageCompleted,
    namespaceLabelsExclusive,
    revLabelKnown,
    finalizeNothingOnOldRevision,
    rollbackNothingOnNewRevision,
    controlPlaneNotOlder,
    analysisPassed,
    hooksPassed,
    dataPlaneReport,
    inPlaceKeepsRunningIstiod,
    namespaceInjectionRemoved,
    sidecarVersionImmutableInUse,
    sidecarVersionInCatalog,
    sidecarMosnCompatible,
    sidecarSetNoDoubleInjection,
    ...canaryPolicies,
    ...hardeningPolicies,
];

/**
 * The pack's policies, each behind the guard that turns an unexpected error into a violation naming
 * the policy and the resource instead of failing the whole preview.
 */
export const meshRolloutPolicies: Policies = guardPolicies(unguardedPolicies);
