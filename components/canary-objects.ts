// Plain Kubernetes and Istio object shapes for CanaryRelease's children. No Pulumi here: these are
// the manifests as they are rendered, built from the domain's spec and layout, so tests compare them whole.
import type { ActionSpec, CanaryLayout, CanarySpec, ContainerSpec, ProbeSpec } from "../domain/canary";
import { CANARY_ANNOTATIONS, cpuQuantity, effectiveSecurityContext, memoryQuantity } from "../domain/canary";
import { hardenedContainerSecurity, hardenedPodSecurity } from "./mesh-objects";

export const MANAGED_BY = { "app.kubernetes.io/managed-by": "mesh-rollout" } as const;
/** The pod volume and mount that give a container the host's timezone (seed 003: Sync Host Timezone). */
export const HOST_TIME_VOLUME = "host-time";
const LOCALTIME = "/etc/localtime";

/** The new version's Deployment: pods labelled `app` and `version`, so the Service and the subset select them. */
/** The Kubernetes provider's await override: the update is done when this holds (replaces its built-in await). */
export const WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";
/**
 * A Deployment's rollout is complete: the controller has observed this generation (the provider's JSONPath
 * conditions check `status.observedGeneration` first) and reports its new ReplicaSet available, which it does
 * only once every replica is updated and available and no old one is left. `afterReady` needs this: the
 * provider's built-in Deployment await (4.25) does not check `observedGeneration` on apps/v1, so right after
 * an update it can read the previous rollout's status as done, and the routes would move too early (seen
 * against a real API server under load).
 */
export const ROLLOUT_COMPLETE = 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}=NewReplicaSetAvailable';

export function canaryDeployment(spec: CanarySpec, layout: CanaryLayout) {
    const podLabels = { app: layout.app, version: layout.newVersion };
    const v = spec.newVersion;
    const init = v.containers.filter((c) => c.type === "init").map(container);
    const main = v.containers.filter((c) => c.type === "main").map(container);
    const timezone = v.containers.some((c) => c.syncHostTimezone);
    return {
        metadata: {
            name: layout.deploymentName,
            namespace: layout.namespace,
            labels: { ...podLabels, ...MANAGED_BY },
            annotations: { [CANARY_ANNOTATIONS.task]: layout.taskName, ...(layout.routesWaitForReady ? { [WAIT_FOR_ANNOTATION]: ROLLOUT_COMPLETE } : {}) },
        },
        spec: {
            replicas: v.replicas,
            selector: { matchLabels: podLabels },
            template: {
                metadata: { labels: podLabels },
                spec: {
                    automountServiceAccountToken: v.automountServiceAccountToken,
                    securityContext: hardenedPodSecurity(),
                    ...(init.length > 0 ? { initContainers: init } : {}),
                    containers: main,
                    ...(v.imagePullSecrets.length > 0 ? { imagePullSecrets: v.imagePullSecrets.map((name) => ({ name })) } : {}),
                    ...(v.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: v.terminationGracePeriodSeconds } : {}),
                    ...(timezone ? { volumes: [{ name: HOST_TIME_VOLUME, hostPath: { path: LOCALTIME } }] } : {}),
                },
            },
        },
    };
}

