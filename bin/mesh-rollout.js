#!/usr/bin/env node
"use strict";
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the package's prepare script).
let main;
try {
    ({ main } = require("../dist/cli/main.js"));
} catch (e) {
    if (e && e.code === "MODULE_NOT_FOUND" && String(e.message).includes("dist/cli/main.js")) {
        process.stderr.write("mesh-rollout: the compiled CLI is missing (dist/cli/main.js). Run `npm ci` (or `npm run build`) in the package first.\n");
        process.exit(2);
    }
    throw e;
}
main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
});
