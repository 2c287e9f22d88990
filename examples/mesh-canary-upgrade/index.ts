// Seeds 001 and 002: a control-plane canary upgrade by stages, with rollback until finalize.
//   pulumi config set upgradeTo 1.14.5 && pulumi config set stage controlPlane && pulumi up ...
//   then stage dataPlane, then finalize (or rollback before finalize).
import * as pulumi from "@pulumi/pulumi";
import path from "node:path";
import { MeshRevision } from "../..";
import { exampleProvider } from "../provider";

const config = new pulumi.Config();
const upgradeTo = config.get("upgradeTo");
const stage = config.get("stage");

const mesh = new MeshRevision("mesh", {
    version: config.get("version") ?? "1.12.4",
    ...(upgradeTo !== undefined && stage !== undefined ? { upgrade: { to: upgradeTo, stage: stage as "controlPlane" } } : {}),
    // Istio's published chart needs a network; the bundled minimal chart renders the same objects offline.
    chart: { chart: config.get("istiodChart") ?? path.resolve(__dirname, "../../charts/istiod-minimal") },
    tags: [{ name: "stable" }, { name: "canary", follows: "upgrade" }],
    namespaces: [
        // Seed 002: a namespace to verify the new revision, labelled with it at controlPlane already.
        { name: "canary", moveAt: "controlPlane" },
        // Restarting is the user's decision (seed 001): only the listed Deployments restart.
        { name: "bookinfo", restart: ["productpage", "reviews-v1"] },
        { name: "payments", tag: "stable" },
    ],
    gateways: [{ name: "ingressgateway", namespace: "istio-ingress", replicas: 2 }],
}, { providers: { kubernetes: exampleProvider() } });

export const revisions = mesh.revisions;
export const tags = mesh.tags;
export const appliedStage = mesh.stage;
export const stillOnOldRevision = mesh.stillOnOldRevision;
export const plan = mesh.plan;
