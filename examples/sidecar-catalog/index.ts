// Seed 000: a sidecar version catalog with a container image and a VM TAR package, and a plugin
// pinned to its main MOSN's mosn.api / mosn.pkg.
import * as k8s from "@pulumi/kubernetes";
import { SidecarVersion } from "../..";
import { exampleProvider } from "../provider";

const provider = exampleProvider();
const providers = { kubernetes: provider };
// The catalog's own namespace (the default, istio-system, exists wherever Istio runs).
const catalogNamespace = "mesh-catalog";
const ns = new k8s.core.v1.Namespace("catalog", { metadata: { name: catalogNamespace } }, { provider });
const opts = { providers, dependsOn: [ns] };

const main = new SidecarVersion(
    "mosn-1.26.0",
    {
        version: "1.26.0",
        scenario: "container",
        image: "registry.example.com/mosn/mosn:1.26.0",
        description: "MOSN 1.26.0 sidecar, container scenario",
        catalogNamespace,
    },
    opts,
);

new SidecarVersion(
    "mosn-1.26.0-vm",
    {
        version: "1.26.0-vm",
        scenario: "vm",
        tarPackage: {
            url: "https://downloads.example.com/mosn/mosn-1.26.0-linux-amd64.tar.gz",
            sha256: "3b4c2a8f0d9e1f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a",
        },
        description: "MOSN 1.26.0 for virtual machines",
        catalogNamespace,
    },
    opts,
);

// A plugin must depend on the same mosn.api and mosn.pkg as the main MOSN (seed 000).
new SidecarVersion(
    "mosn-plugin-1.26.1",
    {
        version: "1.26.1",
        scenario: "container",
        image: "registry.example.com/mosn/mosn-plugin:1.26.1",
        main,
        description: "plugin built against MOSN 1.26.0",
        catalogNamespace,
    },
    opts,
);

export const catalog = [main.version, "1.26.0-vm", "1.26.1"];
export const digest = main.digest;
