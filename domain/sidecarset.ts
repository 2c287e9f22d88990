import { z } from "zod";
import { MeshRolloutValidationError } from "./errors";
import { containerOverridesSchema } from "./container-overrides";
import { jsonObjectSetting } from "./json-value";
import { domainCheck, firstDomainError, parseInput } from "./schema";
import { booleanSetting, dnsLabelSetting, intSetting, labelMapSetting, remedy, textSetting } from "./settings";
import { assertImageReference, IMAGE_REMEDY } from "./sidecar";

const intOrPercent = (min: number) => {
    const r = remedy(`Give a whole number of pods (at least ${min}) or a whole percentage from ${min}% to 100%, e.g. ${min === 0 ? '0 or "20%"' : '1 or "25%"'}.`);
    return z.union([z.number(r).int(r).min(min, r).max(100000, r), z.string(r).regex(min === 0 ? /^(100|[1-9]?[0-9])%$/ : /^(100|[1-9][0-9]?)%$/, r)], r);
};
const imageRef = z.string(remedy(IMAGE_REMEDY)).superRefine(domainCheck((v: string) => assertImageReference(v, "")));
const HOST_PORT = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*:([1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CIDR = /^(((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]?\d)|[0-9a-fA-F:]*:[0-9a-fA-F:.]*\/(12[0-8]|1[01]\d|[1-9]?\d))$/;

export const labelSelectorSchema = z
    .object(
        {
            matchLabels: labelMapSetting().optional(),
            matchExpressions: z
                .array(
                    z
                        .object(
                            {
                                key: textSetting({
                                    rule: "labels/key",
                                    problem: "is not a label key",
                                    remedy: "Give a label key such as app or example.com/team.",
                                    test: (v) => /^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v),
                                    max: 317,
                                }),
                                operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
                                values: z
                                    .array(z.string(remedy('Give label values as strings, e.g. ["reviews"].')), remedy('Give the values as a list, e.g. values: ["reviews"].'))
                                    .max(1000)
                                    .optional(),
                            },
                            remedy('Give an expression as { key, operator, values }, e.g. { key: "app", operator: "In", values: ["reviews"] }.'),
                        )
                        .strict()
                        .superRefine(domainCheck(assertExpressionValues, true)),
                    remedy('Give matchExpressions as a list, e.g. [{ key: "app", operator: "In", values: ["reviews"] }].'),
                )
                .max(100)
                .optional(),
        },
        remedy('Give a label selector, e.g. { matchLabels: { app: "reviews" } }.'),
    )
    .strict();

/** Kubernetes: In and NotIn need values; Exists and DoesNotExist take none. */
function assertExpressionValues(e: { operator: string; values?: string[] }): void {
    const needs = e.operator === "In" || e.operator === "NotIn";
    if (needs && (e.values === undefined || e.values.length === 0)) {
        throw new MeshRolloutValidationError({
            path: "values",
            rule: "selector/values",
            value: e.values,
            problem: `is required and non-empty with operator ${e.operator}`,
            remedy: 'Give the label values to match, e.g. values: ["reviews"].',
        });
    }
    if (!needs && e.values !== undefined && e.values.length > 0) {
        throw new MeshRolloutValidationError({
            path: "values",
            rule: "selector/values",
            value: e.values,
            problem: `must be empty with operator ${e.operator}`,
            remedy: "Remove values.",
        });
    }
}
export type LabelSelector = z.output<typeof labelSelectorSchema>;

/** A JSON object merged over a generated container (objects merge key by key; arrays and scalars replace). */
const overrides = containerOverridesSchema;

export const sidecarSetSpecSchema = z
    .object({
        /** Pods the SidecarSet injects into. One of `selector` or `deployments`. */
        selector: labelSelectorSchema.optional(),
        /** Only pods in this namespace. */
        namespace: dnsLabelSetting("a namespace name", "shop").optional(),
        /** Seed 004 convenience: one SidecarSet per Deployment (its pod labels, its namespace). */
        deployments: z
            .array(
                z
                    .object(
                        { name: dnsLabelSetting("a Deployment name", "nginx"), namespace: dnsLabelSetting("a namespace name", "shop"), matchLabels: labelMapSetting() },
                        remedy('Give a Deployment as { name, namespace, matchLabels }, e.g. { name: "nginx", namespace: "shop", matchLabels: { app: "nginx" } }.'),
                    )
                    .strict(),
                remedy('Give deployments as a list, e.g. [{ name: "nginx", namespace: "shop", matchLabels: { app: "nginx" } }].'),
            )
            .min(1)
            .max(500)
            .optional(),
        upgradeType: z.enum(["HotUpgrade", "ColdUpgrade"], remedy("A change of upgradeType replaces the SidecarSet.")).default("HotUpgrade"),
        /** The empty image a HotUpgrade parks in the idle slot. Required for HotUpgrade. */
        hotUpgradeEmptyImage: imageRef.optional(),
        updateStrategy: z
            .object(
                {
                    type: z.enum(["RollingUpdate", "NotUpdate"]).default("RollingUpdate"),
                    partition: intOrPercent(0).optional(),
                    maxUnavailable: intOrPercent(1).default(1),
                    paused: booleanSetting("paused", true).default(false),
                },
                remedy('Give the update strategy, e.g. { partition: "80%", maxUnavailable: 1, paused: false }.'),
            )
            .strict()
            .default({ type: "RollingUpdate", maxUnavailable: 1, paused: false }),
        /** Seed 004: the cluster id comes from a ConfigMap key instead of being written into every SidecarSet. */
        clusterId: z
            .object(
                {
                    configMap: dnsLabelSetting("a ConfigMap name", "ack-cluster-profile").default("ack-cluster-profile"),
                    key: textSetting({
                        rule: "names/configmap-key",
                        problem: "is not a ConfigMap key: letters, digits, '-', '_' or '.'",
                        remedy: "Give the key holding the cluster id, e.g. clusterid.",
                        test: (v) => /^[-._a-zA-Z0-9]+$/.test(v),
                        max: 253,
                    }).default("clusterid"),
                },
                remedy('Give { configMap, key }, e.g. { configMap: "ack-cluster-profile", key: "clusterid" }.'),
            )
            .strict()
            .default({ configMap: "ack-cluster-profile", key: "clusterid" }),
        discoveryAddress: textSetting({
            rule: "sidecarset/discovery-address",
            problem: "is not a host:port address",
            remedy: "Give istiod's address as host:port, e.g. istiod.istio-system.svc:15012.",
            test: (v) => HOST_PORT.test(v),
            max: 253,
        }).default("istiod.istio-system.svc:15012"),
        meshId: textSetting({
            rule: "sidecarset/mesh-id",
            problem: "is not a mesh id: lowercase letters, digits, '-' and '.'",
            remedy: "Give the mesh id, e.g. cluster.local.",
            test: (v) => DNS_NAME.test(v),
            max: 253,
        }).default("cluster.local"),
        trustDomain: textSetting({
            rule: "sidecarset/trust-domain",
            problem: "is not a trust domain: lowercase letters, digits, '-' and '.'",
            remedy: "Give the SPIFFE trust domain, e.g. cluster.local.",
            test: (v) => DNS_NAME.test(v),
            max: 253,
        }).default("cluster.local"),
        concurrency: intSetting(1, 64, 2).default(2),
        /** The istio-init container (iptables). Set false with Istio CNI, which needs no privileged init. */
        initContainer: booleanSetting("initContainer", false).default(true),
        initImage: imageRef.optional(),
        excludeOutboundIPRanges: z
            .array(
                textSetting({
                    rule: "sidecarset/cidr",
                    problem: "is not a CIDR",
                    remedy: "Give an IPv4 or IPv6 range with its prefix length, e.g. 172.23.0.1/32 or fd00::/8.",
                    test: (v) => CIDR.test(v),
                    max: 64,
                }),
                remedy('Give the ranges as a list, e.g. ["172.23.0.1/32"].'),
            )
            .max(1000)
            .default([]),
        proxyOverrides: overrides.optional(),
        initOverrides: overrides.optional(),
        /** Replaces the generated volumes. */
        volumes: z
            .array(
                jsonObjectSetting({ remedy: 'Give a Kubernetes volume, e.g. { name: "istio-envoy", emptyDir: { medium: "Memory" } }.' }).superRefine(
                    domainCheck(assertVolumeName, true),
                ),
                remedy('Give volumes as a list, e.g. [{ name: "istio-envoy", emptyDir: { medium: "Memory" } }].'),
            )
            .max(100)
            .optional(),
    })
    .strict()
    .superRefine(firstDomainError(targetError, hotUpgradeError));

/** A volume needs a DNS-1123 label as its name. */
function assertVolumeName(volume: Record<string, unknown>): void {
    const name = volume.name;
    if (typeof name !== "string" || name.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
        throw new MeshRolloutValidationError({
            path: "name",
            rule: "sidecarset/volume-name",
            value: name,
            problem: "is not a volume name: a DNS-1123 label",
            remedy: "Name the volume with lowercase letters, digits and '-', at most 63, e.g. istio-envoy.",
        });
    }
}

export type SidecarSetSpecInput = z.input<typeof sidecarSetSpecSchema>;
export type SidecarSetSpec = z.output<typeof sidecarSetSpecSchema>;

function targetError(spec: { selector?: unknown; deployments?: unknown; namespace?: string }): MeshRolloutValidationError | undefined {
    if ((spec.selector === undefined) === (spec.deployments === undefined)) {
        return new MeshRolloutValidationError({
            path: spec.selector === undefined ? "selector" : "deployments",
            rule: "sidecarset/target",
            value: spec.selector === undefined ? undefined : spec.deployments,
            problem: spec.selector === undefined ? "is required unless 'deployments' is given" : "cannot be combined with 'selector'",
            remedy: "Give either 'selector' (one SidecarSet) or 'deployments' (one SidecarSet per Deployment).",
        });
    }
    if (spec.deployments !== undefined && spec.namespace !== undefined) {
        return new MeshRolloutValidationError({
            path: "namespace",
            rule: "sidecarset/target",
            value: spec.namespace,
            problem: "cannot be combined with 'deployments', which carry their own namespaces",
            remedy: "Remove 'namespace'.",
        });
    }
    return undefined;
}

function hotUpgradeError(spec: { upgradeType: string; hotUpgradeEmptyImage?: string }): MeshRolloutValidationError | undefined {
    if (spec.upgradeType === "HotUpgrade" && spec.hotUpgradeEmptyImage === undefined) {
        return new MeshRolloutValidationError({
            path: "hotUpgradeEmptyImage",
            rule: "sidecarset/hot-upgrade-empty-image",
            value: undefined,
            problem: "is required for upgradeType HotUpgrade: the idle slot of the hot-upgrade pair runs it",
            remedy: "Give the empty image that matches your proxy (seed 004: …/asm-istio-proxy-empty:<build>), or set upgradeType to ColdUpgrade.",
        });
    }
    return undefined;
}

export function parseSidecarSetSpec(input: unknown, path = "args"): SidecarSetSpec {
    return parseInput(sidecarSetSpecSchema, input, path);
}

/** The annotation that names the catalog version a SidecarSet injects; the catalog policies read it. */
export const SIDECAR_VERSION_ANNOTATION = "mesh-rollout.io/sidecar-version";
export const SIDECAR_IMAGE_ANNOTATION = "mesh-rollout.io/sidecar-image";

type Json = Record<string, unknown>;

/** Objects merge key by key; arrays and scalars replace; `null` removes the key. */
export function mergeOverrides(base: Json, over: Json | undefined): Json {
    if (over === undefined) {
        return base;
    }
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(over)) {
        if (v === null) {
            delete out[k];
        } else if (isPlainObject(v) && isPlainObject(out[k])) {
            out[k] = mergeOverrides(out[k] as Json, v);
        } else {
            out[k] = v;
        }
    }
    return out;
}

