import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CanaryRelease, CanaryReleaseArgs } from "../../../../components/canary-release";
import type { ReleaseStrategy, TrafficArgs } from "../../../../domain/canary";

const config = new pulumi.Config("mesh-rollout-test");
const kubeconfig = config.get("kubeconfig");
const provider = kubeconfig ? new k8s.Provider("cluster", { kubeconfig }) : new k8s.Provider("render", { renderYamlToDirectory: config.require("renderDir") });
const namespace = config.get("namespace") ?? "bookinfo";
const port = { protocol: "HTTP" as const, name: "http-web", containerPort: 9080 };

// The app as its own program has it: the Service and the current version v1. After a promotion the
// app retires v1 (config `retireCurrent`), in the same update that removes its subset.
new k8s.core.v1.Service(
    "reviews",
    { metadata: { name: "reviews", namespace, labels: { app: "reviews" } }, spec: { selector: { app: "reviews" }, ports: [{ name: "http-web", port: 9080 }] } },
    { provider },
);
if (!(config.getBoolean("retireCurrent") ?? false)) {
    const labels = { app: "reviews", version: "v1" };
    new k8s.apps.v1.Deployment(
        "reviews-v1",
        {
            metadata: { name: "reviews-v1", namespace, labels },
            spec: {
                replicas: 2,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: { containers: [{ name: "reviews", image: "docker.io/istio/examples-bookinfo-reviews-v1:1.20.1", ports: [{ name: "http-web", containerPort: 9080 }] }] },
                },
            },
        },
        { provider },
    );
}

const release = new CanaryRelease(
    "reviews-v2",
    {
        namespace,
        service: { name: "reviews", currentVersion: "v1" },
        newVersion: {
            version: "v2",
            replicas: 2,
            containers: [
                {
                    name: "reviews",
                    image: config.get("newImage") ?? "docker.io/istio/examples-bookinfo-reviews-v2:1.20.1",
                    ports: [port],
                    resources: { cpuRequest: 0.1, memoryRequest: 128, cpuLimit: 0.5, memoryLimit: 256 },
                    ...((config.getBoolean("readinessProbe") ?? true) ? { readinessProbe: { http: { path: "/health", port: "http-web" }, periodSeconds: 5 } } : {}),
                    env: [{ name: "LOG_DIR", value: "/tmp/logs" }],
                    securityContext: { runAsUser: 1000 },
                    syncHostTimezone: true,
                },
            ],
        },
        traffic: config.requireObject<TrafficArgs>("traffic"),
        release: (config.get("release") ?? "immediate") as ReleaseStrategy,
        promote: config.getBoolean("promote") ?? false,
        ...((config.getBoolean("gateway") ?? false) ? { gateway: { gateways: ["istio-ingress/public"], hosts: ["reviews.example.com"] } } : {}),
        // Metric analysis before a larger share and promotion, as a test gives it (Prometheus: mesh-rollout:prometheusAddress).
        ...(config.getObject("analysis") !== undefined ? { analysis: config.getObject<NonNullable<CanaryReleaseArgs["analysis"]>>("analysis") } : {}),
    },
    { providers: { kubernetes: provider } },
);

// A VirtualService outside the component, for the route-weight policy on any VirtualService.
const legacyWeights = config.getObject<number[]>("legacyWeights");
if (legacyWeights !== undefined) {
    new k8s.apiextensions.CustomResource(
        "ratings",
        {
            apiVersion: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: { name: "ratings", namespace },
            spec: { hosts: ["ratings"], http: [{ route: legacyWeights.map((weight, i) => ({ destination: { host: "ratings", subset: `v${i + 1}` }, weight })) }] },
        },
        { provider },
    );
}

// A hand-written VirtualService the API server's CRD validation refuses (a retry timeout that is no duration).
if (config.getBoolean("invalidVirtualService") ?? false) {
    new k8s.apiextensions.CustomResource(
        "details",
        {
            apiVersion: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: { name: "details", namespace },
            spec: { hosts: ["details"], http: [{ route: [{ destination: { host: "details" } }], retries: { attempts: 3, perTryTimeout: "abc" } }] },
        },
        { provider },
    );
}

export const routing = release.routing;
export const subsets = release.subsets;
export const traffic = release.traffic;
