// The pure domain of mesh-rollout: no Pulumi imports, no I/O. Everything a component or a policy
// decides is decided here, so it can be tested fast and reused by both.
export * from "./errors";
export * from "./schema";
export * from "./settings";
export * from "./versions";
export * from "./stages";
export * from "./planner";
export { suggestHops, suggestHopChain, MAX_LISTED_HOPS } from "./hops";
export type { HopChain } from "./hops";
export * from "./labels";
export * from "./names";
export * from "./mesh";
export * from "./mesh-install";
export * from "./json-value";
export * from "./ledger";
export * from "./sidecar";
export * from "./presigned-url";
export * from "./container-overrides";
export * from "./sidecarset";
export * from "./sidecar-args";
export * from "./canary";
export * from "./analysis";
