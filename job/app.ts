import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { MeshRevision } from "../components";
import { CanaryRelease } from "../components/canary-release";

/** A hardened v1 Deployment of one app: `replicas` pods of `image`, serving http on 9080. */
function appDeployment(name: string, namespace: string, app: string, image: string, replicas: number, opts: pulumi.CustomResourceOptions): k8s.apps.v1.Deployment {
    const labels = { app, version: "v1" };
    return new k8s.apps.v1.Deployment(
        name,
        {
            metadata: { name, namespace, labels },
            spec: {
                replicas,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name: app,
                                image,
                                ports: [{ name: "http", containerPort: 9080 }],
                                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
                            },
                        ],
                    },
                },
            },
        },
        opts,
    );
}

/**
 * The bookinfo namespace and its `productpage` Deployment, as an app team leaves them: the mesh labels
 * the namespace and restarts productpage, so both must exist before the mesh touches them.
 */
export function bookinfoApp(provider: k8s.Provider): pulumi.Resource[] {
    const ns = new k8s.core.v1.Namespace("bookinfo", { metadata: { name: "bookinfo" } }, { provider });
    return [ns, appDeployment("productpage", "bookinfo", "productpage", "registry.example.com/bookinfo/productpage:v1", 1, { provider, dependsOn: [ns] })];
}

/**
 * The `reviews` service at v1, in the mesh: what a canary release starts from; with `canaryWeight`
 * above 0, reviews v2 is released to that share of the traffic (seed 003).
 */
export function appObjects(provider: k8s.Provider, mesh: MeshRevision, canaryWeight: number): void {
    appDeployment("reviews-v1", "reviews", "reviews", "registry.example.com/bookinfo/reviews:v1", 2, { provider, dependsOn: [mesh] });
    const service = new k8s.core.v1.Service(
        "reviews",
        {
            metadata: { name: "reviews", namespace: "reviews", labels: { app: "reviews" } },
            spec: { selector: { app: "reviews" }, ports: [{ name: "http", port: 9080, targetPort: 9080 }] },
        },
        { provider, dependsOn: [mesh] },
    );
    if (canaryWeight > 0) {
        new CanaryRelease(
            "reviews-v2",
            {
                namespace: "reviews",
                service: { name: "reviews", currentVersion: "v1" },
                newVersion: {
                    version: "v2",
                    replicas: 1,
                    containers: [
                        {
                            name: "reviews",
                            image: "registry.example.com/bookinfo/reviews:v2",
                            ports: [{ protocol: "HTTP", name: "http", containerPort: 9080 }],
                            readinessProbe: { http: { path: "/health", port: 9080 } },
                        },
                    ],
                },
                traffic: { kind: "canary", weight: canaryWeight },
                release: "afterReady",
            },
            { providers: { kubernetes: provider }, dependsOn: [service] },
        );
    }
}
