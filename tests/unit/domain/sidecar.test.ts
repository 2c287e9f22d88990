import assert from "node:assert/strict";
import {
    assertImageReference,
    catalogObjectName,
    DEFAULT_MOSN_API,
    DEFAULT_MOSN_PKG,
    MeshRolloutValidationError,
    parseSidecarVersionSpec,
    sidecarVersionDigest,
} from "../../../domain";

const container = { version: "1.0.0", scenario: "container" as const, image: "registry.example.com/mesh/proxy:1.0.0" };
const vm = { version: "1.0.0", scenario: "vm" as const, tarPackage: { url: "https://dl.example.com/mosn-1.0.0.tar.gz", sha256: "a".repeat(64) } };

function message(input: unknown): string {
    try {
        parseSidecarVersionSpec(input, "args");
    } catch (e) {
        assert.ok(e instanceof MeshRolloutValidationError, String(e));
        return e.message;
    }
    return "(accepted)";
}

describe("sidecar versions (seed 000)", () => {
    it("defaults mosn.api and mosn.pkg to the seed's values", () => {
        const spec = parseSidecarVersionSpec(container);
        assert.deepEqual(spec.mosn, { api: "v0.0.0-20211217011300-b851d129be01", pkg: "v0.0.0-20211217101631-d914102d1baf" });
        assert.equal(DEFAULT_MOSN_API, spec.mosn.api);
        assert.equal(DEFAULT_MOSN_PKG, spec.mosn.pkg);
        assert.equal(spec.description, "");
    });

    it("accepts the VM scenario with an https TAR package and its sha256", () => {
        assert.deepEqual(parseSidecarVersionSpec(vm).tarPackage, vm.tarPackage);
    });

    it("digests the canonical spec: same spec same digest, any field changes it", () => {
        const d = sidecarVersionDigest(parseSidecarVersionSpec(container));
        assert.match(d, /^sha256:[a-f0-9]{64}$/);
        assert.equal(sidecarVersionDigest(parseSidecarVersionSpec({ ...container, mosn: {} })), d);
        assert.notEqual(sidecarVersionDigest(parseSidecarVersionSpec({ ...container, image: "registry.example.com/mesh/proxy:1.0.1" })), d);
        assert.notEqual(sidecarVersionDigest(parseSidecarVersionSpec({ ...container, description: "x" })), d);
        assert.equal(catalogObjectName("1.6.8-1", d), `sidecar-version-1-6-8-1-${d.slice(7, 15)}`);
    });

    it("checks image references", () => {
        for (const ok of [
            "nginx",
            "nginx:1.25",
            "docker.io/istio/proxyv2:1.14.5",
            "localhost:5000/a/b:c",
            `r.example.com/p@sha256:${"b".repeat(64)}`,
            "registry.cn-hangzhou.aliyuncs.com/acs/asm-istio-proxy:feature-1.6.x-faee4bb874d29dabde41481b695718c5b73b6b04-1531",
        ]) {
            assertImageReference(ok, "image");
        }
        for (const bad of ["Nginx:1", "a b", "registry.example.com/", ":tag", "a:b:c", `r/p@sha256:${"b".repeat(10)}`]) {
            assert.throws(() => assertImageReference(bad, "image"), MeshRolloutValidationError, bad);
        }
    });

    const refusals: [string, unknown, string][] = [
        [
            "a bad version",
            { ...container, version: "v1" },
            "'args.version' v1 is not a sidecar version number: it must be 2 to 4 dot-separated numbers with an optional -suffix, at most 63 characters. Use a version such as 1.0.0, 1.12.4.58 or 1.6.8-1.",
        ],
        [
            "a bad image",
            { ...container, image: "Proxy:1" },
            "'args.image' Proxy:1 is not an image reference: expected [registry[:port]/]repository[:tag][@sha256:digest] with a lowercase repository. Give the full image address, e.g. registry.cn-hangzhou.aliyuncs.com/acs/asm-istio-proxy:1.6.8.",
        ],
        [
            "the container scenario without an image",
            { version: "1.0.0", scenario: "container" },
            "'args.image' (missing) is required for the container scenario. Set 'image' to the sidecar's image address.",
        ],
        ["the VM scenario with an image", { ...vm, image: "a/b:1" }, "'args.image' a/b:1 does not apply to the vm scenario. Remove 'image', or set 'scenario' to container."],
        [
            "a plain-http TAR address",
            { ...vm, tarPackage: { url: "http://dl.example.com/m.tar.gz", sha256: "a".repeat(64) } },
            "'args.tarPackage.url' http://dl.example.com/m.tar.gz is not an https:// address (without credentials). Serve the TAR package over https and give its address, e.g. https://example.com/mosn-1.0.0.tar.gz; keep user:password out of the address (a pre-signed query is kept secret).",
        ],
        [
            "a TAR address with credentials",
            { ...vm, tarPackage: { url: "https://u:p@dl.example.com/m.tar.gz", sha256: "a".repeat(64) } },
            "'args.tarPackage.url' https://dl.example.com/m.tar.gz is not an https:// address (without credentials).",
        ],
        [
            "a short sha256",
            { ...vm, tarPackage: { url: "https://dl.example.com/m.tar.gz", sha256: "abc" } },
            "'args.tarPackage.sha256' abc is not a sha256 digest: 64 lowercase hex digits. Give the package's digest as printed by sha256sum, e.g. 9f86",
        ],
        ["an unknown scenario", { ...container, scenario: "pod" }, "'args.scenario' pod is not an allowed value. Use one of: container, vm."],
        [
            "a plugin whose mosn.api differs from its main",
            {
                ...container,
                version: "1.0.1",
                mosn: { api: "v0.0.0-20220101000000-aaaaaaaaaaaa" },
                main: { version: "1.0.0", mosn: { api: DEFAULT_MOSN_API, pkg: DEFAULT_MOSN_PKG } },
            },
            "'args.mosn.api' v0.0.0-20220101000000-aaaaaaaaaaaa differs from the main MOSN 1.0.0's mosn.api v0.0.0-20211217011300-b851d129be01; plugin 1.0.1 would not load into it. Build the plugin against mosn.api v0.0.0-20211217011300-b851d129be01, or pick the main version it was built for.",
        ],
    ];
    for (const [what, input, expected] of refusals) {
        it(`refuses ${what}`, () => {
            assert.ok(message(input).startsWith(expected), message(input));
        });
    }
});
