/**
 * A local cluster per test file: `scripts/cluster up` in a fixed directory per name (so a cluster left by
 * a killed run is stopped by the next one), the injector stand-in, and a client. Everything listens on
 * 127.0.0.1.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../harness";
import { Injector, startInjector } from "./injector";
import { KubeClient, KubeObject } from "./kube";

export interface TestCluster {
    readonly dir: string;
    readonly kubeconfig: string;
    readonly kube: KubeClient;
    readonly injector: Injector;
    /** Chart values that point the revision's injector webhook (and the tag webhooks) at the stand-in. */
    readonly injectionValues: Record<string, unknown>;
    /**
     * Stops the scheduler process (SIGSTOP) so that new pods stay Pending and no Deployment becomes Ready
     * until `resumeScheduler`: a way to hold a rollout while a test watches what happens meanwhile.
     */
    pauseScheduler(): void;
    resumeScheduler(): void;
    stop(): Promise<void>;
}

function processId(dir: string, name: string): number {
    const line = fs
        .readFileSync(path.join(dir, "pids"), "utf8")
        .split("\n")
        .find((l) => l.startsWith(`${name} `));
    if (line === undefined) {
        throw new Error(`no ${name} in ${dir}/pids`);
    }
    return Number(line.split(" ")[1]);
}

const SCRIPT = path.join(REPO_ROOT, "scripts", "cluster");

/** Starts (or restarts) the cluster named `name` and the injector stand-in. */
export async function startCluster(name: string): Promise<TestCluster> {
    const dir = path.join(os.tmpdir(), "mesh-rollout-test-clusters", name);
    const out = execFileSync("bash", [SCRIPT, "up", "--dir", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const kubeconfig = out.trim().split("\n").pop()!;
    if (!fs.existsSync(kubeconfig)) {
        throw new Error(`scripts/cluster up printed ${kubeconfig}, which does not exist`);
    }
    const kube = new KubeClient(kubeconfig);
    const pki = path.join(dir, "pki");
    const injector = await startInjector(kube, { cert: path.join(pki, "webhook.crt"), key: path.join(pki, "webhook.key"), ca: path.join(pki, "ca.crt") });
    return {
        dir,
        kubeconfig,
        kube,
        injector,
        injectionValues: { istiodRemote: { injectionURL: injector.url, injectionCABundle: injector.caBundle } },
        pauseScheduler: () => process.kill(processId(dir, "kube-scheduler"), "SIGSTOP"),
        resumeScheduler: () => process.kill(processId(dir, "kube-scheduler"), "SIGCONT"),
        async stop() {
            if (process.env.MESH_ROLLOUT_KEEP_CLUSTERS === "1") {
                console.error(`keeping the cluster in ${dir} (MESH_ROLLOUT_KEEP_CLUSTERS=1): scripts/cluster down --dir ${dir}`);
                return;
            }
            try {
                process.kill(processId(dir, "kube-scheduler"), "SIGCONT"); // a paused scheduler would not stop
            } catch {
                // not running
            }
            await injector.close();
            execFileSync("bash", [SCRIPT, "down", "--dir", dir], { stdio: ["ignore", "ignore", "inherit"] });
        },
    };
}

/** An app team's Deployment: `replicas` pods of a placeholder image, labelled app/version. */
export function appDeployment(namespace: string, name: string, replicas = 2): KubeObject {
    const labels = { app: name, version: "v1" };
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace, labels },
        spec: {
            replicas,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name,
                            image: `registry.example.com/apps/${name}:v1`,
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        },
                    ],
                },
            },
        },
    };
}

/** Waits until the Deployment has rolled out: every replica updated and available. */
export async function waitRolledOut(kube: KubeClient, namespace: string, name: string): Promise<KubeObject | undefined> {
    return kube.waitFor(
        `deployment ${namespace}/${name} to roll out`,
        () => kube.get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`),
        (d) =>
            d !== undefined &&
            d.status?.observedGeneration === d.metadata.generation &&
            (d.status?.updatedReplicas ?? 0) === d.spec.replicas &&
            (d.status?.availableReplicas ?? 0) === d.spec.replicas &&
            (d.status?.replicas ?? 0) === d.spec.replicas,
        90,
    );
}

/** The running pods of a Deployment's current ReplicaSet, with the revision the injector gave each. */
export async function podRevisions(kube: KubeClient, namespace: string, app: string): Promise<{ replicaSet: string; pod: string; revision?: string; proxyImage?: string }[]> {
    const pods = await kube.list(`/api/v1/namespaces/${namespace}/pods?labelSelector=app%3D${app}`);
    return pods
        .filter((p) => p.metadata.deletionTimestamp === undefined)
        .map((p) => {
            const status = p.metadata.annotations?.["sidecar.istio.io/status"];
            return {
                replicaSet: p.metadata.ownerReferences?.[0]?.name,
                pod: p.metadata.name,
                revision: status ? JSON.parse(status).revision : undefined,
                proxyImage: p.spec.containers.find((c: KubeObject) => c.name === "istio-proxy")?.image,
            };
        })
        .sort((a, b) => a.pod.localeCompare(b.pod));
}
