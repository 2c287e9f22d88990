// Component fuzzing (issue 11): per component, FUZZ_RUNS near-valid mutations of the documented
// examples and FUZZ_RUNS arbitrary inputs; each is accepted or refused with our error, a refusal
// registers nothing, nothing crashes or hangs.
import fc from "fast-check";
import { installMocks } from "../support/mocks";
import { arbitraryArgs, drain, FUZZ_RUNS, judge, nearValid, printTallies, tally } from "./harness";

const IMAGE = "registry.cn-hangzhou.aliyuncs.com/acs/asm-istio-proxy:1.6.8";
const EMPTY = "registry.cn-hangzhou.aliyuncs.com/acs/asm-istio-proxy-empty:1.6.8";
const SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

// The documented examples (README, docs/canary-release.md, the examples/ programs).
const MESH = [
    {
        version: "1.12.4",
        upgrade: { to: "1.14.5", stage: "controlPlane" },
        tags: [{ name: "stable" }, { name: "canary", follows: "upgrade" }],
        namespaces: [
            { name: "shop", restart: ["cart"] },
            { name: "payments", tag: "stable" },
        ],
        gateways: [{ name: "ingress", namespace: "istio-ingress" }],
        chart: { chart: "./charts/istiod-minimal", values: { pilot: { env: { A: "1" } } } },
    },
    { version: "1.12.4.58", mode: "managed", namespaces: [{ name: "legacy", create: false, labels: { team: "a" } }], createIstioNamespace: false },
    { version: "1.14.5", chart: { chart: "istiod", repository: "https://istio-release.storage.googleapis.com/charts", version: "1.14.5" } },
];
const SIDECAR_VERSION = [
    { version: "1.0.0", scenario: "container", image: IMAGE, description: "first" },
    { version: "1.12.4.58", scenario: "vm", tarPackage: { url: "https://example.com/mosn-1.0.0.tar.gz", sha256: SHA }, catalogNamespace: "istio-system" },
    {
        version: "1.0.1",
        scenario: "container",
        image: IMAGE,
        mosn: { api: "v0.0.0-20211217011300-b851d129be01" },
        main: { version: "1.0.0", mosn: { api: "v0.0.0-20211217011300-b851d129be01", pkg: "v0.0.0-20211217101631-d914102d1baf" } },
    },
];
const SIDECAR_SET = [
    { sidecarVersion: { version: "1.0.1", image: IMAGE }, selector: { matchLabels: { app: "nginx" } }, namespace: "shop", hotUpgradeEmptyImage: EMPTY },
    {
        sidecarVersion: { version: "1.0.1", image: IMAGE },
        deployments: [{ name: "nginx", namespace: "shop", matchLabels: { app: "nginx" } }],
        upgradeType: "ColdUpgrade",
        updateStrategy: { partition: "50%", maxUnavailable: 1, paused: false },
        proxyOverrides: { resources: { limits: { memory: "2Gi" } }, env: [{ name: "LOG", value: "debug" }] },
        excludeOutboundIPRanges: ["172.23.0.1/32"],
    },
];
const CANARY = [
    {
        namespace: "bookinfo",
        service: { name: "reviews", currentVersion: "v1" },
        newVersion: {
            version: "v2",
            containers: [
                {
                    name: "reviews",
                    image: "docker.io/istio/examples-bookinfo-reviews-v2:1.20.1",
                    ports: [{ protocol: "HTTP", name: "http-web", containerPort: 9080 }],
                    readinessProbe: { http: { path: "/health", port: "http-web" } },
                    resources: { cpuRequest: 0.5, cpuLimit: 2, memoryRequest: 256, memoryLimit: 512 },
                    env: [{ name: "MODE", value: "canary" }],
                },
            ],
        },
        traffic: { kind: "canary", steps: [10, 50, 100], step: 1 },
    },
    {
        namespace: "bookinfo",
        service: { name: "reviews", currentVersion: "v1" },
        newVersion: { version: "v2", containers: [{ name: "reviews", image: "reviews:2" }] },
        traffic: { kind: "blueGreen", serve: "new" },
        release: "afterReady",
    },
    {
        namespace: "bookinfo",
        service: { name: "reviews", currentVersion: "v1" },
        newVersion: { version: "v2", containers: [{ name: "reviews", image: "reviews:2" }] },
        traffic: { kind: "mirror", percentage: 20 },
    },
];

async function constructors() {
    await installMocks();
    return {
        MeshRevision: (await import("../../../components/mesh-revision")).MeshRevision,
        SidecarVersion: (await import("../../../components/sidecar-version")).SidecarVersion,
        SidecarSetUpgrade: (await import("../../../components/sidecar-set-upgrade")).SidecarSetUpgrade,
        CanaryRelease: (await import("../../../components/canary-release")).CanaryRelease,
    };
}

type Ctor = new (name: string, args: never) => unknown;
const targets: [keyof Awaited<ReturnType<typeof constructors>>, readonly object[], number][] = [
    ["MeshRevision", MESH, 1101],
    ["SidecarVersion", SIDECAR_VERSION, 1102],
    ["SidecarSetUpgrade", SIDECAR_SET, 1103],
    ["CanaryRelease", CANARY, 1104],
];

describe(`component fuzzing (${FUZZ_RUNS} near-valid and ${FUZZ_RUNS} arbitrary inputs per component; MESH_ROLLOUT_FUZZ_RUNS to change)`, function () {
    this.timeout(600_000);
    after(printTallies);
    let n = 0;
    for (const [component, examples, seed] of targets) {
        const keys = [...new Set(examples.flatMap((e) => Object.keys(e)))];
        for (const [kind, arbitrary, offset] of [
            ["near-valid", nearValid(examples), 0],
            ["arbitrary", arbitraryArgs(keys), 50],
        ] as const) {
            it(`${component}: ${kind} inputs are accepted or refused with our error, registering nothing when refused`, async () => {
                const Component = (await constructors())[component] as unknown as Ctor;
                const t = tally(`${component} (${kind})`);
                await fc.assert(
                    fc.asyncProperty(arbitrary, async (args) => {
                        judge(t, () => new Component(`fuzz${++n}`, args as never), args);
                        if (t.tried % 100 === 0) {
                            await drain();
                        }
                    }),
                    { seed: seed + offset, numRuns: FUZZ_RUNS },
                );
                await drain();
            });
        }
    }
});