/** One container as Kubernetes takes it: CPU and memory as quantities, probes with every threshold spelled out. */
export function container(c: ContainerSpec) {
    const r = c.resources;
    const requests = {
        ...(r?.cpuRequest !== undefined ? { cpu: cpuQuantity(r.cpuRequest, "cpuRequest") } : {}),
        ...(r?.memoryRequest !== undefined ? { memory: memoryQuantity(r.memoryRequest, "memoryRequest") } : {}),
    };
    const limits = {
        ...(r?.cpuLimit !== undefined ? { cpu: cpuQuantity(r.cpuLimit, "cpuLimit") } : {}),
        ...(r?.memoryLimit !== undefined ? { memory: memoryQuantity(r.memoryLimit, "memoryLimit") } : {}),
    };
    const resources = {
        ...(Object.keys(requests).length > 0 ? { requests } : {}),
        ...(Object.keys(limits).length > 0 ? { limits } : {}),
    };
    const lifecycle = {
        ...(c.postStart !== undefined ? { postStart: handler(c.postStart) } : {}),
        ...(c.preStop !== undefined ? { preStop: handler(c.preStop) } : {}),
    };
    return {
        name: c.name,
        image: c.image,
        imagePullPolicy: c.imagePullPolicy,
        ...(c.command !== undefined ? { command: c.command } : {}),
        ...(c.args !== undefined ? { args: c.args } : {}),
        ...(c.ports.length > 0 ? { ports: c.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol === "UDP" ? "UDP" : "TCP" })) } : {}),
        ...(c.env.length > 0 ? { env: c.env.map(envVar) } : {}),
        ...(Object.keys(resources).length > 0 ? { resources } : {}),
        ...(c.livenessProbe !== undefined ? { livenessProbe: probe(c.livenessProbe) } : {}),
        ...(c.readinessProbe !== undefined ? { readinessProbe: probe(c.readinessProbe) } : {}),
        ...(c.startupProbe !== undefined ? { startupProbe: probe(c.startupProbe) } : {}),
        ...(Object.keys(lifecycle).length > 0 ? { lifecycle } : {}),
        securityContext: c.securityContext === undefined ? hardenedContainerSecurity() : effectiveSecurityContext(c.securityContext),
        ...(c.syncHostTimezone ? { volumeMounts: [{ name: HOST_TIME_VOLUME, mountPath: LOCALTIME, readOnly: true }] } : {}),
    };
}

function handler(a: ActionSpec) {
    if (a.http !== undefined) {
        return { httpGet: { path: a.http.path, port: a.http.port, scheme: a.http.scheme } };
    }
    if (a.command !== undefined) {
        return { exec: { command: a.command } };
    }
    return { tcpSocket: { port: a.tcp!.port } };
}

function probe(p: ProbeSpec) {
    return {
        ...handler(p),
        initialDelaySeconds: p.initialDelaySeconds,
        timeoutSeconds: p.timeoutSeconds,
        periodSeconds: p.periodSeconds,
        successThreshold: p.successThreshold,
        failureThreshold: p.failureThreshold,
    };
}

function envVar(e: ContainerSpec["env"][number]) {
    const key = e.key as string; // the domain requires it with configMap and secret
    if (e.configMap !== undefined) {
        return { name: e.name, valueFrom: { configMapKeyRef: { name: e.configMap, key } } };
    }
    if (e.secret !== undefined) {
        return { name: e.name, valueFrom: { secretKeyRef: { name: e.secret, key } } };
    }
    return { name: e.name, value: e.value };
}

const objectMeta = (layout: CanaryLayout, annotations: Record<string, string>) => ({
    name: layout.service,
    namespace: layout.namespace,
    labels: { app: layout.app, ...MANAGED_BY },
    annotations,
});

/** One subset per version that exists at this update, selected by the `version` label; a sticky canary's new version hashes its pods on a cookie. */
export function destinationRule(layout: CanaryLayout) {
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "DestinationRule",
        metadata: objectMeta(layout, { [CANARY_ANNOTATIONS.task]: layout.taskName }),
        spec: {
            host: layout.host,
            subsets: layout.subsets.map((version) => {
                const policy = layout.subsetPolicies[version];
                return { name: version, labels: { version }, ...(policy !== undefined ? { trafficPolicy: structuredClone(policy) } : {}) };
            }),
        },
    };
}

/** The routes of this update, with the markers the policy pack reads. */
export function virtualService(layout: CanaryLayout) {
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "VirtualService",
        metadata: objectMeta(layout, { ...layout.annotations }),
        spec: {
            hosts: [...layout.hosts],
            ...(layout.gateways !== undefined ? { gateways: [...layout.gateways] } : {}),
            http: layout.http.map((r) => structuredClone(r)),
        },
    };
}
