"use strict";
const { PolicyPack } = require("@pulumi/policy");

new PolicyPack("mesh-rollout-prior-state", {
    policies: [
        {
            name: "smoke-level-never-decreases",
            description: "Checks that a SmokeLevel record's level never goes below the level applied before.",
            enforcementLevel: "mandatory",
            validateResource: (args, reportViolation) => {
                if (args.type !== "pulumi-nodejs:dynamic/mesh-rollout:SmokeLevel") {
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
