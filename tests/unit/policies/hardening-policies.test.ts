import assert from "node:assert/strict";
import { hardeningPolicies } from "../../../policy-packs/mesh-rollout/hardening-policies";
import { imagesPinnedByDigest } from "../../../policy-packs/mesh-rollout/policies/images-pinned-by-digest";
import { sidecarBaselineNotWeakened } from "../../../policy-packs/mesh-rollout/policies/sidecar-baseline-not-weakened";
import { FixtureResource, runResourcePolicy } from "../support/policy";
import { happy, TYPES, withField } from "./fixtures";

const set = happy(TYPES.sidecarSet, 0);
const deployment = happy(TYPES.deployment, 0);
const proxy = "spec.containers.0.securityContext";
const asSidecar = (d: FixtureResource) => withField(d, "spec.template.spec.containers.0.name", "istio-proxy");
const messages = async (r: FixtureResource, policy = sidecarBaselineNotWeakened, config?: Record<string, unknown>) =>
    (await runResourcePolicy(policy, r, { config })).map((v) => v.message);

describe("policy pack: hardening policies", () => {
    it("lists them: the baseline advisory, the digest pin disabled until enabled; each with a config schema and defaults", () => {
        assert.deepEqual(
            hardeningPolicies.map((p) => `${p.name}:${p.enforcementLevel}`),
            ["mesh-rollout-sidecar-baseline-not-weakened:advisory", "mesh-rollout-images-pinned-by-digest:disabled"],
        );
        assert.deepEqual(sidecarBaselineNotWeakened.configSchema?.properties?.initCapabilities, { type: "array", items: { type: "string" }, default: ["NET_ADMIN", "NET_RAW"] });
        assert.deepEqual(imagesPinnedByDigest.configSchema?.properties?.exemptPrefixes, { type: "array", items: { type: "string" }, default: [] });
        for (const p of hardeningPolicies) {
            assert.match(p.description, /^Checks that /);
        }
    });

    describe("mesh-rollout-sidecar-baseline-not-weakened", () => {
        it("passes seed 004's baseline (istio-init root with NET_ADMIN/NET_RAW), app containers, and resources it does not read", async () => {
            assert.deepEqual(await messages(set), []);
            assert.deepEqual(await messages(deployment), []);
            assert.deepEqual(await messages(withField(deployment, "spec.template.spec.volumes.0", { name: "tmp", hostPath: { path: "/" } })), []); // not mounted by a sidecar
            assert.deepEqual(await messages(happy(TYPES.namespace)), []);
        });
        const refusals: [string, FixtureResource, string][] = [
            [
                "a privileged istio-proxy",
                withField(set, `${proxy}.privileged`, true),
                `SidecarSet sidecar-5 must not weaken sidecar container istio-proxy: 'spec.containers[0].securityContext.privileged' is true, which gives it every device and capability of the node. Remove the override; the baseline is "privileged": false.`,
            ],
            [
                "istio-proxy as root",
                withField(set, `${proxy}.runAsUser`, 0),
                `SidecarSet sidecar-5 must not weaken sidecar container istio-proxy: 'spec.containers[0].securityContext.runAsUser' is 0, so the proxy runs as root. Remove the override; the baseline is "runAsUser": 1337, "runAsNonRoot": true.`,
            ],
            [
                "runAsNonRoot false on istio-proxy",
                withField(set, `${proxy}.runAsNonRoot`, false),
                `SidecarSet sidecar-5 must not weaken sidecar container istio-proxy: 'spec.containers[0].securityContext.runAsNonRoot' is false, so nothing stops the proxy running as root. Remove the override; the baseline is "runAsNonRoot": true.`,
            ],
            [
                "privilege escalation",
                withField(set, `${proxy}.allowPrivilegeEscalation`, true),
                `SidecarSet sidecar-5 must not weaken sidecar container istio-proxy: 'spec.containers[0].securityContext.allowPrivilegeEscalation' is true, so its processes may gain more privileges than they start with. Remove the override; the baseline is "allowPrivilegeEscalation": false.`,
            ],
            [
                "istio-init adding more than NET_ADMIN/NET_RAW",
                withField(set, "spec.initContainers.0.securityContext.capabilities.add", ["NET_ADMIN", "NET_RAW", "SYS_ADMIN"]),
                `SidecarSet sidecar-5 must not weaken sidecar container istio-init: 'spec.initContainers[0].securityContext.capabilities.add' adds SYS_ADMIN; an init container may add only NET_ADMIN, NET_RAW (what iptables needs). Remove it, e.g. ["NET_ADMIN", "NET_RAW"].`,
            ],
            [
                "istio-proxy adding any capability",
                withField(set, `${proxy}.capabilities.add`, ["NET_ADMIN"]),
                `SidecarSet sidecar-5 must not weaken sidecar container istio-proxy: 'spec.containers[0].securityContext.capabilities.add' adds NET_ADMIN; a sidecar that is not an init container adds none (the baseline drops ALL). Remove it.`,
            ],
            [
                "a hostPath volume in a SidecarSet",
                withField(set, "spec.volumes.0", { name: "host", hostPath: { path: "/var/run" } }),
                `SidecarSet sidecar-5 must not give sidecars a host path: 'spec.volumes[0].hostPath' (volume host) mounts the node's /var/run, which exposes the node's files to the proxy. Use an emptyDir or a projected volume instead, e.g. {"name": "istio-envoy", "emptyDir": {"medium": "Memory"}}.`,
            ],
            [
                "an istio-proxy override in a Deployment",
                withField(asSidecar(deployment), "spec.template.spec.containers.0.securityContext", { privileged: true }),
                `Deployment shop-0/app-0 must not weaken sidecar container istio-proxy: 'spec.template.spec.containers[0].securityContext.privileged' is true, which gives it every device and capability of the node. Remove the override; the baseline is "privileged": false.`,
            ],
            [
                "a hostPath volume an istio-proxy of a Deployment mounts",
                withField(withField(asSidecar(deployment), "spec.template.spec.containers.0.volumeMounts", [{ name: "tmp", mountPath: "/tmp" }]), "spec.template.spec.volumes.0", {
                    name: "tmp",
                    hostPath: { path: "/" },
                }),
                `Deployment shop-0/app-0 must not give sidecars a host path: 'spec.template.spec.volumes[0].hostPath' (volume tmp) mounts the node's /, which exposes the node's files to the proxy. Use an emptyDir or a projected volume instead, e.g. {"name": "istio-envoy", "emptyDir": {"medium": "Memory"}}.`,
            ],
            [
                "a securityContext that is not an object",
                withField(set, proxy, "privileged"),
                `SidecarSet sidecar-5 must have 'spec.containers[0].securityContext' as a security context, e.g. {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}; it is "privileged" (a string). Correct that field in the program; the Kubernetes API would refuse it too.`,
            ],
        ];
        for (const [what, resource, message] of refusals) {
            it(`warns about ${what}`, async () => {
                assert.deepEqual(await messages(resource), [message]);
            });
        }
        it("takes the sidecar names and the init capabilities from its config", async () => {
            const renamed = withField(deployment, "spec.template.spec.containers.0.securityContext", { privileged: true });
            assert.equal((await messages(renamed, sidecarBaselineNotWeakened, { sidecarContainers: ["app-0"] })).length, 1);
            const sysAdmin = withField(set, "spec.initContainers.0.securityContext.capabilities.add", ["NET_ADMIN", "NET_RAW", "SYS_ADMIN"]);
            assert.deepEqual(await messages(sysAdmin, sidecarBaselineNotWeakened, { initCapabilities: ["NET_ADMIN", "NET_RAW", "SYS_ADMIN"] }), []);
        });
    });

    describe("mesh-rollout-images-pinned-by-digest", () => {
        it("passes images pinned by digest (the SidecarSet fixture, its hot-upgrade empty image included) and exempt prefixes", async () => {
            assert.deepEqual(await messages(set, imagesPinnedByDigest), []);
            assert.deepEqual(await messages(deployment, imagesPinnedByDigest, { exemptPrefixes: ["registry.example.com/shop/"] }), []);
        });
        const refusals: [string, FixtureResource, string][] = [
            [
                "a SidecarSet image by tag",
                withField(set, "spec.containers.0.image", "registry.example.com/mesh/proxy:1.0.0"),
                "SidecarSet sidecar-5 must pin the image of container istio-proxy by digest: 'spec.containers[0].image' is registry.example.com/mesh/proxy:1.0.0, whose tag can be moved to other content. Append the digest of the reviewed image, e.g. registry.example.com/mesh/proxy:1.0.0@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.",
            ],
            [
                "a hot-upgrade empty image by tag",
                withField(set, "spec.containers.0.upgradeStrategy.hotUpgradeEmptyImage", "registry.example.com/mesh/empty:1.0.0"),
                "SidecarSet sidecar-5 must pin the image of container istio-proxy by digest: 'spec.containers[0].upgradeStrategy.hotUpgradeEmptyImage' is registry.example.com/mesh/empty:1.0.0, whose tag can be moved to other content. Append the digest of the reviewed image, e.g. registry.example.com/mesh/empty:1.0.0@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.",
            ],
            [
                "a Deployment image by tag",
                deployment,
                "Deployment shop-0/app-0 must pin the image of container app-0 by digest: 'spec.template.spec.containers[0].image' is registry.example.com/shop/app-0:1.0.0, whose tag can be moved to other content. Append the digest of the reviewed image, e.g. registry.example.com/shop/app-0:1.0.0@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.",
            ],
            [
                "an image that is not a string",
                withField(deployment, "spec.template.spec.containers.0.image", 7),
                `Deployment shop-0/app-0 must have 'spec.template.spec.containers[0].image' as an image reference, e.g. "registry.example.com/mesh/proxy:1.0.0@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"; it is 7 (a number). Correct that field in the program; the Kubernetes API would refuse it too.`,
            ],
        ];
        for (const [what, resource, message] of refusals) {
            it(`refuses ${what}`, async () => {
                assert.deepEqual(await messages(resource, imagesPinnedByDigest), [message]);
            });
        }
    });
});
