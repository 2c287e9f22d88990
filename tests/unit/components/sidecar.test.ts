import assert from "node:assert/strict";
import { capture, find, installMocks, names } from "../support/mocks";
import { SIDECAR_VERSION_RECORD_TYPE } from "../../../provider/tokens";

const CM = "kubernetes:core/v1:ConfigMap";
const RECORD = SIDECAR_VERSION_RECORD_TYPE;
const SET = "kubernetes:apps.kruise.io/v1alpha1:SidecarSet";
const IMAGE = "registry.example.com/mesh/proxy:1.0.0";
const EMPTY = "registry.example.com/mesh/proxy-empty:1";

async function load() {
    await installMocks();
    return {
        ...(await import("../../../components/sidecar-version")),
        ...(await import("../../../components/sidecar-set-upgrade")),
    };
}

describe("SidecarVersion and SidecarSetUpgrade (mocked runtime)", () => {
    it("a catalog entry is an immutable ConfigMap named by digest, plus a state record", async () => {
        const { SidecarVersion } = await load();
        let v: InstanceType<typeof SidecarVersion> | undefined;
        const resources = await capture(() => (v = new SidecarVersion("v100", { version: "1.0.0", scenario: "container", image: IMAGE, description: "first" })));
        assert.deepEqual(names(resources), [`${CM}::v100-catalog`, "mesh-rollout:index:SidecarVersion::v100", `${RECORD}::v100-record`]);
        const cm = find(resources, CM, "v100-catalog").inputs;
        assert.equal(cm.immutable, true);
        assert.equal(cm.metadata.name, `sidecar-version-1-0-0-${v!.digest.slice(7, 15)}`);
        assert.equal(cm.metadata.namespace, "istio-system");
        assert.deepEqual(cm.metadata.labels, { "mesh-rollout.io/sidecar-version": "1.0.0", "app.kubernetes.io/managed-by": "mesh-rollout" });
        assert.deepEqual(cm.metadata.annotations, { "mesh-rollout.io/digest": v!.digest });
        assert.deepEqual(JSON.parse(cm.data["spec.json"]), {
            description: "first",
            image: IMAGE,
            mosn: { api: "v0.0.0-20211217011300-b851d129be01", pkg: "v0.0.0-20211217101631-d914102d1baf" },
            scenario: "container",
            version: "1.0.0",
        });
        const record = find(resources, RECORD, "v100-record").inputs;
        assert.equal(record.key, "1.0.0");
        assert.equal(record.state.digest, v!.digest);
        assert.equal(record.state.image, IMAGE);
    });

    it("a plugin records its main version and refuses mosn pins that differ from it", async () => {
        const { SidecarVersion } = await load();
        let main: InstanceType<typeof SidecarVersion> | undefined;
        await capture(() => (main = new SidecarVersion("main", { version: "2.0.0", scenario: "container", image: IMAGE })));
        const resources = await capture(() => new SidecarVersion("plugin", { version: "2.0.1", scenario: "container", image: IMAGE, main: main! }));
        assert.equal(find(resources, RECORD, "plugin-record").inputs.state.main, "2.0.0");
        assert.throws(
            () => new SidecarVersion("bad-plugin", { version: "2.0.2", scenario: "container", image: IMAGE, mosn: { pkg: "v0.0.0-20220101000000-bbbbbbbbbbbb" }, main: main! }),
            { message: /^'args\.mosn\.pkg' v0\.0\.0-20220101000000-bbbbbbbbbbbb differs from the main MOSN 2\.0\.0's mosn\.pkg v0\.0\.0-20211217101631-d914102d1baf/ },
        );
    });

    it("a SidecarSetUpgrade injects the catalog version's image, replaced when the upgrade type changes", async () => {
        const { SidecarVersion, SidecarSetUpgrade } = await load();
        let v: InstanceType<typeof SidecarVersion> | undefined;
        await capture(() => (v = new SidecarVersion("v1", { version: "1.0.0", scenario: "container", image: IMAGE })));
        const resources = await capture(
            () => new SidecarSetUpgrade("nginx", { sidecarVersion: v!, selector: { matchLabels: { app: "nginx" } }, namespace: "shop", hotUpgradeEmptyImage: EMPTY }),
        );
        assert.deepEqual(names(resources), [`${SET}::nginx`, "mesh-rollout:index:SidecarSetUpgrade::nginx"]);
        const set = find(resources, SET, "nginx").inputs;
        assert.equal(set.apiVersion, "apps.kruise.io/v1alpha1");
        assert.equal(set.kind, "SidecarSet");
        assert.equal(set.spec.containers[0].image, IMAGE);
        assert.equal(set.metadata.annotations["mesh-rollout.io/sidecar-version"], "1.0.0");
    });

    it("one SidecarSet per Deployment", async () => {
        const { SidecarSetUpgrade } = await load();
        const resources = await capture(
            () =>
                new SidecarSetUpgrade("proxy", {
                    sidecarVersion: { version: "1.0.0", image: IMAGE },
                    deployments: [
                        { name: "nginx", namespace: "shop", matchLabels: { app: "nginx" } },
                        { name: "cart", namespace: "shop", matchLabels: { app: "cart" } },
                    ],
                    upgradeType: "ColdUpgrade",
                }),
        );
        assert.deepEqual(
            resources
                .filter((r) => r.type === SET)
                .map((r) => r.name)
                .sort(),
            ["proxy-cart", "proxy-nginx"],
        );
    });

    it("refuses a VM-scenario version for a SidecarSet", async () => {
        const { SidecarSetUpgrade } = await load();
        assert.throws(() => new SidecarSetUpgrade("vm", { sidecarVersion: { version: "1.0.0" }, selector: {}, upgradeType: "ColdUpgrade" }), {
            message: "'args.sidecarVersion' 1.0.0 is a VM-scenario version (a TAR package); a SidecarSet injects a container image. Use a container-scenario catalog version.",
        });
    });
});
