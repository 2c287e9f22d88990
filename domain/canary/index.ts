// Canary releases of one service (seed 003): blue-green, weighted or request-parameter canaries,
// mirroring, promotion. Pure: schemas, the layout of an update, and the route checks the policy
// pack runs on any VirtualService.
export type * from "./args";
export * from "./quantities";
export { parseCommandList, parsePortRef, escapeRegex, assertRe2 } from "./values";
export * from "./probes";
export * from "./security";
export * from "./container";
export * from "./traffic";
export * from "./spec";
export * from "./layout";
export * from "./routes";
