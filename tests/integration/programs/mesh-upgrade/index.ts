import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import path from "node:path";
import { MeshRevision, MeshRevisionArgs } from "../../../../components/mesh-revision";

const config = new pulumi.Config("mesh-rollout-test");
// A cluster when the test gives one (namespaces then exist already, as an app team left them), else a folder.
const kubeconfig = config.get("kubeconfig");
const provider = kubeconfig ? new k8s.Provider("cluster", { kubeconfig }) : new k8s.Provider("render", { renderYamlToDirectory: config.require("renderDir") });
const create = kubeconfig === undefined;

const to = config.get("to");
const stage = config.get("stage");
const mesh = new MeshRevision(
    "mesh",
    {
        version: config.get("version") ?? "1.12.4",
        ...(to !== undefined && stage !== undefined ? { upgrade: { to, stage: stage as never } } : {}),
        chart: { chart: path.resolve(__dirname, "../../../../charts/istiod-minimal"), values: config.getObject<Record<string, unknown>>("chartValues") ?? {} },
        tags: [{ name: "stable" }, { name: "canary", follows: "upgrade" }],
        namespaces: [
            { name: "shop", restart: ["cart"], hold: config.getBoolean("holdShop") ?? false, create },
            { name: "payments", tag: "stable", create },
            // More namespaces, as a test gives them (e.g. [{ name: "made", create: true, deleteWhenRemoved: true }]).
            ...(config.getObject<NonNullable<MeshRevisionArgs["namespaces"]>>("extraNamespaces") ?? []),
        ],
        gateways: [{ name: "ingress", namespace: "istio-ingress" }],
        // On a cluster, the finalize guard reads the pods; rendering, it is not verified (warn).
        ...(kubeconfig !== undefined ? { liveCheck: { kubeconfig } } : {}),
        // Metric analysis before finalize and stage hooks, as a test gives them (Prometheus's address: mesh-rollout:prometheusAddress).
        ...(config.getObject("analysis") !== undefined ? { analysis: config.getObject<NonNullable<MeshRevisionArgs["analysis"]>>("analysis") } : {}),
        ...(config.getObject("hooks") !== undefined ? { hooks: config.getObject<NonNullable<MeshRevisionArgs["hooks"]>>("hooks") } : {}),
    },
    { providers: { kubernetes: provider } },
);

// A namespace outside the component, for the label-exclusivity policy.
const legacyLabels = config.getObject<Record<string, string>>("legacyLabels");
if (legacyLabels !== undefined) {
    new k8s.core.v1.Namespace("legacy", { metadata: { name: "legacy", labels: legacyLabels } }, { provider });
}

export const revisions = mesh.revisions;
export const tags = mesh.tags;
export const stillOnOldRevision = mesh.stillOnOldRevision;
export const appliedStage = mesh.stage;
export const analysis = mesh.analysis;
