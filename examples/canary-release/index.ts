// Seed 003: a canary release in each of its four kinds, one service each. Flip a kind's settings
// through stack config and `pulumi up` once per step.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CanaryRelease } from "../..";
import { exampleProvider } from "../provider";

const provider = exampleProvider();
const providers = { kubernetes: provider };
const config = new pulumi.Config();
const ns = new k8s.core.v1.Namespace("shop", { metadata: { name: "shop", labels: { "istio.io/rev": "1-14-5" } } }, { provider });

/** The current version of a service: a Deployment labelled app/version v1 and its Service. */
function currentVersion(app: string): pulumi.Resource {
    const labels = { app, version: "v1" };
    new k8s.apps.v1.Deployment(
        `${app}-v1`,
        {
            metadata: { name: `${app}-v1`, namespace: "shop", labels },
            spec: {
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: { containers: [{ name: app, image: `registry.example.com/shop/${app}:v1`, ports: [{ name: "http-web", containerPort: 8080 }] }] },
                },
            },
        },
        { provider, dependsOn: [ns] },
    );
    return new k8s.core.v1.Service(
        app,
        {
            metadata: { name: app, namespace: "shop", labels: { app } },
            spec: { selector: { app }, ports: [{ name: "http-web", port: 80, targetPort: 8080 }] },
        },
        { provider, dependsOn: [ns] },
    );
}

const v2 = (app: string) => ({
    version: "v2",
    containers: [
        {
            name: app,
            image: `registry.example.com/shop/${app}:v2`,
            ports: [{ protocol: "HTTP" as const, name: "http-web", containerPort: 8080 }],
            readinessProbe: { http: { path: "/healthz", port: "http-web" } },
            resources: { cpuRequest: 0.1, cpuLimit: 0.5, memoryRequest: 128, memoryLimit: 256 },
        },
    ],
});

// Weighted canary: steps of 10, 50 and 100 percent, one `pulumi up` per step (config `step`).
new CanaryRelease(
    "cart-canary",
    {
        namespace: "shop",
        service: { name: "cart", currentVersion: "v1" },
        newVersion: v2("cart"),
        traffic: { kind: "canary", steps: [10, 50, 100], step: config.getNumber("step") ?? 0 },
        release: "afterReady",
    },
    { providers, dependsOn: [currentVersion("cart")] },
);

// Request routing: testers (a header) and beta users (a cookie) get v2, everyone else v1.
new CanaryRelease(
    "catalog-by-header",
    {
        namespace: "shop",
        service: { name: "catalog", currentVersion: "v1" },
        newVersion: v2("catalog"),
        traffic: { kind: "canary", match: [{ headers: { "x-canary": { exact: "true" } } }, { cookies: { beta: { exact: "yes" } } }] },
    },
    { providers, dependsOn: [currentVersion("catalog")] },
);

// Mirroring: v1 serves all traffic; a 20% copy goes to v2, whose answers are discarded.
new CanaryRelease(
    "search-mirror",
    {
        namespace: "shop",
        service: { name: "search", currentVersion: "v1" },
        newVersion: v2("search"),
        traffic: { kind: "mirror", percentage: 20 },
    },
    { providers, dependsOn: [currentVersion("search")] },
);

// Blue-green: v2 takes over all traffic; set config `serve` to old to hand back.
new CanaryRelease(
    "checkout-blue-green",
    {
        namespace: "shop",
        service: { name: "checkout", currentVersion: "v1" },
        newVersion: v2("checkout"),
        traffic: { kind: "blueGreen", serve: (config.get("serve") ?? "new") as "new" | "old" },
    },
    { providers, dependsOn: [currentVersion("checkout")] },
);
