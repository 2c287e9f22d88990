import assert from "node:assert/strict";
import { mergeOverrides, MeshRolloutValidationError, parseSidecarSetSpec, sidecarSetManifest, sidecarSetTargets } from "../../../domain";
import { crdErrors } from "../support/crd";

const EMPTY = "registry.example.com/mesh/proxy-empty:1";
const IMAGE = "registry.example.com/mesh/proxy:1.0.0";
const hot = { selector: { matchLabels: { app: "nginx" } }, namespace: "shop", hotUpgradeEmptyImage: EMPTY };

function manifest(input: Record<string, unknown>) {
    const spec = parseSidecarSetSpec(input);
    return sidecarSetTargets("nginx-sidecar", spec).map((t) => sidecarSetManifest(t, spec, { version: "1.0.0", image: IMAGE }) as any); // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe("SidecarSet manifests (seed 004)", () => {
    it("lays out istio-proxy as seed 004 does, hot-upgraded with the empty image", () => {
        const [m] = manifest(hot);
        assert.equal(m.apiVersion, "apps.kruise.io/v1alpha1");
        assert.equal(m.kind, "SidecarSet");
        assert.deepEqual(m.metadata, {
            name: "nginx-sidecar",
            labels: { "app.kubernetes.io/managed-by": "mesh-rollout" },
            annotations: { "mesh-rollout.io/sidecar-version": "1.0.0", "mesh-rollout.io/sidecar-image": IMAGE },
        });
        assert.deepEqual(m.spec.selector, { matchLabels: { app: "nginx" } });
        // By the namespace's name label: Kruise's storage version v1beta1 has no spec.namespace.
        assert.equal(m.spec.namespace, undefined);
        assert.deepEqual(m.spec.namespaceSelector, { matchLabels: { "kubernetes.io/metadata.name": "shop" } });
        const proxy = m.spec.containers[0];
        assert.equal(proxy.name, "istio-proxy");
        assert.equal(proxy.image, IMAGE);
        assert.equal(proxy.podInjectPolicy, "BeforeAppContainer");
        assert.deepEqual(proxy.upgradeStrategy, { upgradeType: "HotUpgrade", hotUpgradeEmptyImage: EMPTY });
        assert.deepEqual(proxy.args.slice(0, 4), ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"]);
        assert.equal(proxy.args[proxy.args.indexOf("--discoveryAddress") + 1], "istiod.istio-system.svc:15012");
        assert.equal(proxy.args[proxy.args.indexOf("--concurrency") + 1], "2");
        assert.deepEqual(
            proxy.env.find((e: { name: string }) => e.name === "ISTIO_META_CLUSTER_ID"),
            { name: "ISTIO_META_CLUSTER_ID", valueFrom: { configMapKeyRef: { name: "ack-cluster-profile", key: "clusterid" } } },
        );
        assert.equal(proxy.env.length, 19);
        assert.deepEqual(proxy.lifecycle, { postStart: { exec: { command: ["/bin/sh", "-c", "/usr/local/bin/pilot-agent wait"] } } });
        assert.deepEqual(proxy.ports, [{ containerPort: 15090, name: "http-envoy-prom", protocol: "TCP" }]);
        assert.deepEqual(proxy.resources, { limits: { cpu: "2", memory: "1Gi" }, requests: { cpu: "100m", memory: "128Mi" } });
        assert.deepEqual(proxy.securityContext, {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            privileged: false,
            readOnlyRootFilesystem: true,
            runAsGroup: 1337,
            runAsNonRoot: true,
            runAsUser: 1337,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.deepEqual(
            proxy.volumeMounts.map((v: { name: string }) => v.name),
            ["istiod-ca-cert", "istio-data", "istio-envoy", "istio-podinfo", "asm-hotupgrade-data"],
        );
        assert.deepEqual(
            m.spec.volumes.map((v: { name: string }) => v.name),
            ["asm-hotupgrade-data", "istio-envoy", "istio-data", "istio-podinfo", "istiod-ca-cert"],
        );
        const init = m.spec.initContainers[0];
        assert.equal(init.name, "istio-init");
        assert.equal(init.image, IMAGE);
        assert.deepEqual(init.securityContext.capabilities, { add: ["NET_ADMIN", "NET_RAW"], drop: ["ALL"] });
        assert.equal(init.securityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(m.spec.updateStrategy, { type: "RollingUpdate", maxUnavailable: 1, paused: false });
        assert.deepEqual(crdErrors(m), []);
    });

    it("ColdUpgrade needs no empty image and mounts no hot-upgrade volume", () => {
        const [m] = manifest({ selector: { matchLabels: { app: "nginx" } }, upgradeType: "ColdUpgrade" });
        assert.deepEqual(m.spec.containers[0].upgradeStrategy, { upgradeType: "ColdUpgrade" });
        assert.equal(
            m.spec.volumes.some((v: { name: string }) => v.name === "asm-hotupgrade-data"),
            false,
        );
        assert.equal(m.spec.namespace, undefined);
        assert.deepEqual(crdErrors(m), []);
    });

    it("maps the rolling update: partition, maxUnavailable, paused, NotUpdate", () => {
        const [m] = manifest({ ...hot, updateStrategy: { partition: "50%", maxUnavailable: "20%", paused: true } });
        assert.deepEqual(m.spec.updateStrategy, { type: "RollingUpdate", maxUnavailable: "20%", paused: true, partition: "50%" });
        assert.deepEqual(crdErrors(m), []);
        const [n] = manifest({ ...hot, updateStrategy: { type: "NotUpdate", partition: 3 } });
        assert.deepEqual(n.spec.updateStrategy, { type: "NotUpdate", maxUnavailable: 1, paused: false, partition: 3 });
    });

    it("maps selectors with expressions, cluster id source, discovery address, CNI mode and excluded ranges", () => {
        const [m] = manifest({
            selector: { matchExpressions: [{ key: "app", operator: "In", values: ["nginx", "web"] }] },
            hotUpgradeEmptyImage: EMPTY,
            clusterId: { configMap: "cluster-profile", key: "id" },
            discoveryAddress: "istiod-1-14-5.istio-system.svc:15012",
            meshId: "mesh-a",
            concurrency: 4,
            initContainer: false,
        });
        assert.deepEqual(m.spec.selector, { matchExpressions: [{ key: "app", operator: "In", values: ["nginx", "web"] }] });
        const proxy = m.spec.containers[0];
        assert.deepEqual(proxy.env.find((e: { name: string }) => e.name === "ISTIO_META_CLUSTER_ID").valueFrom, { configMapKeyRef: { name: "cluster-profile", key: "id" } });
        assert.equal(proxy.env.find((e: { name: string }) => e.name === "CA_ADDR").value, "istiod-1-14-5.istio-system.svc:15012");
        assert.equal(proxy.env.find((e: { name: string }) => e.name === "ISTIO_META_MESH_ID").value, "mesh-a");
        assert.equal(proxy.args[proxy.args.indexOf("--concurrency") + 1], "4");
        assert.equal(m.spec.initContainers, undefined);
        const [x] = manifest({ ...hot, excludeOutboundIPRanges: ["172.23.0.1/32"], initImage: "registry.example.com/mesh/proxyv2:1.6.8" });
        assert.deepEqual(x.spec.initContainers[0].args.slice(-6), ["-x", "172.23.0.1/32", "-b", "*", "-d", "15090,15021,15020"]);
        assert.equal(x.spec.initContainers[0].image, "registry.example.com/mesh/proxyv2:1.6.8");
    });

    it("lets every field be overridden (objects merge, arrays replace, null removes)", () => {
        const [m] = manifest({
            ...hot,
            proxyOverrides: { resources: { limits: { cpu: "1" } }, lifecycle: null, args: ["proxy", "sidecar"] },
            initOverrides: { resources: { requests: { cpu: "20m" } } },
            volumes: [{ name: "only", emptyDir: {} }],
        });
        const proxy = m.spec.containers[0];
        assert.deepEqual(proxy.resources, { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "100m", memory: "128Mi" } });
        assert.equal(proxy.lifecycle, undefined);
        assert.deepEqual(proxy.args, ["proxy", "sidecar"]);
        assert.equal(m.spec.initContainers[0].resources.requests.cpu, "20m");
        assert.deepEqual(m.spec.volumes, [{ name: "only", emptyDir: {} }]);
        assert.deepEqual(mergeOverrides({ a: { b: 1, c: [1] } }, { a: { c: [2] } }), { a: { b: 1, c: [2] } });
    });

    it("makes one SidecarSet per Deployment, in its namespace, selecting its pod labels", () => {
        const ms = manifest({
            deployments: [
                { name: "nginx", namespace: "shop", matchLabels: { app: "nginx" } },
                { name: "cart", namespace: "shop", matchLabels: { app: "cart" } },
            ],
            hotUpgradeEmptyImage: EMPTY,
        });
        assert.deepEqual(
            ms.map((m) => [m.metadata.name, m.spec.namespaceSelector.matchLabels["kubernetes.io/metadata.name"], m.spec.selector]),
            [
                ["nginx-sidecar-nginx", "shop", { matchLabels: { app: "nginx" } }],
                ["nginx-sidecar-cart", "shop", { matchLabels: { app: "cart" } }],
            ],
        );
    });

    const refusals: [string, Record<string, unknown>, string][] = [
        [
            "HotUpgrade without an empty image",
            { selector: { matchLabels: { app: "a" } } },
            "'args.hotUpgradeEmptyImage' (missing) is required for upgradeType HotUpgrade: the idle slot of the hot-upgrade pair runs it. Give the empty image that matches your proxy",
        ],
        ["maxUnavailable 0", { ...hot, updateStrategy: { maxUnavailable: 0 } }, "'args.updateStrategy.maxUnavailable' 0 "],
        ["maxUnavailable 0%", { ...hot, updateStrategy: { maxUnavailable: "0%" } }, "'args.updateStrategy.maxUnavailable' 0% "],
        [
            "no selector and no deployments",
            { hotUpgradeEmptyImage: EMPTY },
            "'args.selector' (missing) is required unless 'deployments' is given. Give either 'selector' (one SidecarSet) or 'deployments' (one SidecarSet per Deployment).",
        ],
        [
            "both selector and deployments",
            { ...hot, namespace: undefined, deployments: [{ name: "a", namespace: "b", matchLabels: { app: "a" } }] },
            '\'args.deployments\' [{"name":"a","namespace":"b","matchLabels":{"app":"a"}}] cannot be combined with \'selector\'.',
        ],
        [
            "a bad selector operator",
            { ...hot, selector: { matchExpressions: [{ key: "a", operator: "Is" }] } },
            "'args.selector.matchExpressions[0].operator' Is is not an allowed value. Use one of: In, NotIn, Exists, DoesNotExist.",
        ],
        ["an unknown upgrade type", { ...hot, upgradeType: "Warm" }, "'args.upgradeType' Warm is not an allowed value. Use one of: HotUpgrade, ColdUpgrade."],
    ];
    for (const [what, input, expected] of refusals) {
        it(`refuses ${what}`, () => {
            assert.throws(
                () => parseSidecarSetSpec(input, "args"),
                (e: unknown) => {
                    assert.ok(e instanceof MeshRolloutValidationError, String(e));
                    assert.ok(e.message.startsWith(expected), e.message);
                    return true;
                },
            );
        });
    }
});
