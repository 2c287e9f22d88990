import assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import type { CanaryReleaseArgs } from "../../../components/canary-release";
import { MeshRolloutValidationError } from "../../../domain/errors";
import { crdErrors } from "../support/crd";
import { capture, find, installMocks, names, Recorded, valueOf } from "../support/mocks";

const DEPLOY = "kubernetes:apps/v1:Deployment";
const DR = "kubernetes:networking.istio.io/v1:DestinationRule";
const VS = "kubernetes:networking.istio.io/v1:VirtualService";
const COMPONENT = "mesh-rollout:index:CanaryRelease";
const HOST = "reviews.bookinfo.svc.cluster.local";
const HARDENED = {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

const base: CanaryReleaseArgs = {
    namespace: "bookinfo",
    service: { name: "reviews", currentVersion: "v1" },
    newVersion: { version: "v2", containers: [{ name: "reviews", image: "reviews:2", ports: [{ protocol: "HTTP", name: "http-web", containerPort: 9080 }] }] },
    traffic: { kind: "canary", weight: 10 },
};

interface Built {
    resources: Recorded[];
    outputs: { routing: string; subsets: string[]; traffic: string; deploymentName: string };
    /** Child name -> names of the resources it depends on. */
    dependsOn: Record<string, string[]>;
    ignoreChanges: Record<string, string[] | undefined>;
}

async function build(name: string, args: CanaryReleaseArgs): Promise<Built> {
    await installMocks();
    const { CanaryRelease } = await import("../../../components/canary-release");
    const byResource = new Map<pulumi.Resource, string>();
    const seen: { name: string; opts: pulumi.ResourceOptions }[] = [];
    const record: pulumi.ResourceTransformation = (a) => {
        byResource.set(a.resource, a.name);
        if (a.type !== COMPONENT) {
            seen.push({ name: a.name, opts: a.opts });
        }
        return undefined;
    };
    let comp: InstanceType<typeof CanaryRelease> | undefined;
    const resources = await capture(() => (comp = new CanaryRelease(name, args, { transformations: [record] })));
    const dependsOn: Record<string, string[]> = {};
    const ignoreChanges: Record<string, string[] | undefined> = {};
    for (const s of seen) {
        const deps = (s.opts.dependsOn ?? []) as pulumi.Resource[];
        dependsOn[s.name] = deps.map((r) => byResource.get(r) ?? "?").sort();
        ignoreChanges[s.name] = s.opts.ignoreChanges;
    }
    const c = comp!;
    const outputs = { routing: await valueOf(c.routing), subsets: await valueOf(c.subsets), traffic: await valueOf(c.traffic), deploymentName: await valueOf(c.deploymentName) };
    return { resources, outputs, dependsOn, ignoreChanges };
}

const vsOf = (b: Built, name: string) => find(b.resources, VS, `${name}-virtualservice`).inputs;
const drOf = (b: Built, name: string) => find(b.resources, DR, `${name}-destinationrule`).inputs;
const to = (subset: string, weight: number) => ({ destination: { host: HOST, subset }, weight });

describe("CanaryRelease (mocked runtime)", () => {
    it("with analysis: a CanaryProgressRecord (key, progress, the checks on the new Deployment) that the routes and subsets wait for", async () => {
        const b = await build("ca", {
            ...base,
            traffic: { kind: "canary", steps: [10, 50], step: 1 },
            analysis: { checks: [{ template: "request-success-rate", window: "30s" }] },
        });
        const progress = find(b.resources, "mesh-rollout:index:CanaryProgressRecord", "ca-progress").inputs;
        assert.equal(progress.key, "bookinfo/reviews");
        assert.deepEqual(progress.state, { newVersion: "v2", traffic: "canary-weight", newShare: 50 });
        // The analysis input holds the credentials: the runtime keeps it secret.
        assert.deepEqual((progress.analysis.value ?? progress.analysis).spec, {
            checks: [
                {
                    name: "request-success-rate",
                    query: 'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace=~"bookinfo",destination_workload="reviews-v2",response_code!~"5.*"}[30s])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace=~"bookinfo",destination_workload="reviews-v2"}[30s])) * 100',
                    window: "30s",
                    min: 99,
                },
            ],
            whenUnverified: "warn",
        });
        assert.deepEqual(b.dependsOn["ca-destinationrule"], ["ca-progress"]);
        assert.deepEqual(b.dependsOn["ca-virtualservice"], ["ca-destinationrule", "ca-progress"]);
        // Without analysis: no record.
        const plain = await build("cb", base);
        assert.equal(plain.resources.filter((r) => r.type === "mesh-rollout:index:CanaryProgressRecord").length, 0);
    });

    it("refuses a bad analysis with its path, before anything is registered", async () => {
        await assert.rejects(build("cc", { ...base, analysis: { checks: [{ name: "x", query: "sum(x)" }] } }), {
            message: `'args.analysis.checks[0]' {"name":"x","query":"sum(x)"} has no threshold. Give min (lowest passing value) and/or max (highest passing value), e.g. { name: "errors", query: "...", max: 5 }.`,
        });
    });

    it("a weighted canary: the new Deployment, a DestinationRule with both subsets, a VirtualService splitting 90/10", async () => {
        const b = await build("c1", base);
        assert.deepEqual(names(b.resources), [`${DEPLOY}::c1-deployment`, `${DR}::c1-destinationrule`, `${VS}::c1-virtualservice`, `${COMPONENT}::c1`].sort());
        assert.deepEqual(find(b.resources, DEPLOY, "c1-deployment").inputs, {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: {
                name: "reviews-v2",
                namespace: "bookinfo",
                labels: { app: "reviews", version: "v2", "app.kubernetes.io/managed-by": "mesh-rollout" },
                annotations: { "mesh-rollout.io/canary": "c1" },
            },
            spec: {
                replicas: 1,
                selector: { matchLabels: { app: "reviews", version: "v2" } },
                template: {
                    metadata: { labels: { app: "reviews", version: "v2" } },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name: "reviews",
                                image: "reviews:2",
                                imagePullPolicy: "IfNotPresent",
                                ports: [{ name: "http-web", containerPort: 9080, protocol: "TCP" }],
                                securityContext: HARDENED,
                            },
                        ],
                    },
                },
            },
        });
        const labels = { app: "reviews", "app.kubernetes.io/managed-by": "mesh-rollout" };
        assert.deepEqual(drOf(b, "c1"), {
            apiVersion: "networking.istio.io/v1",
            kind: "DestinationRule",
            metadata: { name: "reviews", namespace: "bookinfo", labels, annotations: { "mesh-rollout.io/canary": "c1" } },
            spec: {
                host: HOST,
                subsets: [
                    { name: "v1", labels: { version: "v1" } },
                    { name: "v2", labels: { version: "v2" } },
                ],
            },
        });
        assert.deepEqual(vsOf(b, "c1"), {
            apiVersion: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: {
                name: "reviews",
                namespace: "bookinfo",
                labels,
                annotations: {
                    "mesh-rollout.io/canary": "c1",
                    "mesh-rollout.io/release-strategy": "immediate",
                    "mesh-rollout.io/traffic": "canary-weight",
                    "mesh-rollout.io/workload": "bookinfo/reviews-v2",
                    "mesh-rollout.io/current-version": "v1",
                    "mesh-rollout.io/new-version": "v2",
                    "mesh-rollout.io/canary-steps-left": "0",
                },
            },
            spec: { hosts: [HOST], http: [{ route: [to("v1", 90), to("v2", 10)] }] },
        });
        assert.deepEqual(crdErrors(drOf(b, "c1") as never), []);
        assert.deepEqual(crdErrors(vsOf(b, "c1") as never), []);
        assert.deepEqual(b.outputs, { routing: "canary: v1 90%, v2 10%", subsets: ["v1", "v2"], traffic: "canary-weight", deploymentName: "reviews-v2" });
    });

    const kinds: [string, Partial<CanaryReleaseArgs>, object[], string[]][] = [
        ["blue-green take-over", { traffic: { kind: "blueGreen", serve: "new" } }, [{ route: [to("v2", 100)] }], ["v1", "v2"]],
        ["blue-green hand-back", { traffic: { kind: "blueGreen", serve: "old" } }, [{ route: [to("v1", 100)] }], ["v1", "v2"]],
        ["a canary step", { traffic: { kind: "canary", steps: [10, 50, 100], step: 1 } }, [{ route: [to("v1", 50), to("v2", 50)] }], ["v1", "v2"]],
        [
            "a canary by header, cookie and URI",
            { traffic: { kind: "canary", match: [{ headers: { "x-canary": { exact: "on" } } }, { cookies: { tier: { prefix: "beta" } }, uri: { regex: "/reviews/[0-9]+" } }] } },
            [
                {
                    match: [
                        { headers: { "x-canary": { exact: "on" } } },
                        { headers: { cookie: { regex: "^(.*?;\\s*)?(tier=beta[^;]*)(;.*)?$" } }, uri: { regex: "/reviews/[0-9]+" } },
                    ],
                    route: [to("v2", 100)],
                },
                { route: [to("v1", 100)] },
            ],
            ["v1", "v2"],
        ],
        [
            "mirroring 20%",
            { traffic: { kind: "mirror", percentage: 20 } },
            [{ route: [to("v1", 100)], mirror: { host: HOST, subset: "v2" }, mirrorPercentage: { value: 20 } }],
            ["v1", "v2"],
        ],
        ["promotion", { traffic: { kind: "canary", steps: [10, 50, 100], step: 2 }, promote: true }, [{ route: [to("v2", 100)] }], ["v2"]],
        ["a paused release (first creation)", { traffic: { kind: "canary", weight: 50 }, release: "paused" }, [{ route: [to("v1", 100)] }], ["v1", "v2"]],
    ];
    kinds.forEach(([what, change, http, subsets], i) => {
        it(`${what}: routes and subsets, valid against Istio's CRD schemas`, async () => {
            const name = `k${i}`;
            const b = await build(name, { ...base, ...change });
            assert.deepEqual(vsOf(b, name).spec.http, http);
            assert.deepEqual(
                drOf(b, name).spec.subsets.map((s: { name: string }) => s.name),
                subsets,
            );
            assert.deepEqual(crdErrors(vsOf(b, name) as never), []);
            assert.deepEqual(crdErrors(drOf(b, name) as never), []);
        });
    });

    it("a sticky weighted canary: the cookie route before the split, Set-Cookie on the new version, its pods hashed on their own cookie", async () => {
        const b = await build("st1", { ...base, traffic: { kind: "canary", steps: [10, 50, 100], step: 1, sessionAffinity: { cookieName: "reviews-canary", ttl: "2h" } } });
        const labels = { app: "reviews", "app.kubernetes.io/managed-by": "mesh-rollout" };
        assert.deepEqual(vsOf(b, "st1"), {
            apiVersion: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: {
                name: "reviews",
                namespace: "bookinfo",
                labels,
                annotations: {
                    "mesh-rollout.io/canary": "st1",
                    "mesh-rollout.io/release-strategy": "immediate",
                    "mesh-rollout.io/traffic": "canary-weight",
                    "mesh-rollout.io/workload": "bookinfo/reviews-v2",
                    "mesh-rollout.io/current-version": "v1",
                    "mesh-rollout.io/new-version": "v2",
                    "mesh-rollout.io/canary-steps-left": "1",
                },
            },
            spec: {
                hosts: [HOST],
                http: [
                    { match: [{ headers: { cookie: { regex: "^(.*?;\\s*)?(reviews-canary=v2)(;.*)?$" } } }], route: [to("v2", 100)] },
                    {
                        route: [to("v1", 50), { ...to("v2", 50), headers: { response: { add: { "Set-Cookie": "reviews-canary=v2; Max-Age=7200; Path=/" } } } }],
                    },
                ],
            },
        });
        assert.deepEqual(drOf(b, "st1"), {
            apiVersion: "networking.istio.io/v1",
            kind: "DestinationRule",
            metadata: { name: "reviews", namespace: "bookinfo", labels, annotations: { "mesh-rollout.io/canary": "st1" } },
            spec: {
                host: HOST,
                subsets: [
                    { name: "v1", labels: { version: "v1" } },
                    {
                        name: "v2",
                        labels: { version: "v2" },
                        trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: "reviews-canary-pod", path: "/", ttl: "7200s" } } } },
                    },
                ],
            },
        });
        assert.deepEqual(crdErrors(vsOf(b, "st1") as never), []);
        assert.deepEqual(crdErrors(drOf(b, "st1") as never), []);
        assert.deepEqual(b.outputs, {
            routing: "canary step 2 of 3: v1 50%, v2 50%, sticky by cookie reviews-canary for 7200s",
            subsets: ["v1", "v2"],
            traffic: "canary-weight",
            deploymentName: "reviews-v2",
        });
        assert.deepEqual(b.dependsOn["st1-virtualservice"], ["st1-destinationrule"], "the hashed subset exists before the routes use it");
    });

    it("a sticky canary promoted: one route to the new version, its subset without the cookie hash", async () => {
        const b = await build("st2", { ...base, traffic: { kind: "canary", weight: 50, sessionAffinity: { cookieName: "reviews-canary" } }, promote: true });
        assert.deepEqual(vsOf(b, "st2").spec.http, [{ route: [to("v2", 100)] }]);
        assert.deepEqual(drOf(b, "st2").spec.subsets, [{ name: "v2", labels: { version: "v2" } }]);
        assert.deepEqual(crdErrors(vsOf(b, "st2") as never), []);
    });

    it("binds gateways and hosts, keeping the mesh", async () => {
        const b = await build("g1", { ...base, gateway: { gateways: ["istio-ingress/public"], hosts: ["shop.example.com"] }, service: { ...base.service, port: 9080 } });
        const spec = vsOf(b, "g1").spec;
        assert.deepEqual(spec.hosts, [HOST, "shop.example.com"]);
        assert.deepEqual(spec.gateways, ["istio-ingress/public", "mesh"]);
        assert.deepEqual(spec.http[0].route[1], { destination: { host: HOST, subset: "v2", port: { number: 9080 } }, weight: 10 });
        assert.deepEqual(crdErrors(vsOf(b, "g1") as never), []);
    });

    describe("release strategies as resource ordering", () => {
        it("immediate: the VirtualService waits only for the DestinationRule (a new subset exists before it is used)", async () => {
            const b = await build("o1", base);
            assert.deepEqual(b.dependsOn, { "o1-deployment": [], "o1-destinationrule": [], "o1-virtualservice": ["o1-destinationrule"] });
            assert.equal(b.ignoreChanges["o1-virtualservice"], undefined);
        });
        it("afterReady: the VirtualService also waits for the new Deployment", async () => {
            const b = await build("o2", { ...base, release: "afterReady" });
            assert.deepEqual(b.dependsOn["o2-virtualservice"], ["o2-deployment", "o2-destinationrule"]);
            assert.equal(vsOf(b, "o2").metadata.annotations["mesh-rollout.io/release-strategy"], "afterReady");
            // Ready means the rollout of this generation is complete, not the previous rollout's status.
            assert.equal(
                find(b.resources, DEPLOY, "o2-deployment").inputs.metadata.annotations["pulumi.com/waitFor"],
                'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}=NewReplicaSetAvailable',
            );
            const immediate = await build("o2i", base);
            assert.equal(find(immediate.resources, DEPLOY, "o2i-deployment").inputs.metadata.annotations["pulumi.com/waitFor"], undefined);
        });
        it("paused: the VirtualService keeps its applied routes (ignoreChanges spec.http)", async () => {
            const b = await build("o3", { ...base, release: "paused" });
            assert.deepEqual(b.ignoreChanges["o3-virtualservice"], ["spec.http"]);
            assert.deepEqual(b.dependsOn["o3-virtualservice"], ["o3-destinationrule"]);
            assert.equal(b.outputs.routing, "paused: routes kept as last applied (v1 100% when first created); intended canary: v1 90%, v2 10%");
        });
        it("promotion: the DestinationRule drops the old subset only after the VirtualService stops routing to it", async () => {
            const b = await build("o4", { ...base, promote: true, release: "afterReady" });
            assert.deepEqual(b.dependsOn, { "o4-deployment": [], "o4-virtualservice": ["o4-deployment"], "o4-destinationrule": ["o4-virtualservice"] });
            assert.deepEqual(b.outputs, { routing: "promoted: v2 100%", subsets: ["v2"], traffic: "promoted", deploymentName: "reviews-v2" });
        });
    });

    it("renders every new-version setting of seed 003 into the Deployment", async () => {
        const b = await build("s1", {
            ...base,
            taskName: "reviews-v2-canary",
            newVersion: {
                version: "v2",
                replicas: 3,
                imagePullSecrets: ["registry-credentials"],
                terminationGracePeriodSeconds: 45,
                containers: [
                    {
                        name: "migrate",
                        image: "migrate:2",
                        type: "init",
                        command: "sh,-c,./migrate up",
                        imagePullPolicy: "Always",
                        securityContext: { readOnlyRootFilesystem: false },
                    },
                    {
                        name: "reviews",
                        image: "docker.io/istio/examples-bookinfo-reviews-v2:1.20.1",
                        imagePullPolicy: "Never",
                        resources: { cpuRequest: 0.25, cpuLimit: 1, memoryRequest: 256, memoryLimit: 512 },
                        ports: [
                            { protocol: "HTTP", name: "http-web", containerPort: 9080 },
                            { protocol: "UDP", name: "udp-stats", containerPort: 8125 },
                        ],
                        livenessProbe: {
                            http: { path: "/healthz", port: "http-web", scheme: "HTTPS" },
                            initialDelaySeconds: 5,
                            timeoutSeconds: 2,
                            periodSeconds: 15,
                            failureThreshold: 4,
                        },
                        readinessProbe: { command: "cat,/tmp/ready", successThreshold: 2 },
                        startupProbe: { tcp: { port: 9080 }, failureThreshold: 30 },
                        postStart: { http: { path: "/warm", port: 9080 } },
                        preStop: { command: ["sh", "-c", "sleep 5"] },
                        command: ["/opt/app/bin/reviews"],
                        args: "--port,9080",
                        env: [
                            { name: "MODE", value: "canary" },
                            { name: "GREETING", configMap: "settings", key: "greeting" },
                            { name: "DB_PASSWORD", secret: "db", key: "password" },
                        ],
                        securityContext: {
                            runAsUser: 1000,
                            runAsGroup: 3000,
                            seLinuxOptions: { level: "s0:c123,c456", type: "container_t" },
                            capabilities: { add: ["NET_BIND_SERVICE"], drop: ["SYS_TIME", "ALL"] },
                        },
                        syncHostTimezone: true,
                    },
                ],
            },
        });
        const pod = find(b.resources, DEPLOY, "s1-deployment").inputs.spec.template.spec;
        assert.equal(find(b.resources, DEPLOY, "s1-deployment").inputs.spec.replicas, 3);
        assert.deepEqual(pod.imagePullSecrets, [{ name: "registry-credentials" }]);
        assert.equal(pod.terminationGracePeriodSeconds, 45);
        assert.deepEqual(pod.volumes, [{ name: "host-time", hostPath: { path: "/etc/localtime" } }]);
        assert.deepEqual(pod.initContainers, [
            {
                name: "migrate",
                image: "migrate:2",
                imagePullPolicy: "Always",
                command: ["sh", "-c", "./migrate up"],
                securityContext: { ...HARDENED, readOnlyRootFilesystem: false },
            },
        ]);
        assert.deepEqual(pod.containers, [
            {
                name: "reviews",
                image: "docker.io/istio/examples-bookinfo-reviews-v2:1.20.1",
                imagePullPolicy: "Never",
                command: ["/opt/app/bin/reviews"],
                args: ["--port", "9080"],
                ports: [
                    { name: "http-web", containerPort: 9080, protocol: "TCP" },
                    { name: "udp-stats", containerPort: 8125, protocol: "UDP" },
                ],
                env: [
                    { name: "MODE", value: "canary" },
                    { name: "GREETING", valueFrom: { configMapKeyRef: { name: "settings", key: "greeting" } } },
                    { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
                ],
                resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                livenessProbe: {
                    httpGet: { path: "/healthz", port: "http-web", scheme: "HTTPS" },
                    initialDelaySeconds: 5,
                    timeoutSeconds: 2,
                    periodSeconds: 15,
                    successThreshold: 1,
                    failureThreshold: 4,
                },
                readinessProbe: {
                    exec: { command: ["cat", "/tmp/ready"] },
                    initialDelaySeconds: 0,
                    timeoutSeconds: 1,
                    periodSeconds: 10,
                    successThreshold: 2,
                    failureThreshold: 3,
                },
                startupProbe: { tcpSocket: { port: 9080 }, initialDelaySeconds: 0, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 30 },
                lifecycle: { postStart: { httpGet: { path: "/warm", port: 9080, scheme: "HTTP" } }, preStop: { exec: { command: ["sh", "-c", "sleep 5"] } } },
                securityContext: {
                    privileged: false,
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    runAsUser: 1000,
                    runAsGroup: 3000,
                    seLinuxOptions: { level: "s0:c123,c456", type: "container_t" },
                    capabilities: { add: ["NET_BIND_SERVICE"], drop: ["SYS_TIME", "ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                },
                volumeMounts: [{ name: "host-time", mountPath: "/etc/localtime", readOnly: true }],
            },
        ]);
        assert.equal(vsOf(b, "s1").metadata.annotations["mesh-rollout.io/canary"], "reviews-v2-canary");
    });

    it("a privileged container escalates unless told otherwise (seed 003)", async () => {
        const b = await build("s2", {
            ...base,
            newVersion: { version: "v2", containers: [{ name: "debug", image: "busybox:1.36", securityContext: { privileged: true, runAsNonRoot: false } }] },
        });
        assert.deepEqual(find(b.resources, DEPLOY, "s2-deployment").inputs.spec.template.spec.containers[0].securityContext, {
            privileged: true,
            allowPrivilegeEscalation: true,
            readOnlyRootFilesystem: true,
            runAsNonRoot: false,
            capabilities: { drop: ["ALL"] },
        });
    });

    const bad: [string, string, CanaryReleaseArgs, string][] = [
        [
            "a resource name that is no task name (the default task name)",
            "Reviews",
            base,
            "'args.taskName' Reviews must contain only lowercase letters, digits, '-' and '.', and start and end with a letter or digit (a DNS-1123 subdomain). Use a name such as reviews-v2-canary.",
        ],
        [
            "the current version as the new one",
            "b1",
            { ...base, newVersion: { ...base.newVersion, version: "v1" } },
            "'args.newVersion.version' v1 is the current version; the new version needs its own version label, Deployment and subset. Give the new version another label, such as v2.",
        ],
        [
            "weights over 100",
            "b2",
            { ...base, traffic: { kind: "canary", weight: 101 } },
            "'args.traffic.weight' 101 must be at most 100. Give a whole number from 0 to 100, e.g. 20.",
        ],
        [
            "a capability with the CAP_ prefix",
            "b3",
            { ...base, newVersion: { version: "v2", containers: [{ name: "reviews", image: "reviews:2", securityContext: { capabilities: { drop: ["CAP_SYS_TIME"] } } }] } },
            "'args.newVersion.containers[0].securityContext.capabilities.drop[0]' CAP_SYS_TIME carries the CAP_ prefix, which Kubernetes capability names leave out. Write SYS_TIME (it adds or drops CAP_SYS_TIME).",
        ],
        [
            "sessionAffinity on blue-green",
            "b4",
            { ...base, traffic: { kind: "blueGreen", serve: "new", sessionAffinity: { cookieName: "reviews-canary" } } as CanaryReleaseArgs["traffic"] },
            `'args.traffic.sessionAffinity' {"cookieName":"reviews-canary"} applies only to a weighted canary (kind canary with weight or steps); blueGreen sends every request to one version, so there is no split for a user to stick to. Remove sessionAffinity, or release by weight with it: { kind: "canary", weight: 20, sessionAffinity: { cookieName: "reviews-canary" } }.`,
        ],
        [
            "sessionAffinity on mirroring",
            "b5",
            { ...base, traffic: { kind: "mirror", sessionAffinity: { cookieName: "reviews-canary" } } as CanaryReleaseArgs["traffic"] },
            `'args.traffic.sessionAffinity' {"cookieName":"reviews-canary"} applies only to a weighted canary (kind canary with weight or steps); mirror serves every request from the current version (the new one only gets copies), so no user is served by the new version. Remove sessionAffinity, or release by weight with it: { kind: "canary", weight: 20, sessionAffinity: { cookieName: "reviews-canary" } }.`,
        ],
        [
            "sessionAffinity on a canary by request parameters",
            "b6",
            { ...base, traffic: { kind: "canary", match: [{ cookies: { tester: { exact: "yes" } } }], sessionAffinity: { cookieName: "reviews-canary" } } },
            `'args.traffic.sessionAffinity' {"cookieName":"reviews-canary"} applies only to a weighted canary (weight or steps); with match, each request's own headers or cookies already choose its version. Remove sessionAffinity and keep users on the new version with a cookie match, e.g. match: [{ cookies: { canary: { exact: "yes" } } }], or split by weight with it: { kind: "canary", weight: 20, sessionAffinity: { cookieName: "reviews-canary" } }.`,
        ],
        [
            "a sticky cookie name with a semicolon",
            "b7",
            { ...base, traffic: { kind: "canary", weight: 10, sessionAffinity: { cookieName: "canary;v2" } } },
            "'args.traffic.sessionAffinity.cookieName' canary;v2 is not a cookie name (an RFC 6265 token: letters, digits and !#$%&'*+-.^_`|~; no spaces, '=', ';', ',' or quotes). Use a name such as reviews-canary.",
        ],
        [
            "a sticky ttl that is no duration",
            "b8",
            { ...base, traffic: { kind: "canary", weight: 10, sessionAffinity: { cookieName: "reviews-canary", ttl: "one hour" } } },
            `'args.traffic.sessionAffinity.ttl' "one hour" is not a duration in whole seconds: hours, minutes and seconds, in that order, each a whole number with its unit (h, m, s). Give how long a user stays on the new version, e.g. "86400s", "90m" or "1h30m".`,
        ],
        [
            "a negative sticky ttl",
            "b9",
            { ...base, traffic: { kind: "canary", weight: 10, sessionAffinity: { cookieName: "reviews-canary", ttl: "-1h" } } },
            `'args.traffic.sessionAffinity.ttl' -1h is not a duration in whole seconds: hours, minutes and seconds, in that order, each a whole number with its unit (h, m, s). Give how long a user stays on the new version, e.g. "86400s", "90m" or "1h30m".`,
        ],
    ];
    for (const [what, name, args, message] of bad) {
        it(`refuses ${what} with the exact message, creating no children`, async () => {
            await installMocks();
            const { CanaryRelease } = await import("../../../components/canary-release");
            const resources = await capture(() => {
                assert.throws(
                    () => new CanaryRelease(name, args),
                    (e: unknown) => e instanceof MeshRolloutValidationError && e.message === message,
                );
                return new CanaryRelease(`ok-${name.toLowerCase()}`, base);
            });
            assert.deepEqual(names(resources.filter((r) => !r.name.startsWith("ok-"))), [], "only the valid release registered resources");
            assert.equal(resources.length, 4);
        });
    }
});
