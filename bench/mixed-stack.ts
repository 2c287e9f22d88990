// A realistic stack of `n` resources for the policy pack: one mesh at finalize, namespaces (half
// bound to the mesh, half independent for SidecarSets as in seed 004), Deployments, Services'
// VirtualServices (some CanaryRelease ones) and DestinationRules, SidecarSets, sidecar catalog
// records. Used by the bench (timing) and by a unit test (work per resource, not time).
import { MESH_LEDGER_TYPE as LEDGER, SIDECAR_VERSION_RECORD_TYPE as RECORD } from "../provider/tokens";

export interface StackResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, unknown>;
}

const NAMESPACE = "kubernetes:core/v1:Namespace";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const VIRTUAL_SERVICE = "kubernetes:networking.istio.io/v1:VirtualService";
const DESTINATION_RULE = "kubernetes:networking.istio.io/v1:DestinationRule";
const SIDECARSET = "kubernetes:apps.kruise.io/v1alpha1:SidecarSet";

const MOSN = { api: "v0.0.0-20211217011300-b851d129be01", pkg: "v0.0.0-20211217101631-d914102d1baf" };
const DIGEST = "@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

function resource(type: string, name: string, props: Record<string, unknown>): StackResource {
    return { type, name, urn: `urn:pulumi:bench::mesh::${type}::${name}`, props };
}

function ledger(namespaces: string[]): StackResource {
    const state = (stage: string) => ({
        version: "1.12.4",
        upgrade: { to: "1.14.5", stage },
        revisions: stage === "finalize" ? ["1-14-5"] : ["1-12-4", "1-14-5"],
        oldRevision: "1-12-4",
        newRevision: "1-14-5",
        tags: { stable: "1-14-5", canary: "1-14-5" },
        namespaces: Object.fromEntries(namespaces.map((ns) => [ns, "1-14-5"])),
        gateways: { "istio-ingress/ingress": "1-14-5" },
        onOldRevision: [],
        mode: "install",
    });
    return resource(LEDGER, "mesh-ledger", { key: "mesh", state: state("finalize"), prior: state("dataPlane") });
}

function record(version: string): StackResource {
    const state = { version, digest: `sha256:${version}`, image: `registry.example.com/mesh/proxy:${version}${DIGEST}`, scenario: "container", mosn: MOSN, description: "" };
    return resource(RECORD, `sidecar-${version}`, { key: version, state, prior: { ...state } });
}

const container = (name: string, image: string, extra: Record<string, unknown> = {}) => ({
    name,
    image,
    ports: [{ name: "http-web", containerPort: 8080 }],
    resources: { limits: { cpu: "500m", memory: "256Mi" } },
    readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
    ...extra,
});

function deployment(i: number, namespace: string, injected: boolean): StackResource {
    const app = `app-${i}`;
    const labels: Record<string, string> = { app, version: "v1", ...(injected ? { "istio.io/rev": i % 3 === 0 ? "stable" : "1-14-5" } : {}) };
    const props = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: app, namespace, labels: { app }, annotations: { "mesh-rollout.io/revision": "1-14-5" } },
        spec: {
            replicas: 2,
            selector: { matchLabels: { app } },
            template: {
                metadata: { labels, annotations: i % 7 === 0 ? { "sidecar.istio.io/inject": "false" } : {} },
                spec: { containers: [container(app, `registry.example.com/shop/${app}:1.0.${i % 10}`)], volumes: [{ name: "tmp", emptyDir: {} }] },
            },
        },
    };
    return resource(DEPLOYMENT, `${namespace}-${app}`, props);
}

