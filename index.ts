// pulumi-mesh-rollout: service-mesh rollouts as Pulumi components.
export * as domain from "./domain";
export {
    MeshRolloutValidationError,
    planUpgrade,
    parseVersion,
    formatVersion,
    normalizeVersion,
    revisionName,
    compareVersions,
    checkStageTransition,
    checkUpgradeStep,
    STAGE_TRANSITIONS,
} from "./domain";
export type { UpgradePlan, UpgradeHop, UpgradeStrategy, CanaryStage, UpgradeStep, MeshVersion } from "./domain";
export * from "./components";
