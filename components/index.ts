export * from "./mesh-revision";
export * from "./ledger";
export * from "./sidecar-version";
export * from "./sidecar-set-upgrade";
export * from "./canary-release";