function isPlainObject(v: unknown): v is Json {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath } } });

/** The istio-proxy container as seed 004 lays it out, with the catalog version's image. */
export function proxyContainer(spec: SidecarSetSpec, image: string): Json {
    const base: Json = {
        name: "istio-proxy",
        image,
        imagePullPolicy: "IfNotPresent",
        podInjectPolicy: "BeforeAppContainer",
        args: [
            "proxy",
            "sidecar",
            "--domain",
            "$(POD_NAMESPACE).svc.cluster.local",
            "--serviceCluster",
            "$(ISTIO_META_WORKLOAD_NAME).$(POD_NAMESPACE)",
            "--drainDuration",
            "45s",
            "--parentShutdownDuration",
            "1m0s",
            "--discoveryAddress",
            spec.discoveryAddress,
            "--proxyLogLevel=warning",
            "--proxyComponentLogLevel=misc:error",
            "--proxyAdminPort",
            "15000",
            "--concurrency",
            String(spec.concurrency),
            "--controlPlaneAuthPolicy",
            "NONE",
            "--dnsRefreshRate",
            "300s",
            "--statusPort",
            "15021",
            `--trust-domain=${spec.trustDomain}`,
            "--controlPlaneBootstrap=false",
        ],
        env: [
            { name: "JWT_POLICY", value: "first-party-jwt" },
            { name: "PILOT_CERT_PROVIDER", value: "istiod" },
            { name: "CA_ADDR", value: spec.discoveryAddress },
            fieldEnv("POD_NAME", "metadata.name"),
            fieldEnv("POD_NAMESPACE", "metadata.namespace"),
            fieldEnv("INSTANCE_IP", "status.podIP"),
            fieldEnv("SERVICE_ACCOUNT", "spec.serviceAccountName"),
            fieldEnv("CANONICAL_SERVICE", "metadata.labels['service.istio.io/canonical-name']"),
            fieldEnv("CANONICAL_REVISION", "metadata.labels['service.istio.io/canonical-revision']"),
            { name: "PROXY_CONFIG", value: '{"configPath":"/etc/istio/proxy","proxyMetadata":{"DNS_AGENT":""}}\n' },
            { name: "ISTIO_META_POD_PORTS", value: "[\n]" },
            { name: "ISTIO_META_CLUSTER_ID", valueFrom: { configMapKeyRef: { name: spec.clusterId.configMap, key: spec.clusterId.key } } },
            fieldEnv("ISTIO_META_POD_NAME", "metadata.name"),
            fieldEnv("ISTIO_META_CONFIG_NAMESPACE", "metadata.namespace"),
            { name: "ISTIO_META_INTERCEPTION_MODE", value: "REDIRECT" },
            fieldEnv("ISTIO_META_WORKLOAD_NAME", "metadata.labels['app']"),
            { name: "ISTIO_META_MESH_ID", value: spec.meshId },
            { name: "DNS_AGENT" },
            { name: "TERMINATION_DRAIN_DURATION_SECONDS", value: "5" },
        ],
        lifecycle: { postStart: { exec: { command: ["/bin/sh", "-c", "/usr/local/bin/pilot-agent wait"] } } },
        ports: [{ containerPort: 15090, name: "http-envoy-prom", protocol: "TCP" }],
        resources: { limits: { cpu: "2", memory: "1Gi" }, requests: { cpu: "100m", memory: "128Mi" } },
        securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            privileged: false,
            readOnlyRootFilesystem: true,
            runAsGroup: 1337,
            runAsNonRoot: true,
            runAsUser: 1337,
            seccompProfile: { type: "RuntimeDefault" },
        },
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
        upgradeStrategy: spec.upgradeType === "HotUpgrade" ? { upgradeType: "HotUpgrade", hotUpgradeEmptyImage: spec.hotUpgradeEmptyImage } : { upgradeType: "ColdUpgrade" },
        volumeMounts: [
            { mountPath: "/var/run/secrets/istio", name: "istiod-ca-cert" },
            { mountPath: "/var/lib/istio/data", name: "istio-data" },
            { mountPath: "/etc/istio/proxy", name: "istio-envoy" },
            { mountPath: "/etc/istio/pod", name: "istio-podinfo" },
            ...(spec.upgradeType === "HotUpgrade" ? [{ mountPath: "/etc/asm/uds/", name: "asm-hotupgrade-data" }] : []),
        ],
    };
    return mergeOverrides(base, spec.proxyOverrides);
}

