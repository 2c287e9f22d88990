import * as k8s from "@pulumi/kubernetes";
import type { MeshRevision } from "../components";

/** The `reviews` service at v1, in the mesh: what a canary release starts from. */
export function appObjects(provider: k8s.Provider, mesh: MeshRevision): void {
    const labels = { app: "reviews", version: "v1" };
    new k8s.apps.v1.Deployment(
        "reviews-v1",
        {
            metadata: { name: "reviews-v1", namespace: "reviews", labels },
            spec: {
                replicas: 2,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        containers: [
                            {
                                name: "reviews",
                                image: "registry.example.com/bookinfo/reviews:v1",
                                ports: [{ name: "http", containerPort: 9080 }],
                                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
                            },
                        ],
                    },
                },
            },
        },
        { provider, dependsOn: [mesh] },
    );
    new k8s.core.v1.Service(
        "reviews",
        { metadata: { name: "reviews", namespace: "reviews", labels: { app: "reviews" } }, spec: { selector: { app: "reviews" }, ports: [{ name: "http", port: 9080, targetPort: 9080 }] } },
        { provider, dependsOn: [mesh] },
    );
}
