import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config("mesh-rollout-test");
const provider = new k8s.Provider("render", { renderYamlToDirectory: config.require("renderDir") });
const labelled = config.getBoolean("labelled") ?? true;

const ns = new k8s.core.v1.Namespace("mesh", { metadata: { name: "mesh", labels: { "istio.io/rev": "1-14-5" } } }, { provider });
new k8s.core.v1.ConfigMap(
    "settings",
    {
        metadata: {
            name: "settings",
            namespace: ns.metadata.name,
            labels: labelled ? { "app.kubernetes.io/managed-by": "mesh-rollout" } : {},
        },
        data: { greeting: config.get("greeting") ?? "hello" },
    },
    { provider },
);
