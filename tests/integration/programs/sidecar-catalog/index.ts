import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SidecarSetUpgrade } from "../../../../components/sidecar-set-upgrade";
import { SidecarVersion, SidecarVersionRef } from "../../../../components/sidecar-version";

const config = new pulumi.Config("mesh-rollout-test");
const provider = new k8s.Provider("render", { renderYamlToDirectory: config.require("renderDir") });
const providers = { kubernetes: provider };

// The catalog: one SidecarVersion per entry of config `catalog`.
const entries = config.requireObject<{ version: string; image: string }[]>("catalog");
const catalog = new Map<string, SidecarVersionRef>(
    entries.map((e) => [e.version, new SidecarVersion(`sidecar-${e.version}`, { version: e.version, scenario: "container", image: e.image }, { providers })]),
);

// The consumer references a version by number; `pinnedImage` stands for a reference read from elsewhere
// (another stack, a file) when the catalog of this stack does not hold the version.
const use = config.require("use");
const sidecarVersion = catalog.get(use) ?? { version: use, image: config.require("pinnedImage") };

new k8s.core.v1.Namespace("shop", { metadata: { name: "shop" } }, { provider });
const upgrade = new SidecarSetUpgrade(
    "nginx-sidecar",
    {
        sidecarVersion,
        selector: { matchLabels: { app: "nginx" } },
        namespace: "shop",
        upgradeType: (config.get("upgradeType") ?? "HotUpgrade") as "HotUpgrade" | "ColdUpgrade",
        hotUpgradeEmptyImage: "registry.example.com/mesh/proxy-empty:1",
        updateStrategy: { partition: 0, maxUnavailable: 1 },
    },
    { providers },
);
export const injected = upgrade.version;
