// Plain Kubernetes object shapes for MeshRevision's children. No Pulumi here: these are the manifests
// as they are rendered, built from the domain's layout, so that tests can compare them whole.
import type { GatewayLayout } from "../domain";

/** Pod-template annotation whose change restarts a workload onto its namespace's revision. */
export const RESTART_ANNOTATION = "mesh-rollout.io/revision";

/**
 * Carried by every object a stage creates or patches by server-side apply. A `pulumi up` killed after
 * the API server took an object but before the checkpoint recorded it leaves the object owned by that
 * run's field manager; the next `pulumi up` creates it again under a new one, and where the API server
 * defaulted a field inside an atomic value (a container's `env[].valueFrom.fieldRef.apiVersion`, a
 * webhook rule's `scope`) the two managers conflict and the update fails. Forcing takes those fields
 * over, so `pulumi cancel` then `pulumi up` completes (measured by the kill -9 sweep, issue 13).
 */
export const PATCH_FORCE = { "pulumi.com/patchForce": "true" } as const;

/** A hardened container securityContext: non-root, no privilege escalation, drop ALL, read-only root FS, the runtime's default seccomp profile. */
export function hardenedContainerSecurity() {
    return {
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** The pod securityContext of the pods we render: non-root, the runtime's default seccomp profile. */
export function hardenedPodSecurity() {
    return { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
}

/** An injector reached by URL instead of the istiod Service (Istio's `istiodRemote.injectionURL`). */
export interface InjectionEndpoint {
    readonly url: string;
    readonly caBundle?: string;
}

/**
 * The injection endpoint the istiod chart values select: `istiodRemote.injectionURL` (and the CA bundle
 * `istiodRemote.injectionCABundle`), as for an external or remote control plane; undefined otherwise.
 */
export function injectionEndpoint(values: unknown): InjectionEndpoint | undefined {
    const remote = (values as { istiodRemote?: { injectionURL?: unknown; injectionCABundle?: unknown } } | undefined)?.istiodRemote;
    if (typeof remote?.injectionURL !== "string" || remote.injectionURL === "") {
        return undefined;
    }
    const caBundle = typeof remote.injectionCABundle === "string" && remote.injectionCABundle !== "" ? remote.injectionCABundle : undefined;
    return { url: remote.injectionURL, ...(caBundle ? { caBundle } : {}) };
}

interface MatchExpression {
    key: string;
    operator: string;
    values?: string[];
}

/**
 * A revision tag as Istio expresses it (`istioctl tag generate`): a MutatingWebhookConfiguration
 * `istio-revision-tag-<tag>` labelled `istio.io/tag`, sending pods of namespaces labelled
 * `istio.io/rev=<tag>` (or pods labelled so) to the revision's istiod. The `default` tag also serves
 * `istio-injection=enabled` and `sidecar.istio.io/inject=true`.
 */
export function revisionTagWebhook(tag: string, revision: string, istioNamespace: string, injection?: InjectionEndpoint) {
    // Like `istioctl tag generate`, a tag calls what the revision's own injector webhook calls.
    const clientConfig = injection
        ? { url: injection.url, ...(injection.caBundle ? { caBundle: injection.caBundle } : {}) }
        : { service: { name: `istiod-${revision}`, namespace: istioNamespace, path: "/inject", port: 443 } };
    const common = {
        clientConfig,
        rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
        sideEffects: "None",
        admissionReviewVersions: ["v1beta1", "v1"],
        failurePolicy: "Fail",
        reinvocationPolicy: "Never",
    };
    const notDisabled: MatchExpression = { key: "sidecar.istio.io/inject", operator: "NotIn", values: ["false"] };
    const webhooks = [
        {
            name: "rev.namespace.sidecar-injector.istio.io",
            ...common,
            namespaceSelector: {
                matchExpressions: [
                    { key: "istio.io/rev", operator: "In", values: [tag] },
                    { key: "istio-injection", operator: "DoesNotExist" },
                ] as MatchExpression[],
            },
            objectSelector: { matchExpressions: [notDisabled] },
        },
        {
            name: "rev.object.sidecar-injector.istio.io",
            ...common,
            namespaceSelector: {
                matchExpressions: [
                    { key: "istio.io/rev", operator: "DoesNotExist" },
                    { key: "istio-injection", operator: "DoesNotExist" },
                ],
            },
            objectSelector: { matchExpressions: [notDisabled, { key: "istio.io/rev", operator: "In", values: [tag] }] },
        },
    ];
    if (tag === "default") {
        webhooks.push(
            {
                name: "namespace.sidecar-injector.istio.io",
                ...common,
                namespaceSelector: { matchExpressions: [{ key: "istio-injection", operator: "In", values: ["enabled"] }] },
                objectSelector: { matchExpressions: [notDisabled] },
            },
            {
                name: "object.sidecar-injector.istio.io",
                ...common,
                namespaceSelector: {
                    matchExpressions: [
                        { key: "istio-injection", operator: "DoesNotExist" },
                        { key: "istio.io/rev", operator: "DoesNotExist" },
                    ],
                },
                objectSelector: {
                    matchExpressions: [
                        { key: "sidecar.istio.io/inject", operator: "In", values: ["true"] },
                        { key: "istio.io/rev", operator: "DoesNotExist" },
                    ],
                },
            },
        );
    }
    return {
        metadata: {
            name: `istio-revision-tag-${tag}`,
            labels: { "istio.io/tag": tag, "istio.io/rev": revision, app: "sidecar-injector", "app.kubernetes.io/managed-by": "mesh-rollout" },
            annotations: { ...PATCH_FORCE },
        },
        webhooks,
    };
}

/**
 * An ingress gateway as Istio's gateway injection runs it: a Deployment whose pods carry
 * `istio.io/rev` and the `gateway` injection template (image `auto`), its Service and ServiceAccount.
 * Changing `istio.io/rev` rolls the gateway onto the new revision (seed 001: gateways move with the data plane).
 */
export function gatewayObjects(gw: GatewayLayout) {
    const selector = { app: gw.name, istio: gw.name };
    const labels = { ...selector, "istio.io/rev": gw.revLabel, "app.kubernetes.io/managed-by": "mesh-rollout" };
    const metadata = { name: gw.name, namespace: gw.namespace, labels, annotations: { ...PATCH_FORCE } };
    return {
        serviceAccount: { metadata },
        deployment: {
            metadata,
            spec: {
                replicas: gw.replicas,
                selector: { matchLabels: selector },
                template: {
                    metadata: {
                        annotations: { "inject.istio.io/templates": "gateway" },
                        labels: { ...selector, "sidecar.istio.io/inject": "true", "istio.io/rev": gw.revLabel },
                    },
                    spec: {
                        serviceAccountName: gw.name,
                        securityContext: {
                            runAsNonRoot: true,
                            runAsUser: 1337,
                            runAsGroup: 1337,
                            fsGroup: 1337,
                            sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        containers: [
                            {
                                name: "istio-proxy",
                                image: "auto",
                                securityContext: hardenedContainerSecurity(),
                                ports: gw.ports.map((p) => ({ name: p.name, containerPort: p.targetPort, protocol: "TCP" })),
                            },
                        ],
                    },
                },
            },
        },
        service: {
            metadata,
            spec: {
                type: gw.serviceType,
                selector,
                ports: gw.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: "TCP" })),
            },
        },
    };
}
