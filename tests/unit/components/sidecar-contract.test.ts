import assert from "node:assert/strict";
import { capture, find, installMocks } from "../support/mocks";
import { assertRefused } from "./refusal";
import { SIDECAR_VERSION_RECORD_TYPE } from "../../../provider/tokens";

const IMAGE = "registry.example.com/mesh/proxy:1.0.0";
const EMPTY = "registry.example.com/mesh/proxy-empty:1";
const SHA = "a".repeat(64);

async function load() {
    await installMocks();
    return { ...(await import("../../../components/sidecar-version")), ...(await import("../../../components/sidecar-set-upgrade")) };
}
const version = async (args: unknown, message: string | RegExp) => {
    const { SidecarVersion } = await load();
    return assertRefused(() => new SidecarVersion("sv", args as never), message);
};
const sidecarSet = async (args: unknown, message: string | RegExp) => {
    const { SidecarSetUpgrade } = await load();
    return assertRefused(() => new SidecarSetUpgrade("ss", args as never), message);
};
const ref = { version: "1.0.0", image: IMAGE };
const set = { sidecarVersion: ref, selector: { matchLabels: { app: "nginx" } }, hotUpgradeEmptyImage: EMPTY };

describe("SidecarVersion and SidecarSetUpgrade: every argument checked before anything is registered (issue 11)", () => {
    it("args null or undefined: our error, not a TypeError (both components)", async () => {
        await version(null, `'args' null must be an object holding SidecarVersion's arguments. Give them as an object, e.g. new SidecarVersion("name", { version: "1.0.0"`);
        await version(undefined, "'args' (missing) must be an object holding SidecarVersion's arguments.");
        await sidecarSet(null, "'args' null must be an object holding SidecarSetUpgrade's arguments.");
        await sidecarSet(undefined, "'args' (missing) must be an object holding SidecarSetUpgrade's arguments.");
    });

    it("SidecarSetUpgrade without sidecarVersion: our error", async () => {
        await sidecarSet(
            { ...set, sidecarVersion: undefined },
            `'args.sidecarVersion' (missing) is required. Give a SidecarVersion of this stack, or { version, image } read from the catalog stack, e.g. { version: "1.0.0", image: "registry.example.com/mesh/proxy:1.0.0" }.`,
        );
    });

    it('sidecarVersion: { version: 5, image: "NOT an image" } is refused', async () => {
        await sidecarSet({ ...set, sidecarVersion: { version: 5, image: IMAGE } }, "'args.sidecarVersion.version' 5 must be a string. Give a SidecarVersion of this stack");
        await sidecarSet({ ...set, sidecarVersion: { version: "1.0.0", image: "NOT an image" } }, `'args.sidecarVersion.image' "NOT an image" is not an image reference`);
    });

    it("SidecarVersion with main: null: our error", async () => {
        await version(
            { version: "1.0.1", scenario: "container", image: IMAGE, main: null },
            `'args.main' null must be an object. Give the main MOSN version: a SidecarVersion of this stack, or { version: "1.0.0", mosn: { api, pkg } }; leave main out for a main version.`,
        );
    });

    it('catalogNamespace: "Not A Namespace!" is refused', async () => {
        await version(
            { version: "1.0.0", scenario: "container", image: IMAGE, catalogNamespace: "Not A Namespace!" },
            `'args.catalogNamespace' "Not A Namespace!" is not a namespace name: a DNS-1123 label. Use lowercase letters, digits and '-', at most 63, starting and ending with a letter or digit, e.g. istio-system.`,
        );
    });

    it("deeply nested overrides are refused, not a stack overflow", async () => {
        let deep: Record<string, unknown> = {};
        for (let i = 0; i < 100000; i++) {
            deep = { a: deep };
        }
        await sidecarSet({ ...set, proxyOverrides: { resources: deep } }, /^'args\.proxyOverrides\.resources(\.a){32}' .* is nested more than 32 levels deep\./);
    });

    it("overrides: only container fields of the right kind; name is fixed; no prototype keys", async () => {
        await sidecarSet(
            { ...set, proxyOverrides: { resorces: {} } },
            "'args.proxyOverrides.resorces' {} is not a field of a Kubernetes container or an OpenKruise sidecar container. Use Container fields such as resources, env, args, securityContext (check the spelling)",
        );
        await sidecarSet({ ...set, proxyOverrides: { name: "proxy" } }, "'args.proxyOverrides.name' proxy is fixed");
        await sidecarSet({ ...set, initOverrides: { env: { A: "1" } } }, `'args.initOverrides.env' {"A":"1"} must be a list, as in a Kubernetes container.`);
        await sidecarSet(
            { ...set, proxyOverrides: JSON.parse('{"__proto__": {"polluted": true}}') },
            "'args.proxyOverrides.__proto__' {\"polluted\":true} is a reserved object key.",
        );
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it("selector values, volumes, CIDRs and addresses are checked with examples", async () => {
        await sidecarSet(
            { ...set, selector: { matchExpressions: [{ key: "app", operator: "In" }] } },
            `'args.selector.matchExpressions[0].values' (missing) is required and non-empty with operator In. Give the label values to match, e.g. values: ["reviews"].`,
        );
        await sidecarSet(
            { ...set, volumes: [{ emptyDir: {} }] },
            "'args.volumes[0].name' (missing) is not a volume name: a DNS-1123 label. Name the volume with lowercase letters, digits and '-', at most 63, e.g. istio-envoy.",
        );
        await sidecarSet(
            { ...set, excludeOutboundIPRanges: ["10.0.0.0/33"] },
            "'args.excludeOutboundIPRanges[0]' 10.0.0.0/33 is not a CIDR. Give an IPv4 or IPv6 range with its prefix length, e.g. 172.23.0.1/32 or fd00::/8.",
        );
        await sidecarSet(
            { ...set, discoveryAddress: "istiod" },
            "'args.discoveryAddress' istiod is not a host:port address. Give istiod's address as host:port, e.g. istiod.istio-system.svc:15012.",
        );
        await sidecarSet(
            { ...set, updateStrategy: { partition: "150%" } },
            `'args.updateStrategy.partition' 150% does not have any of the accepted forms. Give a whole number of pods (at least 0) or a whole percentage from 0% to 100%, e.g. 0 or "20%".`,
        );
    });

    it("a pre-signed TAR address is kept secret: redacted in the ConfigMap and the record, whole only in a Secret", async () => {
        const { SidecarVersion } = await load();
        const url = "https://mesh.oss-cn-hangzhou.aliyuncs.com/mosn-1.0.0.tar.gz?OSSAccessKeyId=LTAI5tEXAMPLE&Expires=1700000000&Signature=abc%2Bdef";
        let v: InstanceType<typeof SidecarVersion> | undefined;
        const resources = await capture(() => (v = new SidecarVersion("vm", { version: "1.0.0", scenario: "vm", tarPackage: { url, sha256: SHA } })));
        const cm = find(resources, "kubernetes:core/v1:ConfigMap", "vm-catalog").inputs;
        const record = find(resources, SIDECAR_VERSION_RECORD_TYPE, "vm-record").inputs;
        for (const plain of [JSON.stringify(cm), JSON.stringify(record.state)]) {
            assert.ok(!plain.includes("Signature") && !plain.includes("LTAI5t"), plain);
        }
        assert.equal(JSON.parse(cm.data["spec.json"]).tarPackage.url, "https://mesh.oss-cn-hangzhou.aliyuncs.com/mosn-1.0.0.tar.gz?<redacted>");
        const secretName = `${cm.metadata.name}-tar`;
        assert.equal(cm.metadata.annotations["mesh-rollout.io/tar-url-secret"], secretName);
        const secret = find(resources, "kubernetes:core/v1:Secret", "vm-tar-url").inputs;
        assert.equal(secret.metadata.name, secretName);
        assert.equal(secret.metadata.namespace, "istio-system");
        // Registered as a Pulumi secret (the runtime's secret signature wraps the value).
        assert.deepEqual(secret.stringData, { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: { url } });
        // Re-signing the address is not an edit: same digest.
        const resigned = new SidecarVersion("vm2", { version: "1.0.0", scenario: "vm", tarPackage: { url: url.replace("abc", "xyz"), sha256: SHA } });
        assert.equal(resigned.digest, v!.digest);
    });

    it("a TAR address without a credential stays as it is, with no Secret", async () => {
        const { SidecarVersion } = await load();
        const url = "https://dl.example.com/mosn-1.0.0.tar.gz?version=1";
        const resources = await capture(() => new SidecarVersion("plainvm", { version: "1.0.0", scenario: "vm", tarPackage: { url, sha256: SHA } }));
        assert.equal(JSON.parse(find(resources, "kubernetes:core/v1:ConfigMap", "plainvm-catalog").inputs.data["spec.json"]).tarPackage.url, url);
        assert.equal(resources.filter((r) => r.type === "kubernetes:core/v1:Secret").length, 0);
    });
});