function sidecarSet(i: number, namespace: string | undefined, version: string): StackResource {
    const image = `registry.example.com/mesh/proxy:${version}${DIGEST}`;
    const security = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1337 };
    const initSecurity = { allowPrivilegeEscalation: false, capabilities: { add: ["NET_ADMIN", "NET_RAW"], drop: ["ALL"] }, privileged: false, runAsNonRoot: false, runAsUser: 0 };
    const props = {
        apiVersion: "apps.kruise.io/v1alpha1",
        kind: "SidecarSet",
        metadata: { name: `sidecar-${i}`, annotations: { "mesh-rollout.io/sidecar-version": version, "mesh-rollout.io/sidecar-image": image } },
        spec: {
            selector: { matchLabels: { app: `app-${i}` } },
            ...(namespace !== undefined ? { namespace } : {}),
            containers: [
                container("istio-proxy", image, {
                    securityContext: security,
                    upgradeStrategy: { upgradeType: "HotUpgrade", hotUpgradeEmptyImage: `registry.example.com/mesh/empty:1.0.0${DIGEST}` },
                }),
            ],
            initContainers: [container("istio-init", image, { securityContext: initSecurity })],
            volumes: [{ name: "istio-envoy", emptyDir: { medium: "Memory" } }],
            updateStrategy: { type: "RollingUpdate", maxUnavailable: 1 },
        },
    };
    return resource(SIDECARSET, `sidecar-${i}`, props);
}

function virtualService(i: number, namespace: string): StackResource {
    const host = `app-${i}`;
    const canary = i % 4 === 0;
    const annotations = canary
        ? {
              "mesh-rollout.io/canary": `${host}-v2`,
              "mesh-rollout.io/release-strategy": "afterReady",
              "mesh-rollout.io/traffic": "canary-weight",
              "mesh-rollout.io/workload": `${namespace}/${host}`,
              "mesh-rollout.io/current-version": "v1",
              "mesh-rollout.io/new-version": "v2",
              "mesh-rollout.io/canary-steps-left": "1",
          }
        : {};
    const route = [
        { destination: { host, subset: "v1" }, weight: 80 },
        { destination: { host, subset: "v2" }, weight: 20 },
    ];
    const props = {
        metadata: { name: host, namespace, annotations },
        spec: { hosts: [host], http: [{ match: [{ headers: { "x-canary": { exact: "on" } } }], route: [{ destination: route[1].destination }] }, { route }] },
    };
    return resource(VIRTUAL_SERVICE, `${namespace}-${host}-vs`, props);
}

function destinationRule(i: number, namespace: string): StackResource {
    const host = `app-${i}`;
    return resource(DESTINATION_RULE, `${namespace}-${host}-dr`, {
        metadata: { name: host, namespace },
        spec: {
            host,
            subsets: [
                { name: "v1", labels: { version: "v1" } },
                { name: "v2", labels: { version: "v2" } },
            ],
        },
    });
}

/**
 * `n` resources in fixed proportions: per 20 resources, 2 namespaces, 10 Deployments, 3
 * VirtualServices, 2 DestinationRules, 2 SidecarSets, 1 catalog record; plus the mesh's ledger.
 */
export function mixedStack(n: number): StackResource[] {
    const groups = Math.max(1, Math.floor(n / 20));
    const out: StackResource[] = [];
    const bound: string[] = [];
    for (let g = 0; g < groups; g++) {
        const meshNs = `shop-${g}`;
        const ownNs = `sidecars-${g}`;
        bound.push(meshNs);
        out.push(resource(NAMESPACE, meshNs, { metadata: { name: meshNs, labels: { "istio.io/rev": "1-14-5" } } }));
        out.push(resource(NAMESPACE, ownNs, { metadata: { name: ownNs, labels: { "mesh-rollout.io/sidecarset": "true" } } }));
        const version = `1.0.${g}`;
        out.push(record(version));
        for (let k = 0; k < 10; k++) {
            const i = g * 10 + k;
            const inMesh = k < 5;
            out.push(deployment(i, inMesh ? meshNs : ownNs, inMesh));
            if (k < 3) {
                out.push(virtualService(i, meshNs));
            }
            if (k < 2) {
                out.push(destinationRule(i, meshNs));
            }
            if (k === 5 || k === 6) {
                // One SidecarSet per Deployment of the independent namespace (seed 004); every 50th group, one cluster-wide.
                out.push(sidecarSet(i, g % 50 === 0 && k === 6 ? undefined : ownNs, version));
            }
        }
    }
    return [ledger(bound), ...out];
}
