/**
 * A stand-in for istiod's sidecar injector, for clusters with no istiod: an HTTPS mutating webhook on
 * 127.0.0.1 that the test cluster's API server calls (the fixture chart and the tag webhooks reach it
 * through `istiodRemote.injectionURL`). It marks a pod as Istio's injector does:
 *  - label `istio.io/rev` with the revision that serves the pod,
 *  - annotation `sidecar.istio.io/status` (`{"containers":["istio-proxy"],...,"revision":"<rev>"}`),
 *  - an `istio-proxy` container with the revision's proxy image (`<hub>/proxyv2:<version>`); a gateway
 *    pod's own `istio-proxy` container (image `auto`) gets that image instead.
 * The revision comes from what Istio looks at: the pod's `istio.io/rev` label, else its namespace's; a
 * tag resolves to its revision through the tag webhook's `istio.io/rev` label; the version comes from the
 * revision's istiod Deployment image. So a pod's sidecar revision in the tests is always the cluster's
 * doing, never set by hand.
 */
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { KubeClient } from "./kube";

export interface InjectedPod {
    readonly namespace: string;
    readonly name: string;
    readonly revision: string;
    readonly image: string;
}

export interface Injector {
    /** The URL to give as `istiodRemote.injectionURL`. */
    readonly url: string;
    /** Base64 PEM of the CA that signed the webhook's certificate, for `caBundle`. */
    readonly caBundle: string;
    /** Pods injected so far, in order. */
    readonly injected: readonly InjectedPod[];
    /** Requests the injector refused (no revision could be found), with why. */
    readonly refused: readonly string[];
    close(): Promise<void>;
}

interface Pod {
    metadata?: { name?: string; generateName?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: { containers?: { name: string; image?: string }[] };
}

/** Starts the injector on a free port of 127.0.0.1, serving with the cluster's webhook certificate. */
export async function startInjector(kube: KubeClient, tls: { cert: string; key: string; ca: string }): Promise<Injector> {
    const injected: InjectedPod[] = [];
    const refused: string[] = [];
    const server = https.createServer({ cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            void review(kube, JSON.parse(Buffer.concat(chunks).toString("utf8")), injected, refused).then(
                (answer) => {
                    res.writeHead(200, { "content-type": "application/json" });
                    res.end(JSON.stringify(answer));
                },
                (e: Error) => {
                    res.writeHead(500, { "content-type": "text/plain" });
                    res.end(`injector stand-in failed: ${e.message}`);
                },
            );
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        url: `https://127.0.0.1:${port}/inject`,
        caBundle: fs.readFileSync(tls.ca).toString("base64"),
        injected,
        refused,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function review(kube: KubeClient, body: any, injected: InjectedPod[], refused: string[]) {
    const request = body.request;
    // Answer in the version the API server asked in (the webhooks list v1beta1 first, as Istio's do).
    const apiVersion: string = body.apiVersion ?? "admission.k8s.io/v1";
    const allow = (extra: Record<string, unknown> = {}) => ({ apiVersion, kind: "AdmissionReview", response: { uid: request.uid, allowed: true, ...extra } });
    const pod: Pod = request.object ?? {};
    const labels = pod.metadata?.labels ?? {};
    const annotations = pod.metadata?.annotations ?? {};
    if (annotations["sidecar.istio.io/status"] !== undefined) {
        return allow(); // already injected (Istio does not inject twice)
    }
    const namespace: string = request.namespace;
    const ns = await kube.get(`/api/v1/namespaces/${namespace}`);
    const label = labels["istio.io/rev"] ?? ns?.metadata?.labels?.["istio.io/rev"];
    const podName = pod.metadata?.name ?? `${pod.metadata?.generateName ?? ""}*`;
    if (label === undefined) {
        refused.push(`${namespace}/${podName}: neither the pod nor its namespace has istio.io/rev`);
        return allow({ status: { message: "no revision" } });
    }
    const tag = await kube.get(`/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-revision-tag-${label}`);
    const revision: string = tag?.metadata?.labels?.["istio.io/rev"] ?? label;
    const istiod = await kube.get(`/apis/apps/v1/namespaces/istio-system/deployments/istiod-${revision}`);
    const pilotImage: string | undefined = istiod?.spec?.template?.spec?.containers?.[0]?.image;
    const version = pilotImage?.split(":").pop() ?? revision.replace(/-/g, ".");
    const hub = pilotImage !== undefined ? pilotImage.slice(0, pilotImage.lastIndexOf("/")) : "docker.io/istio";
    const image = `${hub}/proxyv2:${version}`;

    const status = { initContainers: [], containers: ["istio-proxy"], volumes: [], imagePullSecrets: null, revision };
    const patch: unknown[] = [];
    if (pod.metadata?.labels === undefined) {
        patch.push({ op: "add", path: "/metadata/labels", value: {} });
    }
    patch.push({ op: "add", path: "/metadata/labels/istio.io~1rev", value: revision });
    if (pod.metadata?.annotations === undefined) {
        patch.push({ op: "add", path: "/metadata/annotations", value: {} });
    }
    patch.push({ op: "add", path: "/metadata/annotations/sidecar.istio.io~1status", value: JSON.stringify(status) });
    const containers = pod.spec?.containers ?? [];
    const own = containers.findIndex((c) => c.name === "istio-proxy");
    if (own >= 0) {
        patch.push({ op: "replace", path: `/spec/containers/${own}/image`, value: image });
    } else {
        patch.push({
            op: "add",
            path: "/spec/containers/-",
            value: {
                name: "istio-proxy",
                image,
                args: ["proxy", "sidecar"],
                securityContext: {
                    runAsUser: 1337,
                    runAsGroup: 1337,
                    runAsNonRoot: true,
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    privileged: false,
                    capabilities: { drop: ["ALL"] },
                },
            },
        });
    }
    injected.push({ namespace, name: podName, revision, image });
    return allow({ patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(patch)).toString("base64") });
}