/**
 * The istio-init container (seed 004). iptables needs root and NET_ADMIN/NET_RAW, so this is the one
 * container that is not non-root: everything else is dropped, no privilege escalation. With Istio CNI
 * (`initContainer: false`) it is not injected at all.
 */
export function initContainer(spec: SidecarSetSpec, image: string): Json {
    const args = ["istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*", "-b", "*", "-d", "15090,15021,15020"];
    if (spec.excludeOutboundIPRanges.length > 0) {
        args.splice(args.indexOf("-b"), 0, "-x", spec.excludeOutboundIPRanges.join(","));
    }
    const base: Json = {
        name: "istio-init",
        image: spec.initImage ?? image,
        imagePullPolicy: "IfNotPresent",
        args,
        env: [{ name: "DNS_AGENT" }],
        resources: { limits: { cpu: "100m", memory: "50Mi" }, requests: { cpu: "10m", memory: "10Mi" } },
        securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { add: ["NET_ADMIN", "NET_RAW"], drop: ["ALL"] },
            privileged: false,
            readOnlyRootFilesystem: false,
            runAsGroup: 0,
            runAsNonRoot: false,
            runAsUser: 0,
        },
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
    };
    return mergeOverrides(base, spec.initOverrides);
}

export function sidecarVolumes(spec: SidecarSetSpec): Json[] {
    if (spec.volumes !== undefined) {
        return spec.volumes;
    }
    return [
        ...(spec.upgradeType === "HotUpgrade" ? [{ emptyDir: {}, name: "asm-hotupgrade-data" }] : []),
        { emptyDir: { medium: "Memory" }, name: "istio-envoy" },
        { emptyDir: {}, name: "istio-data" },
        {
            downwardAPI: {
                defaultMode: 420,
                items: [
                    { fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels" }, path: "labels" },
                    { fieldRef: { apiVersion: "v1", fieldPath: "metadata.annotations" }, path: "annotations" },
                ],
            },
            name: "istio-podinfo",
        },
        { configMap: { defaultMode: 420, name: "istio-ca-root-cert" }, name: "istiod-ca-cert" },
    ];
}

/** One SidecarSet's identity: its name, selector and namespace. */
export interface SidecarSetTarget {
    readonly name: string;
    readonly selector: LabelSelector;
    readonly namespace?: string;
}

/** The SidecarSets a spec asks for: one for `selector`, or one per Deployment. */
export function sidecarSetTargets(name: string, spec: SidecarSetSpec): SidecarSetTarget[] {
    if (spec.deployments !== undefined) {
        return spec.deployments.map((d) => ({ name: `${name}-${d.name}`, selector: { matchLabels: d.matchLabels }, namespace: d.namespace }));
    }
    return [{ name, selector: spec.selector ?? {}, ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}) }];
}

