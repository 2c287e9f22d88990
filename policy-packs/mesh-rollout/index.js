"use strict";
// The pack's entry point: the compiled pack (dist/, built by `npm ci` or `npm run build` in the
// package root). Compiled JS keeps `pulumi preview --policy-pack` fast: no type-check at each run.
try {
    require("../../dist/policy-packs/mesh-rollout/pack.js");
} catch (e) {
    if (e && e.code === "MODULE_NOT_FOUND" && String(e.message).includes("pack.js")) {
        throw new Error(
            "mesh-rollout policy pack: the compiled pack is missing (dist/policy-packs/mesh-rollout/pack.js). Run `npm ci` or `npm run build` in the pulumi-mesh-rollout package first.",
        );
    }
    throw e;
}
