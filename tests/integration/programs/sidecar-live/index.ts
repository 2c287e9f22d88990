import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SidecarVersion } from "../../../../components/sidecar-version";

const config = new pulumi.Config("mesh-rollout-test");
const kubeconfig = config.require("kubeconfig");
const provider = new k8s.Provider("cluster", { kubeconfig });
const catalog = new k8s.core.v1.Namespace("catalog", { metadata: { name: "mesh-catalog" } }, { provider });
// `present: false` removes the catalog version from the program (a deletion).
const v =
    config.getBoolean("present") === false
        ? undefined
        : new SidecarVersion(
              "proxy-1.0.0",
              { version: "1.0.0", scenario: "container", image: config.require("image"), catalogNamespace: "mesh-catalog", liveCheck: { kubeconfig } },
              { providers: { kubernetes: provider }, dependsOn: [catalog] },
          );
export const digest = v?.digest;
