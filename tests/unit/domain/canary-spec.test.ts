import assert from "node:assert/strict";
import { CanaryReleaseSpecInput, ContainerArgs, parseCanarySpec } from "../../../domain/canary";
import { MeshRolloutValidationError } from "../../../domain/errors";

const container: ContainerArgs = {
    name: "reviews",
    image: "docker.io/istio/examples-bookinfo-reviews-v2:1.20.1",
    ports: [{ protocol: "HTTP", name: "http-web", containerPort: 9080 }],
};
const base: CanaryReleaseSpecInput = {
    taskName: "reviews-v2",
    namespace: "bookinfo",
    service: { name: "reviews", currentVersion: "v1" },
    newVersion: { version: "v2", containers: [container] },
    traffic: { kind: "canary", weight: 10 },
};

type Mutable = { -readonly [K in keyof CanaryReleaseSpecInput]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
const withSpec = (change: (s: Mutable) => void): unknown => {
    const s = structuredClone(base) as Mutable;
    change(s);
    return s;
};
const withContainer = (change: Partial<Record<keyof ContainerArgs, unknown>>): unknown => withSpec((s) => (s.newVersion.containers[0] = { ...container, ...change }));

function refusal(input: unknown): MeshRolloutValidationError {
    try {
        parseCanarySpec(input);
    } catch (e) {
        assert.ok(e instanceof MeshRolloutValidationError, String(e));
        return e;
    }
    assert.fail("no error");
}

describe("canary release spec: defaults", () => {
    it("fills in the seed's defaults and keeps what was given", () => {
        const spec = parseCanarySpec(base);
        assert.equal(spec.release, "immediate");
        assert.equal(spec.promote, false);
        assert.equal(spec.newVersion.replicas, 1);
        assert.deepEqual(spec.newVersion.imagePullSecrets, []);
        assert.deepEqual(spec.newVersion.containers[0], {
            name: "reviews",
            image: "docker.io/istio/examples-bookinfo-reviews-v2:1.20.1",
            type: "main",
            ports: [{ protocol: "HTTP", name: "http-web", containerPort: 9080 }],
            imagePullPolicy: "IfNotPresent",
            env: [],
            syncHostTimezone: false,
        });
    });

    it("fills probe defaults (delay 0, timeout 1, period 10, success 1, failure 3) and http path and scheme", () => {
        const spec = parseCanarySpec(withContainer({ readinessProbe: { http: { port: "http-web" } } }));
        assert.deepEqual(spec.newVersion.containers[0].readinessProbe, {
            http: { path: "/", port: "http-web", scheme: "HTTP" },
            initialDelaySeconds: 0,
            timeoutSeconds: 1,
            periodSeconds: 10,
            successThreshold: 1,
            failureThreshold: 3,
        });
    });

    it("splits a comma-separated command (seed 003) and keeps a list as given", () => {
        const spec = parseCanarySpec(withContainer({ command: "sh, -c,echo ready", args: ["a,b", "c"] }));
        assert.deepEqual(spec.newVersion.containers[0].command, ["sh", "-c", "echo ready"]);
        assert.deepEqual(spec.newVersion.containers[0].args, ["a,b", "c"]);
    });

    it("accepts a readiness probe with several successes, and timeout 0 (the seed's minimum)", () => {
        const spec = parseCanarySpec(withContainer({ readinessProbe: { tcp: { port: 9080 }, successThreshold: 3, timeoutSeconds: 0 } }));
        assert.equal(spec.newVersion.containers[0].readinessProbe?.successThreshold, 3);
        assert.equal(spec.newVersion.containers[0].readinessProbe?.timeoutSeconds, 0);
    });

    it("defaults mirroring to 100% and keeps steps with their index", () => {
        assert.deepEqual(parseCanarySpec(withSpec((s) => (s.traffic = { kind: "mirror" }))).traffic, { kind: "mirror", percentage: 100 });
        assert.deepEqual(parseCanarySpec(withSpec((s) => (s.traffic = { kind: "canary", steps: [10, 50, 100], step: 2 }))).traffic, {
            kind: "canary",
            steps: [10, 50, 100],
            step: 2,
        });
    });

    it("sessionAffinity: the ttl in whole seconds, one day by default, hours, minutes and seconds accepted", () => {
        const sticky = (sessionAffinity: object) => parseCanarySpec(withSpec((s) => (s.traffic = { kind: "canary", weight: 10, sessionAffinity }))).traffic;
        assert.deepEqual(sticky({ cookieName: "reviews-canary" }), { kind: "canary", weight: 10, sessionAffinity: { cookieName: "reviews-canary", ttlSeconds: 86400 } });
        assert.deepEqual(
            ["3600s", "90m", "1h30m", "2h", "1h0m0s", "9600h"].map(
                (ttl) => (sticky({ cookieName: "c", ttl }) as { sessionAffinity: { ttlSeconds: number } }).sessionAffinity.ttlSeconds,
            ),
            [3600, 5400, 5400, 7200, 3600, 34560000],
        );
        // Every RFC 6265 token character is a cookie name.
        assert.equal((sticky({ cookieName: "!#$%&'*+-.^_`|~Az09" }) as { sessionAffinity: { cookieName: string } }).sessionAffinity.cookieName, "!#$%&'*+-.^_`|~Az09");
        assert.deepEqual(parseCanarySpec(withSpec((s) => (s.traffic = { kind: "canary", steps: [0, 50], step: 1, sessionAffinity: { cookieName: "c", ttl: "60s" } }))).traffic, {
            kind: "canary",
            steps: [0, 50],
            step: 1,
            sessionAffinity: { cookieName: "c", ttlSeconds: 60 },
        });
    });
});

describe("canary release spec: refusals (seed 003 rules, in the project's words)", () => {
    const cases: [string, unknown, string, string][] = [
        [
            "a task name with capitals",
            withSpec((s) => (s.taskName = "Reviews_V2")),
            "names/task",
            "'args.taskName' Reviews_V2 must contain only lowercase letters, digits, '-' and '.', and start and end with a letter or digit (a DNS-1123 subdomain). Use a name such as reviews-v2-canary.",
        ],
        [
            "a task name over 253 characters",
            withSpec((s) => (s.taskName = "a".repeat(254))),
            "names/task",
            `'args.taskName' "${"a".repeat(80)}"… (254 characters) is 254 characters long; the limit is 253. Use a name such as reviews-v2-canary.`,
        ],
        [
            "a version with a dot",
            withSpec((s) => (s.newVersion.version = "v2.1")),
            "names/version",
            "'args.newVersion.version' v2.1 must contain only lowercase letters and digits. Use a version such as v2 (no dots, dashes or capitals).",
        ],
        [
            "a version over 16 characters",
            withSpec((s) => (s.newVersion.version = "v12345678901234567")),
            "names/version",
            "'args.newVersion.version' v12345678901234567 is 18 characters long; the limit is 16. Use a version such as v2 (no dots, dashes or capitals).",
        ],
        [
            "the current version as the new one",
            withSpec((s) => (s.newVersion.version = "v1")),
            "canary/same-version",
            "'args.newVersion.version' v1 is the current version; the new version needs its own version label, Deployment and subset. Give the new version another label, such as v2.",
        ],
        ["a missing new version", withSpec((s) => delete s.newVersion.version), "input/type", "'args.newVersion.version' (missing) is required. Set it to a string."],
        [
            "an invalid current version",
            withSpec((s) => (s.service.currentVersion = "V1")),
            "names/version",
            "'args.service.currentVersion' V1 must contain only lowercase letters and digits. Use a version such as v2 (no dots, dashes or capitals).",
        ],
        [
            "a Service name starting with a digit",
            withSpec((s) => (s.service.name = "1reviews")),
            "names/service",
            "'args.service.name' 1reviews is not a Service name: 1 to 63 lowercase letters, digits or '-', starting with a letter (a DNS-1035 label). Use the Service's name, such as reviews.",
        ],
        [
            "a namespace with capitals",
            withSpec((s) => (s.namespace = "BookInfo")),
            "names/dns-label",
            "'args.namespace' BookInfo is not a namespace name: 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit. Use a name such as shop.",
        ],
        [
            "an app label that makes no Deployment name",
            withSpec((s) => (s.service.app = "Reviews_App")),
            "names/dns-subdomain",
            "'args.newVersion.deploymentName' Reviews_App-v2 is not a Deployment name (derived from the app label and the version): lowercase letters, digits, '-' or '.' only. Set newVersion.deploymentName, e.g. reviews-v2.",
        ],
        [
            "zero replicas",
            withSpec((s) => (s.newVersion.replicas = 0)),
            "input/min",
            "'args.newVersion.replicas' 0 must be at least 1. Give a whole number from 1 to 10000, e.g. 2.",
        ],
        ["no containers", withSpec((s) => (s.newVersion.containers = [])), "input/min", "'args.newVersion.containers' [] must have at least 1 item. List at least 1 item."],
        [
            "a container name with capitals",
            withContainer({ name: "Reviews" }),
            "names/container",
            "'args.newVersion.containers[0].name' Reviews must contain only lowercase letters, digits and '-', and start and end with a letter or digit (a DNS-1123 label). Use a name such as reviews.",
        ],
        [
            "a container name over 63 characters",
            withContainer({ name: "r".repeat(64) }),
            "names/container",
            `'args.newVersion.containers[0].name' ${"r".repeat(64)} is 64 characters long; the limit is 63. Use a name such as reviews.`,
        ],
        [
            "two containers with one name",
            withSpec((s) => s.newVersion.containers.push({ ...container, type: "init", ports: [] })),
            "container/duplicate",
            "'args.newVersion.containers[1].name' reviews names a second container of the pod. Give each container, init or main, its own name.",
        ],
        [
            "only init containers",
            withContainer({ type: "init" }),
            "container/no-main",
            `'args.newVersion.containers' ["reviews"] are all init containers; a pod needs a main container to run the application. Add a main container, or set type: "main" on one of them.`,
        ],
        [
            "an image with a space",
            withContainer({ image: "nginx latest" }),
            "container/image",
            `'args.newVersion.containers[0].image' "nginx latest" contains whitespace. Give an image reference such as nginx:1.27 or docker.io/library/nginx:1.27.`,
        ],
        [
            "an unknown pull policy",
            withContainer({ imagePullPolicy: "PreferLocal" }),
            "input/enum",
            "'args.newVersion.containers[0].imagePullPolicy' PreferLocal is not an allowed value. Use one of: IfNotPresent, Always, Never.",
        ],
        [
            "a port name without its protocol",
            withContainer({ ports: [{ protocol: "GRPC", name: "api", containerPort: 9090 }] }),
            "names/port",
            "'args.newVersion.containers[0].ports[0].name' api must be the protocol name grpc, or start with grpc- (the port's protocol is GRPC). Name it grpc-api.",
        ],
        [
            "an unknown port protocol",
            withContainer({ ports: [{ protocol: "SCTP", name: "sctp", containerPort: 9090 }] }),
            "input/enum",
            "'args.newVersion.containers[0].ports[0].protocol' SCTP is not an allowed value. Use one of: HTTP, HTTP2, HTTPS, GRPC, TCP, UDP, TLS, MONGO, MYSQL, REDIS.",
        ],
        [
            "a port out of range",
            withContainer({ ports: [{ protocol: "HTTP", name: "http", containerPort: 70000 }] }),
            "input/max",
            "'args.newVersion.containers[0].ports[0].containerPort' 70000 must be at most 65535. Give a whole number from 1 to 65535, e.g. 8080.",
        ],
        [
            "two ports with one name",
            withContainer({
                ports: [
                    { protocol: "HTTP", name: "http", containerPort: 80 },
                    { protocol: "HTTP", name: "http", containerPort: 81 },
                ],
            }),
            "container/port-duplicate",
            "'args.newVersion.containers[0].ports[1].name' http names a second port of this container. Give each port its own name.",
        ],
        [
            "one port number twice",
            withContainer({
                ports: [
                    { protocol: "HTTP", name: "http", containerPort: 80 },
                    { protocol: "TCP", name: "tcp", containerPort: 80 },
                ],
            }),
            "container/port-duplicate",
            "'args.newVersion.containers[0].ports[1].containerPort' 80 is declared twice (80/TCP). Declare each container port once.",
        ],
        [
            "a CPU limit below the request",
            withContainer({ resources: { cpuRequest: 0.5, cpuLimit: 0.25 } }),
            "resources/limit-below-request",
            "'args.newVersion.containers[0].resources.cpuLimit' 0.25 is below cpuRequest 0.5 cores; a limit must be at least the request. Raise cpuLimit to 0.5 or more, or lower cpuRequest.",
        ],
        [
            "a memory limit below the request",
            withContainer({ resources: { memoryRequest: 512, memoryLimit: 256 } }),
            "resources/limit-below-request",
            "'args.newVersion.containers[0].resources.memoryLimit' 256 is below memoryRequest 512 MiB; a limit must be at least the request. Raise memoryLimit to 512 or more, or lower memoryRequest.",
        ],
        [
            "CPU finer than a millicore",
            withContainer({ resources: { cpuRequest: 0.0005 } }),
            "resources/cpu",
            "'args.newVersion.containers[0].resources.cpuRequest' 0.0005 is finer than one millicore (0.001 cores). Give cores as a number from 0.001 to 4096 with at most three decimals, e.g. 0.5 for 500m or 2 for 2 cores.",
        ],
        [
            "zero CPU",
            withContainer({ resources: { cpuLimit: 0 } }),
            "resources/cpu",
            "'args.newVersion.containers[0].resources.cpuLimit' 0 is not a positive, finite number of cores. Give cores as a number from 0.001 to 4096 with at most three decimals, e.g. 0.5 for 500m or 2 for 2 cores.",
        ],
        [
            "fractional MiB",
            withContainer({ resources: { memoryLimit: 0.5 } }),
            "resources/memory",
            "'args.newVersion.containers[0].resources.memoryLimit' 0.5 is not a positive whole number of MiB. Give memory in whole MiB from 1 to 16777216 (16 TiB), e.g. 512 for 512Mi or 1024 for 1Gi.",
        ],
        [
            "cpuLimit 1e306 (rendered Infinitym)",
            withContainer({ resources: { cpuLimit: 1e306 } }),
            "resources/cpu",
            "'args.newVersion.containers[0].resources.cpuLimit' 1e+306 is more than 4096 cores, the bound for one container. Give cores as a number from 0.001 to 4096 with at most three decimals, e.g. 0.5 for 500m or 2 for 2 cores.",
        ],
        [
            "memoryLimit 1e300 (rendered 1e+300Mi)",
            withContainer({ resources: { memoryLimit: 1e300 } }),
            "resources/memory",
            "'args.newVersion.containers[0].resources.memoryLimit' 1e+300 is more than 16777216 MiB (16 TiB), the bound for one container. Give memory in whole MiB from 1 to 16777216 (16 TiB), e.g. 512 for 512Mi or 1024 for 1Gi.",
        ],
        [
            "a liveness probe with success threshold 2",
            withContainer({ livenessProbe: { tcp: { port: 9080 }, successThreshold: 2 } }),
            "probe/success-threshold",
            "'args.newVersion.containers[0].livenessProbe.successThreshold' 2 must be 1 for a liveness probe (one success is enough to count the container as alive). Set successThreshold to 1; to require several successes before traffic, use a readiness probe.",
        ],
        [
            "a startup probe with success threshold 3",
            withContainer({ startupProbe: { command: ["true"], successThreshold: 3 } }),
            "probe/success-threshold",
            "'args.newVersion.containers[0].startupProbe.successThreshold' 3 must be 1 for a startup probe (one success is enough to count the container as started). Set successThreshold to 1; to require several successes before traffic, use a readiness probe.",
        ],
        [
            "a negative timeout",
            withContainer({ readinessProbe: { tcp: { port: 9080 }, timeoutSeconds: -1 } }),
            "input/min",
            "'args.newVersion.containers[0].readinessProbe.timeoutSeconds' -1 must be at least 0. Give a whole number from 0 to 3600, e.g. 1.",
        ],
        [
            "a check interval of 0",
            withContainer({ readinessProbe: { tcp: { port: 9080 }, periodSeconds: 0 } }),
            "input/min",
            "'args.newVersion.containers[0].readinessProbe.periodSeconds' 0 must be at least 1. Give a whole number from 1 to 3600, e.g. 10.",
        ],
        [
            "a failure threshold of 0",
            withContainer({ readinessProbe: { tcp: { port: 9080 }, failureThreshold: 0 } }),
            "input/min",
            "'args.newVersion.containers[0].readinessProbe.failureThreshold' 0 must be at least 1. Give a whole number from 1 to 100, e.g. 3.",
        ],
        [
            "a success threshold of 0",
            withContainer({ readinessProbe: { tcp: { port: 9080 }, successThreshold: 0 } }),
            "input/min",
            "'args.newVersion.containers[0].readinessProbe.successThreshold' 0 must be at least 1. Give a whole number from 1 to 100, e.g. 1.",
        ],
        [
            "a negative initial delay",
            withContainer({ readinessProbe: { tcp: { port: 9080 }, initialDelaySeconds: -5 } }),
            "input/min",
            "'args.newVersion.containers[0].readinessProbe.initialDelaySeconds' -5 must be at least 0. Give a whole number from 0 to 3600, e.g. 5.",
        ],
        [
            "a probe with two methods",
            withContainer({ livenessProbe: { tcp: { port: 9080 }, http: { port: 9080 } } }),
            "probe/method",
            `'args.newVersion.containers[0].livenessProbe' ["http","tcp"] sets 2 check methods. Keep exactly one of http, command or tcp.`,
        ],
        [
            "a probe with no method",
            withContainer({ readinessProbe: { periodSeconds: 5 } }),
            "probe/method",
            "'args.newVersion.containers[0].readinessProbe' [] sets no check method. Set exactly one of http, command or tcp.",
        ],
        [
            "an http path without a slash",
            withContainer({ readinessProbe: { http: { port: 9080, path: "healthz" } } }),
            "probe/path",
            "'args.newVersion.containers[0].readinessProbe.http.path' healthz does not start with /. Give the path from the root, e.g. /healthz.",
        ],
        [
            "a probe on an undeclared port name",
            withContainer({ readinessProbe: { http: { port: "http-admin" } } }),
            "container/unknown-port",
            "'args.newVersion.containers[0].readinessProbe.http.port' http-admin names no port of container reviews (http-web). Use one of: http-web, or a port number.",
        ],
        [
            "a port that is neither number nor name",
            withContainer({ livenessProbe: { tcp: { port: 0 } } }),
            "container/port",
            "'args.newVersion.containers[0].livenessProbe.tcp.port' 0 is neither a port number (1-65535) nor a port name. Give a container port number such as 8080, or the name of one of the container's ports such as http-web.",
        ],
        [
            "an empty command",
            withContainer({ command: [] }),
            "container/command",
            `'args.newVersion.containers[0].command' [] must be a non-empty list of non-empty strings, or one comma-separated string. Give a list such as ["sh", "-c", "echo ready"], or "sh,-c,echo ready" (use the list form when an entry contains a comma).`,
        ],
        [
            "a TCP post-start action",
            withContainer({ postStart: { tcp: { port: 9080 } } }),
            "lifecycle/tcp",
            `'args.newVersion.containers[0].postStart.tcp' {"port":9080} is a TCP action, which the kubelet does not run for lifecycle hooks: the hook fails, so after start the container is killed and restarted, and before stop it is killed at once. Use an http action, or a command such as ["sh", "-c", "nc -z localhost 8080"].`,
        ],
        [
            "a pre-stop action with two methods",
            withContainer({ preStop: { command: "sleep,5", http: { port: 9080 } } }),
            "probe/method",
            `'args.newVersion.containers[0].preStop' ["http","command"] sets 2 action methods. Keep exactly one of http, command or tcp.`,
        ],
        [
            "a probe on an init container",
            withSpec((s) => s.newVersion.containers.push({ name: "migrate", image: "migrate:1", type: "init", readinessProbe: { command: ["true"] } })),
            "container/init-probe",
            `'args.newVersion.containers[1].readinessProbe' {"command":["true"],"initialDelaySeconds":0,"timeoutSeconds":1,"periodSeconds":1… (an object with 6 keys) is set on init container migrate; init containers run to completion and take no probes or lifecycle actions. Remove readinessProbe, or make the container a main container (type: "main").`,
        ],
        [
            "an environment variable with two sources",
            withContainer({ env: [{ name: "MODE", value: "x", secret: "creds", key: "mode" }] }),
            "container/env-source",
            `'args.newVersion.containers[0].env[0]' {"name":"MODE","value":"x","secret":"creds","key":"mode"} sets value and secret; a variable has one source. Set value, or configMap with key, or secret with key.`,
        ],
        [
            "a ConfigMap reference without a key",
            withContainer({ env: [{ name: "MODE", configMap: "settings" }] }),
            "container/env-key",
            "'args.newVersion.containers[0].env[0].key' (missing) is required with configMap settings. Set key to the ConfigMap's key whose value the variable takes.",
        ],
        [
            "a key beside a plain value",
            withContainer({ env: [{ name: "MODE", value: "x", key: "mode" }] }),
            "container/env-key",
            "'args.newVersion.containers[0].env[0].key' mode is set with a plain value. Remove key, or reference a configMap or secret instead of value.",
        ],
        [
            "an environment variable name with a space",
            withContainer({ env: [{ name: "APP MODE", value: "x" }] }),
            "container/env-name",
            `'args.newVersion.containers[0].env[0].name' "APP MODE" is not an environment variable name: letters, digits, '_', '-' and '.', not starting with a digit. Use a name such as APP_MODE.`,
        ],
        [
            "one variable twice",
            withContainer({
                env: [
                    { name: "A", value: "1" },
                    { name: "A", value: "2" },
                ],
            }),
            "container/env-duplicate",
            "'args.newVersion.containers[0].env[1].name' A is set twice in this container. Set each variable once.",
        ],
        [
            "a capability with the CAP_ prefix",
            withContainer({ securityContext: { capabilities: { add: ["CAP_NET_ADMIN"] } } }),
            "security/capability-prefix",
            "'args.newVersion.containers[0].securityContext.capabilities.add[0]' CAP_NET_ADMIN carries the CAP_ prefix, which Kubernetes capability names leave out. Write NET_ADMIN (it adds or drops CAP_NET_ADMIN).",
        ],
        [
            "a lowercase capability",
            withContainer({ securityContext: { capabilities: { drop: ["sys_time"] } } }),
            "security/capability",
            "'args.newVersion.containers[0].securityContext.capabilities.drop[0]' sys_time is not a capability name: uppercase letters, digits and '_', such as NET_BIND_SERVICE. Write SYS_TIME.",
        ],
        [
            "privileged without privilege escalation",
            withContainer({ securityContext: { privileged: true, allowPrivilegeEscalation: false } }),
            "security/privileged-escalation",
            "'args.newVersion.containers[0].securityContext.allowPrivilegeEscalation' false cannot be false while privileged is true (a privileged container always escalates; Kubernetes rejects this). Remove allowPrivilegeEscalation, or set privileged to false.",
        ],
        [
            "user 0 under the non-root default",
            withContainer({ securityContext: { runAsUser: 0 } }),
            "security/root-user",
            "'args.newVersion.containers[0].securityContext.runAsUser' 0 is root, but runAsNonRoot is true (the hardened default), so the kubelet would refuse to start the container. Give a non-zero UID such as 1000, or set runAsNonRoot to false to run as root.",
        ],
        [
            "an unknown security setting",
            withContainer({ securityContext: { runAsRoot: true } }),
            "input/unknown-key",
            "'args.newVersion.containers[0].securityContext.runAsRoot' true is not a known setting. Remove it, or check its spelling against the documented arguments.",
        ],
        [
            "an unknown traffic kind",
            withSpec((s) => (s.traffic = { kind: "abTest" })),
            "input/enum",
            "'args.traffic.kind' abTest is not an allowed value. Use one of: blueGreen, canary, mirror.",
        ],
        [
            "blue-green without a side",
            withSpec((s) => (s.traffic = { kind: "blueGreen" })),
            "input/enum",
            "'args.traffic.serve' (missing) is not an allowed value. Use one of: new, old.",
        ],
        [
            "a canary with nothing to split by",
            withSpec((s) => (s.traffic = { kind: "canary" })),
            "traffic/canary-shape",
            `'args.traffic' {"kind":"canary"} sets none of weight, steps or match. Set weight (the new version's share in percent), steps with step (shares applied one update at a time), or match (request parameters).`,
        ],
        [
            "a canary by weight and by match",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 10, match: [{ uri: { prefix: "/v2" } }] })),
            "traffic/canary-shape",
            `'args.traffic.match' [{"uri":{"prefix":"/v2"}}] cannot be combined with weight; a canary splits traffic one way. Keep either weight or match.`,
        ],
        [
            "sessionAffinity on blue-green",
            withSpec((s) => (s.traffic = { kind: "blueGreen", serve: "new", sessionAffinity: { cookieName: "reviews-canary" } })),
            "traffic/session-affinity-kind",
            `'args.traffic.sessionAffinity' {"cookieName":"reviews-canary"} applies only to a weighted canary (kind canary with weight or steps); blueGreen sends every request to one version, so there is no split for a user to stick to. Remove sessionAffinity, or release by weight with it: { kind: "canary", weight: 20, sessionAffinity: { cookieName: "reviews-canary" } }.`,
        ],
        [
            "sessionAffinity on mirroring",
            withSpec((s) => (s.traffic = { kind: "mirror", percentage: 20, sessionAffinity: { cookieName: "reviews-canary", ttl: "1h" } })),
            "traffic/session-affinity-kind",
            `'args.traffic.sessionAffinity' {"cookieName":"reviews-canary","ttl":"1h"} applies only to a weighted canary (kind canary with weight or steps); mirror serves every request from the current version (the new one only gets copies), so no user is served by the new version. Remove sessionAffinity, or release by weight with it: { kind: "canary", weight: 20, sessionAffinity: { cookieName: "reviews-canary" } }.`,
        ],
        [
            "sessionAffinity on a canary by request parameters",
            withSpec((s) => (s.traffic = { kind: "canary", match: [{ headers: { "x-canary": { exact: "on" } } }], sessionAffinity: { cookieName: "reviews-canary" } })),
            "traffic/session-affinity-kind",
            `'args.traffic.sessionAffinity' {"cookieName":"reviews-canary"} applies only to a weighted canary (weight or steps); with match, each request's own headers or cookies already choose its version. Remove sessionAffinity and keep users on the new version with a cookie match, e.g. match: [{ cookies: { canary: { exact: "yes" } } }], or split by weight with it: { kind: "canary", weight: 20, sessionAffinity: { cookieName: "reviews-canary" } }.`,
        ],
        [
            "a sticky cookie name with a space",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 10, sessionAffinity: { cookieName: "reviews canary" } })),
            "traffic/session-cookie-name",
            `'args.traffic.sessionAffinity.cookieName' "reviews canary" is not a cookie name (an RFC 6265 token: letters, digits and !#$%&'*+-.^_\`|~; no spaces, '=', ';', ',' or quotes). Use a name such as reviews-canary.`,
        ],
        [
            "a sticky cookie name with '='",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 10, sessionAffinity: { cookieName: "canary=v2" } })),
            "traffic/session-cookie-name",
            `'args.traffic.sessionAffinity.cookieName' canary=v2 is not a cookie name (an RFC 6265 token: letters, digits and !#$%&'*+-.^_\`|~; no spaces, '=', ';', ',' or quotes). Use a name such as reviews-canary.`,
        ],
        [
            "a sticky cookie name with the __Host- prefix",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 10, sessionAffinity: { cookieName: "__Host-canary" } })),
            "traffic/session-cookie-name",
            "'args.traffic.sessionAffinity.cookieName' __Host-canary starts with __Host-, a prefix browsers accept only on cookies set with Secure over HTTPS; the mesh sets the sticky cookie without Secure (a route may serve plain HTTP), so browsers would drop it. Drop the prefix, e.g. canary.",
        ],
        [
            "a sticky canary without a cookie name",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 10, sessionAffinity: { ttl: "1h" } })),
            "input/type",
            "'args.traffic.sessionAffinity.cookieName' (missing) is required. Set it to a cookie name such as reviews-canary.",
        ],
        [
            "a sticky ttl in days",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 10, sessionAffinity: { cookieName: "reviews-canary", ttl: "1d" } })),
            "traffic/session-ttl",
            `'args.traffic.sessionAffinity.ttl' 1d is not a duration in whole seconds: hours, minutes and seconds, in that order, each a whole number with its unit (h, m, s). Give how long a user stays on the new version, e.g. "86400s", "90m" or "1h30m".`,
        ],
        [
            "a sticky ttl in milliseconds",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 10, sessionAffinity: { cookieName: "reviews-canary", ttl: "1500ms" } })),
            "traffic/session-ttl",
            `'args.traffic.sessionAffinity.ttl' 1500ms is not a duration in whole seconds: hours, minutes and seconds, in that order, each a whole number with its unit (h, m, s). Give how long a user stays on the new version, e.g. "86400s", "90m" or "1h30m".`,
        ],
        [
            "a sticky ttl of zero",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 10, sessionAffinity: { cookieName: "reviews-canary", ttl: "0s" } })),
            "traffic/session-ttl",
            `'args.traffic.sessionAffinity.ttl' 0s is not a positive duration; a cookie with Max-Age 0 is dropped at once, so nobody would stick. Give at least "1s", e.g. "3600s"; to stop sticking users, remove sessionAffinity.`,
        ],
        [
            "a sticky ttl over 400 days",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 10, sessionAffinity: { cookieName: "reviews-canary", ttl: "9601h" } })),
            "traffic/session-ttl",
            `'args.traffic.sessionAffinity.ttl' 9601h is longer than 400 days (34560000s), the longest Max-Age a browser honours (RFC 6265bis). Give at most "34560000s", e.g. "86400s" (one day).`,
        ],
        [
            "a sticky ttl as a bare number",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 10, sessionAffinity: { cookieName: "reviews-canary", ttl: 3600 } })),
            "traffic/session-ttl",
            `'args.traffic.sessionAffinity.ttl' 3600 is a number; the ttl is a duration with its unit. Write it as a string with its unit: "3600s".`,
        ],
        [
            "an unknown sticky setting",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 10, sessionAffinity: { cookieName: "reviews-canary", maxAge: 60 } })),
            "input/unknown-key",
            "'args.traffic.sessionAffinity.maxAge' 60 is not a known setting. Remove it, or check its spelling against the documented arguments.",
        ],
        [
            "a weight over 100",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 120 })),
            "input/max",
            "'args.traffic.weight' 120 must be at most 100. Give a whole number from 0 to 100, e.g. 20.",
        ],
        [
            "a negative step weight",
            withSpec((s) => (s.traffic = { kind: "canary", steps: [10, -5], step: 0 })),
            "input/min",
            "'args.traffic.steps[1]' -5 must be at least 0. Give a whole number from 0 to 100, e.g. 20.",
        ],
        [
            "a fractional weight",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 12.5 })),
            "input/type",
            "'args.traffic.weight' 12.5 must be a whole number. Give a whole number from 0 to 100, e.g. 20.",
        ],
        [
            "steps without a step",
            withSpec((s) => (s.traffic = { kind: "canary", steps: [10, 50, 100] })),
            "traffic/step",
            "'args.traffic.step' (missing) is required with steps (10, 50, 100). Set step to the index of the share to apply, 0 to 2 (from stack config, one update per step).",
        ],
        [
            "a step past the last",
            withSpec((s) => (s.traffic = { kind: "canary", steps: [10, 50, 100], step: 3 })),
            "traffic/step",
            "'args.traffic.step' 3 is past the last step: steps has 3 (10, 50, 100), indexes 0 to 2. Use a step from 0 to 2; to finish, set promote: true.",
        ],
        [
            "a step without steps",
            withSpec((s) => (s.traffic = { kind: "canary", weight: 10, step: 1 })),
            "traffic/step",
            "'args.traffic.step' 1 is set without steps. Remove step, or list the shares in steps.",
        ],
        [
            "a match entry with no condition",
            withSpec((s) => (s.traffic = { kind: "canary", match: [{}] })),
            "match/empty",
            "'args.traffic.match[0]' {} sets no condition, so it would send every request to the new version. Set headers, cookies or uri; for all traffic use weight: 100 or blueGreen.",
        ],
        [
            "an uppercase header name",
            withSpec((s) => (s.traffic = { kind: "canary", match: [{ headers: { "X-Canary": { exact: "on" } } }] })),
            "match/header-name",
            "'args.traffic.match[0].headers.X-Canary' X-Canary is not a lowercase header name (Istio matches lowercase names: letters, digits, '-' and '_'). Write x-canary.",
        ],
        [
            "a string match of two types",
            withSpec((s) => (s.traffic = { kind: "canary", match: [{ uri: { exact: "/a", prefix: "/a" } }] })),
            "match/string",
            `'args.traffic.match[0].uri' {"exact":"/a","prefix":"/a"} sets exact and prefix. Set exactly one of exact, prefix or regex.`,
        ],
        [
            "a regex with lookahead",
            withSpec((s) => (s.traffic = { kind: "canary", match: [{ headers: { "user-agent": { regex: "(?=.*Firefox).*" } } }] })),
            "match/regex",
            "'args.traffic.match[0].headers.user-agent.regex' (?=.*Firefox).* uses lookaround or a back-reference, which Envoy's RE2 regex engine does not support. Rewrite it without (?=, (?!, (?<=, (?<! and \\1; or match with prefix or exact instead.",
        ],
        [
            "a regex that does not compile",
            withSpec((s) => (s.traffic = { kind: "canary", match: [{ uri: { regex: "/v[2" } }] })),
            "match/regex",
            "'args.traffic.match[0].uri.regex' /v[2 is not a valid regular expression (unterminated character class). Fix the expression; it must match the whole value, in RE2 syntax.",
        ],
        [
            "a URI prefix without a slash",
            withSpec((s) => (s.traffic = { kind: "canary", match: [{ uri: { prefix: "v2" } }] })),
            "match/uri",
            "'args.traffic.match[0].uri.prefix' v2 does not start with /. Give the path from the root, e.g. /v2.",
        ],
        [
            "two cookies in one entry",
            withSpec((s) => (s.traffic = { kind: "canary", match: [{ cookies: { a: { exact: "1" }, b: { exact: "2" } } }] })),
            "match/cookies",
            `'args.traffic.match[0].cookies' ["a","b"] matches several cookies in one entry; cookies are matched through the cookie header with one RE2 regex, which cannot require several cookies in any order. Match one cookie per entry (entries are alternatives), or combine one cookie with headers or uri.`,
        ],
        [
            "a cookie and the cookie header",
            withSpec((s) => (s.traffic = { kind: "canary", match: [{ cookies: { a: { exact: "1" } }, headers: { cookie: { regex: ".*" } } }] })),
            "match/cookie-twice",
            `'args.traffic.match[0].headers.cookie' {"regex":".*"} is matched beside cookies; both match the single cookie header. Match cookies through cookies only.`,
        ],
        [
            "a cookie name with a space",
            withSpec((s) => (s.traffic = { kind: "canary", match: [{ cookies: { "my cookie": { exact: "1" } } }] })),
            "match/cookie-name",
            `'args.traffic.match[0].cookies.my cookie' "my cookie" is not a cookie name (an HTTP token: no spaces, '=', ';' or quotes). Use the cookie's name as the browser sends it, e.g. canary.`,
        ],
        [
            "a mirror over 100%",
            withSpec((s) => (s.traffic = { kind: "mirror", percentage: 100.5 })),
            "input/max",
            "'args.traffic.percentage' 100.5 must be at most 100. Give the share of requests copied, from 0 to 100 (decimals allowed), e.g. 20 or 12.5.",
        ],
        [
            "an unknown release strategy",
            withSpec((s) => (s.release = "manual")),
            "input/enum",
            "'args.release' manual is not an allowed value. Use one of: immediate, afterReady, paused.",
        ],
        [
            "promotion while paused",
            withSpec((s) => Object.assign(s, { promote: true, release: "paused" })),
            "canary/promote-paused",
            "'args.promote' true switches all traffic to the new version, but release is paused, which keeps the routes as they are. Set release to immediate or afterReady to promote, or remove promote while paused.",
        ],
        [
            "the mesh gateway by name",
            withSpec((s) => (s.gateway = { gateways: ["mesh"], hosts: ["shop.example.com"] })),
            "gateway/mesh",
            "'args.gateway.gateways[0]' mesh is the reserved name of the mesh's sidecars. Remove it; includeMesh (default true) keeps the routes applying inside the mesh.",
        ],
        [
            "a gateway host with capitals",
            withSpec((s) => (s.gateway = { gateways: ["istio-ingress/public"], hosts: ["Shop.example.com"] })),
            "gateway/host",
            "'args.gateway.hosts[0]' Shop.example.com is not a host name. Give a lowercase DNS name such as shop.example.com, a wildcard such as *.example.com, or *.",
        ],
        [
            "a misspelt argument",
            withSpec((s) => (s.newVersion.replica = 2)),
            "input/unknown-key",
            "'args.newVersion.replica' 2 is not a known setting. Remove it, or check its spelling against the documented arguments.",
        ],
    ];
    for (const [what, input, rule, message] of cases) {
        it(`refuses ${what}`, () => {
            const e = refusal(input);
            assert.equal(e.message, message);
            assert.equal(e.rule, rule);
        });
    }
});
