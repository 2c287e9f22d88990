// Seeds 001 and 002: a control-plane canary upgrade by stages, with rollback until finalize.
//   pulumi config set upgradeTo 1.14.5 && pulumi config set stage controlPlane && pulumi up ...
//   then stage dataPlane, then finalize (or rollback before finalize).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import path from "node:path";
import { MeshRevision } from "../..";
import { exampleProvider } from "../provider";

const config = new pulumi.Config();
const upgradeTo = config.get("upgradeTo");
const stage = config.get("stage");
const provider = exampleProvider();

// The application the mesh serves. In your repository it usually comes from the app teams' stacks: the
// mesh labels its namespace and restarts the Deployments you list, so they must exist first.
const bookinfo = new k8s.core.v1.Namespace("bookinfo", { metadata: { name: "bookinfo" } }, { provider });
const ingressNamespace = new k8s.core.v1.Namespace("istio-ingress", { metadata: { name: "istio-ingress" } }, { provider });
const apps = ["productpage", "reviews-v1"].map((app) => {
    const labels = { app: app.replace(/-v1$/, ""), version: "v1" };
    return new k8s.apps.v1.Deployment(
        app,
        {
            metadata: { name: app, namespace: "bookinfo", labels },
            spec: {
                replicas: 1,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name: labels.app,
                                image: `docker.io/istio/examples-bookinfo-${app}:1.20.1`,
                                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                            },
                        ],
                    },
                },
            },
        },
        { provider, dependsOn: [bookinfo] },
    );
});

const mesh = new MeshRevision(
    "mesh",
    {
        version: config.get("version") ?? "1.12.4",
        ...(upgradeTo !== undefined && stage !== undefined ? { upgrade: { to: upgradeTo, stage: stage as "controlPlane" } } : {}),
        // Istio's published chart needs a network; the bundled minimal chart renders the same objects offline.
        chart: {
            chart: config.get("istiodChart") ?? path.resolve(__dirname, "../../charts/istiod-minimal"),
            // e.g. { istiodRemote: { injectionURL, injectionCABundle } } for an injector reached by URL.
            values: config.getObject<Record<string, unknown>>("istiodValues") ?? {},
        },
        tags: [{ name: "stable" }, { name: "canary", follows: "upgrade" }],
        namespaces: [
            // Seed 002: a namespace to verify the new revision, labelled with it at controlPlane already.
            { name: "canary", moveAt: "controlPlane" },
            // Restarting is the user's decision (seed 001): only the listed Deployments restart.
            { name: "bookinfo", create: false, restart: ["productpage", "reviews-v1"] },
            { name: "payments", tag: "stable" },
        ],
        gateways: [{ name: "ingressgateway", namespace: "istio-ingress", replicas: 2 }],
        // Verify before finalize (issue 14): Istio's success rate and p99 for the mesh's namespaces, read from
        // the Prometheus of `pulumi config set mesh-rollout:prometheusAddress http://...:9090` (a token:
        // `pulumi config set --secret mesh-rollout:prometheusBearerToken ...`). Without an address the gate
        // says "not verified" and warns; set whenUnverified: "refuse" to require the evidence.
        analysis: {
            checks: [
                { template: "request-success-rate", window: "5m" },
                { name: "p99", template: "request-duration", window: "5m", max: 500 },
            ],
        },
        // A pre-stage hook (Flagger's confirm-promotion): finalize only when it answers 200.
        ...(config.get("finalizeHook") !== undefined ? { hooks: { pre: [{ name: "confirm-finalize", url: config.require("finalizeHook"), stages: ["finalize" as const] }] } } : {}),
    },
    { providers: { kubernetes: provider }, dependsOn: [...apps, ingressNamespace] },
);

export const revisions = mesh.revisions;
export const tags = mesh.tags;
export const appliedStage = mesh.stage;
export const stillOnOldRevision = mesh.stillOnOldRevision;
export const plan = mesh.plan;
export const analysis = mesh.analysis;
