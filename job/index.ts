// The main job: a small mesh whose rollout is driven by stack config (namespace `mesh-rollout`).
// `npm start` runs it as the whole story (job/story.ts); `pulumi preview` / `pulumi up` run one step.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import path from "node:path";
import { MeshRevision, SidecarSetUpgrade, SidecarVersion } from "../components";
import { PACKAGE_ROOT } from "../cli/engine";
import { MeshRolloutValidationError } from "../domain";
import { parseJobConfig } from "./config";
import { appObjects, bookinfoApp } from "./app";

const KEYS = ["version", "upgradeTo", "stage", "sidecarVersion", "canaryWeight", "renderDir", "kubeconfig", "istiodChart", "istiodRepository", "istiodValues"];

function main() {
    const cfg = new pulumi.Config("mesh-rollout");
    const config = parseJobConfig(Object.fromEntries(KEYS.map((k) => [k, cfg.get(k)])));
    const provider = config.kubeconfig
        ? new k8s.Provider("cluster", { kubeconfig: path.resolve(config.kubeconfig) })
        : new k8s.Provider("render", { renderYamlToDirectory: path.resolve(PACKAGE_ROOT, config.renderDir) });
    const providers = { kubernetes: provider };
    const localChart = !config.istiodRepository;
    const values = config.istiodValues ?? {};
    // The app the upgrade restarts: it exists before the mesh labels its namespace and restarts it.
    const bookinfo = bookinfoApp(provider);
    // The gateway's namespace: the mesh puts its ingress gateway there but does not own the namespace.
    const ingressNamespace = new k8s.core.v1.Namespace("istio-ingress", { metadata: { name: "istio-ingress" } }, { provider });

    const mesh = new MeshRevision(
        "mesh",
        {
            version: config.version,
            ...(config.upgradeTo && config.stage ? { upgrade: { to: config.upgradeTo, stage: config.stage } } : {}),
            chart: localChart ? { chart: path.resolve(PACKAGE_ROOT, config.istiodChart), values } : { chart: config.istiodChart, repository: config.istiodRepository, values },
            tags: [{ name: "stable" }, { name: "canary", follows: "upgrade" }],
            namespaces: [
                { name: "bookinfo", create: false, restart: ["productpage"] },
                { name: "reviews", tag: "stable" },
                { name: "mesh-canary", moveAt: "controlPlane" },
            ],
            gateways: [{ name: "ingressgateway", namespace: "istio-ingress" }],
            // Verify before finalize (seed 001): Istio's success rate and p99 of the mesh's namespaces, from
            // the Prometheus of mesh-rollout:prometheusAddress (the story starts one); without it, "not verified".
            analysis: {
                checks: [
                    { template: "request-success-rate", window: "20s" },
                    { name: "p99", template: "request-duration", window: "20s", max: 500 },
                ],
            },
        },
        { providers, dependsOn: [...bookinfo, ingressNamespace] },
    );

    // Seed 000: a sidecar catalog, one container version and one VM package.
    const catalog = {
        "1.0.0": new SidecarVersion(
            "sidecar-1.0.0",
            { version: "1.0.0", scenario: "container", image: "registry.example.com/mesh/proxy:1.0.0", description: "first proxy build" },
            { providers, dependsOn: [mesh] },
        ),
        "1.0.1": new SidecarVersion(
            "sidecar-1.0.1",
            { version: "1.0.1", scenario: "container", image: "registry.example.com/mesh/proxy:1.0.1", description: "fixes drain timing" },
            { providers, dependsOn: [mesh] },
        ),
    };
    new SidecarVersion(
        "sidecar-vm-1.0.0",
        {
            version: "1.0.0-vm",
            scenario: "vm",
            tarPackage: { url: "https://downloads.example.com/mosn/mosn-1.0.0.tar.gz", sha256: "6f1ed002ab5595859014ebf0951522d9f1a4e9e1fe1dc0a5b49f5ba4e6e1c0e2" },
            description: "for VMs outside the cluster",
        },
        { providers, dependsOn: [mesh] },
    );

    // Seed 004: hot-upgraded sidecars in a namespace without auto-injection.
    const hot = new k8s.core.v1.Namespace("payments", { metadata: { name: "payments" } }, { provider });
    new SidecarSetUpgrade(
        "payments-sidecar",
        {
            sidecarVersion: catalog[config.sidecarVersion],
            deployments: [{ name: "checkout", namespace: "payments", matchLabels: { app: "checkout" } }],
            hotUpgradeEmptyImage: "registry.example.com/mesh/proxy-empty:1",
        },
        { providers, dependsOn: [hot] },
    );

    // The application the canary release works on.
    appObjects(provider, mesh, config.canaryWeight);

    return { revisions: mesh.revisions, tags: mesh.tags, stage: mesh.stage, stillOnOldRevision: mesh.stillOnOldRevision, plan: mesh.plan, analysis: mesh.analysis };
}

let outputs: ReturnType<typeof main> | undefined;
try {
    outputs = main();
} catch (e) {
    if (e instanceof MeshRolloutValidationError) {
        // The message names the setting; a stack trace would add nothing.
        throw new pulumi.RunError(e.message);
    }
    throw e;
}
export const revisions = outputs?.revisions;
export const tags = outputs?.tags;
export const stage = outputs?.stage;
export const stillOnOldRevision = outputs?.stillOnOldRevision;
export const plan = outputs?.plan;
export const analysis = outputs?.analysis;
