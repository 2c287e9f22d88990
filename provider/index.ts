export * from "./tokens";
export * from "./state-record";