/** The SidecarSet manifest (apps.kruise.io/v1alpha1) for a target and a catalog version. */
export function sidecarSetManifest(target: SidecarSetTarget, spec: SidecarSetSpec, sidecar: { version: string; image: string }): Json {
    const updateStrategy: Json = {
        type: spec.updateStrategy.type,
        maxUnavailable: spec.updateStrategy.maxUnavailable,
        paused: spec.updateStrategy.paused,
        ...(spec.updateStrategy.partition !== undefined ? { partition: spec.updateStrategy.partition } : {}),
    };
    return {
        apiVersion: "apps.kruise.io/v1alpha1",
        kind: "SidecarSet",
        metadata: {
            name: target.name,
            labels: { "app.kubernetes.io/managed-by": "mesh-rollout" },
            annotations: { [SIDECAR_VERSION_ANNOTATION]: sidecar.version, [SIDECAR_IMAGE_ANNOTATION]: sidecar.image },
        },
        spec: {
            selector: target.selector,
            // A namespace by its name label, not `spec.namespace`: v1beta1 (Kruise's storage version) has no
            // `namespace`, and a cluster without Kruise's conversion webhook would drop it.
            ...(target.namespace !== undefined ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": target.namespace } } } : {}),
            containers: [proxyContainer(spec, sidecar.image)],
            ...(spec.initContainer ? { initContainers: [initContainer(spec, sidecar.image)] } : {}),
            updateStrategy,
            volumes: sidecarVolumes(spec),
        },
    };
}
