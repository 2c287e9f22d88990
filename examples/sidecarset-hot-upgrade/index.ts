// Seed 004: an OpenKruise SidecarSet that hot-upgrades the istio-proxy sidecar without restarting pods.
// Switch `sidecarVersion` from 1.0.0 to 1.0.1 and the SidecarSet's image changes in place; Kruise
// rolls it through the hot-upgrade slots, partition and maxUnavailable at a time.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SidecarSetUpgrade, SidecarVersion } from "../..";
import { exampleProvider } from "../provider";

const provider = exampleProvider();
const providers = { kubernetes: provider };
const config = new pulumi.Config();

// The catalog's own namespace (the default, istio-system, exists wherever Istio runs).
const catalogNamespace = "mesh-catalog";
const catalog = new k8s.core.v1.Namespace("catalog", { metadata: { name: catalogNamespace } }, { provider });
const versions = {
    "1.0.0": new SidecarVersion(
        "proxy-1.0.0",
        { version: "1.0.0", scenario: "container", image: "registry.example.com/asm/asm-istio-proxy:1.6.8-1", catalogNamespace },
        { providers, dependsOn: [catalog] },
    ),
    "1.0.1": new SidecarVersion(
        "proxy-1.0.1",
        { version: "1.0.1", scenario: "container", image: "registry.example.com/asm/asm-istio-proxy:1.6.8-2", catalogNamespace },
        { providers, dependsOn: [catalog] },
    ),
};
const use = (config.get("sidecarVersion") ?? "1.0.0") as keyof typeof versions;

// Seed 004: workloads that must not be interrupted live in a namespace without auto-injection.
const ns = new k8s.core.v1.Namespace("nginx", { metadata: { name: "nginx-hot" } }, { provider });
// Seed 004: the cluster id comes from one ConfigMap instead of every SidecarSet.
new k8s.core.v1.ConfigMap("cluster-profile", { metadata: { name: "ack-cluster-profile", namespace: "nginx-hot" }, data: { clusterid: "c-demo" } }, { provider, dependsOn: [ns] });

const upgrade = new SidecarSetUpgrade(
    "nginx-sidecar",
    {
        sidecarVersion: versions[use],
        deployments: [{ name: "nginx", namespace: "nginx-hot", matchLabels: { app: "nginx" } }],
        upgradeType: "HotUpgrade",
        hotUpgradeEmptyImage: "registry.example.com/asm/asm-istio-proxy-empty:1.6.8",
        updateStrategy: { partition: 0, maxUnavailable: 1, paused: config.getBoolean("paused") ?? false },
    },
    { providers, dependsOn: [ns] },
);

export const sidecarSets = upgrade.sidecarSets;
export const injected = upgrade.version;
