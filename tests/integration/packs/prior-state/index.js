"use strict";
const { PolicyPack } = require("@pulumi/policy");
// The record type as the provider names it (compiled with the package).
const { MESH_LEDGER_TYPE } = require("../../../../dist/provider/tokens");

new PolicyPack("mesh-rollout-prior-state", {
    policies: [
        {
            name: "smoke-level-never-decreases",
            description: "Checks that the smoke record's level never goes below the level applied before.",
            enforcementLevel: "mandatory",
            validateResource: (args, reportViolation) => {
                if (args.type !== MESH_LEDGER_TYPE) {
                    return;
                }
                const prior = args.props.prior;
                const level = args.props.state && args.props.state.level;
                if (prior && typeof prior.level === "number" && level < prior.level) {
                    reportViolation(`level must not decrease: ${prior.level} was applied, ${level} was asked for.`);
                }
            },
        },
    ],
});
