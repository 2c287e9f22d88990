export * from "./state-record";
