"use strict";
const { PolicyPack, validateResourceOfType } = require("@pulumi/policy");
const k8s = require("@pulumi/kubernetes");

new PolicyPack("mesh-rollout-smoke", {
    policies: [
        {
            name: "smoke-configmap-managed-by",
            description: "Checks that every ConfigMap says who manages it.",
            enforcementLevel: "mandatory",
            validateResource: validateResourceOfType(k8s.core.v1.ConfigMap, (cm, _args, reportViolation) => {
                const labels = (cm.metadata && cm.metadata.labels) || {};
                if (labels["app.kubernetes.io/managed-by"] !== "mesh-rollout") {
                    reportViolation(`ConfigMap ${cm.metadata && cm.metadata.name} must carry app.kubernetes.io/managed-by=mesh-rollout.`);
                }
            }),
        },
    ],
});
