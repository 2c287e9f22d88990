import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * The examples' Kubernetes provider: renders manifests to `example:renderDir` (default ./out) when no
 * cluster is given, or targets the cluster of `example:kubeconfig`.
 */
export function exampleProvider(): k8s.Provider {
    const config = new pulumi.Config("example");
    const kubeconfig = config.get("kubeconfig");
    return kubeconfig !== undefined ? new k8s.Provider("cluster", { kubeconfig }) : new k8s.Provider("render", { renderYamlToDirectory: config.get("renderDir") ?? "out" });
}
