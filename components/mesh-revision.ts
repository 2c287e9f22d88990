import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MESH_REVISION_TYPE } from "../provider";
import { GatewayLayout, isLocalChartPath, layoutMesh, ledgerStateOf, MeshInstall, MeshLayout, MeshSpec, MeshSpecInput, parseMeshRevisionArgs } from "../domain";
import { dataPlaneWords, podsOnRevision } from "../domain/data-plane";
import type { AnalysisInput } from "../domain/analysis";
import { prometheusCredentials, verdictOutput } from "./analysis";
import type { HooksInput } from "../domain/hooks";
import { MeshStageApplied, MeshUpgradeLedger } from "./ledger";
import { NamespaceInjectionSwap } from "./namespace-swap";
import { gatewayObjects, injectionEndpoint, PATCH_FORCE, revisionTagWebhook, RESTART_ANNOTATION } from "./mesh-objects";

export { MESH_REVISION_TYPE } from "../provider";

/** Where the istiod chart comes from. Defaults to Istio's published `istiod` chart at the revision's version. */
export interface IstiodChartArgs {
    /** Chart name or local path. @default "istiod" */
    readonly chart?: string;
    /** Chart repository. @default "https://istio-release.storage.googleapis.com/charts" */
    readonly repository?: string;
    /** Chart version. @default the revision's Istio version */
    readonly version?: string;
    /**
     * Extra values, merged under the ones mesh-rollout sets (`revision`, `global.tag`, `global.istioNamespace`).
     * With `istiodRemote.injectionURL` (and `istiodRemote.injectionCABundle`), an injector reached by URL, as
     * for an external control plane, the revision tags call that URL too, as `istioctl tag generate` does.
     */
    readonly values?: pulumi.Input<Record<string, unknown>>;
}

/**
 * Arguments of {@link MeshRevision}. Everything that decides the shape of the mesh at a stage is a
 * plain value (stack config, typically): versions, stage, namespaces, gateways and tags.
 */
export interface MeshRevisionArgs extends MeshSpecInput {
    /**
     * `install`: this stack installs istiod per revision (Helm chart, rendered by Pulumi). `managed`: a
     * cloud runs the control plane (ASM, Tencent Cloud Mesh); only the data-plane bindings are managed.
     * @default "install"
     */
    readonly mode?: "install" | "managed";
    /** The istiod chart (install mode). */
    readonly chart?: IstiodChartArgs;
    /** Create the control-plane namespace. @default true in install mode, false in managed mode */
    readonly createIstioNamespace?: boolean;
    /**
     * Safety checks against the live cluster: during an upgrade, the ledger's provider reads the pods of the
     * mesh's namespaces with `kubeconfig` (a file path; read access to pods) at every preview and update, and
     * the policy pack refuses finalize while any pod runs the old revision's sidecar, naming the pods and
     * the restart to do. Without a kubeconfig (render mode) the data plane is "not verified", and
     * `finalizeGate` decides: `warn` (the default then) or `refuse`. With one, a failed read refuses unless
     * `finalizeGate: "warn"`.
     */
    readonly liveCheck?: { readonly kubeconfig?: string; readonly finalizeGate?: "refuse" | "warn" };
    /**
     * Metric analysis before `finalize` (seed 001's "verify the upgrade"): checks, each a PromQL query
     * (or the template `request-success-rate` / `request-duration` on Istio's metrics for the mesh's
     * namespaces) with `min`/`max` over a `window`. The queries run against Prometheus when finalize is
     * previewed and applied; the policy `mesh-rollout-analysis-passed` refuses finalize when a check fails
     * or no data came back. Prometheus's address: `prometheus.address` or the stack config
     * `mesh-rollout:prometheusAddress`; credentials only from secret stack config
     * (`mesh-rollout:prometheusBearerToken`, or `prometheusUsername` and `prometheusPassword`).
     * Without an address the gate is "not verified": `whenUnverified` warns (the default then) or refuses.
     */
    readonly analysis?: AnalysisInput;
    /**
     * HTTP hooks around each stage (Flagger's pre-rollout / confirm-promotion and post-rollout): every `pre`
     * hook of the stage requested is POSTed `{ mesh, phase: "pre-stage", stage, version, to, state }` when the
     * stage is previewed and applied, and the policy `mesh-rollout-hooks-passed` refuses the stage unless each
     * answers 200 within its `timeoutSeconds` (default 10). `post` hooks get `{ ..., phase: "post-stage",
     * applied }` once every child of the stage is applied; a failure fails the update, naming the hook and its
     * answer. `stages` limits a hook to some stages (default: all).
     */
    readonly hooks?: HooksInput;
}

export const ISTIO_CHARTS_REPO = "https://istio-release.storage.googleapis.com/charts";

/**
 * One Istio control-plane revision and everything bound to it, upgraded as a canary over ordered
 * stack updates (`upgrade.stage`: controlPlane -> dataPlane -> finalize, or rollback).
 */
export class MeshRevision extends pulumi.ComponentResource {
    /** Revisions installed at this stage. */
    readonly revisions: pulumi.Output<string[]>;
    /** Tag -> revision at this stage. */
    readonly tags: pulumi.Output<Record<string, string>>;
    /** Namespaces, gateways and tags still on the old revision while a newer one is installed. */
    readonly stillOnOldRevision: pulumi.Output<string[]>;
    /** The stage applied (`none` without an upgrade). */
    readonly stage: pulumi.Output<string>;
    /** The planner's verdict on the declared upgrade, in words. */
    readonly plan: pulumi.Output<string | undefined>;
    /** Pods of the mesh's namespaces still running the old revision's sidecar (`namespace/pod (owner)`), as read from the cluster. */
    readonly podsOnOldRevision: pulumi.Output<string[]>;
    /** The live data plane in words (`3 pods still run 1-12-4: ... restart Deployment/cart`), or why it is not verified. */
    readonly dataPlane: pulumi.Output<string>;
    /** The metric analysis before finalize in words (each check's value and threshold), or why there is none. */
    readonly analysis: pulumi.Output<string>;

    constructor(name: string, args: MeshRevisionArgs, opts?: pulumi.ComponentResourceOptions) {
        // Every argument is checked (and the layout decided) before anything is registered: a refused
        // input leaves nothing in the plan, not even this component.
        const config = new pulumi.Config("mesh-rollout");
        const { spec, install } = parseMeshRevisionArgs(args, "args", { prometheusAddress: config.get("prometheusAddress") });
        const layout = layoutMesh(spec, "args");
        super(MESH_REVISION_TYPE, name, {}, opts);
        const mode = install.mode;
        if (layout.plan !== undefined && !layout.plan.allowed) {
            // The policy pack refuses this; without it, say so loudly rather than fail the program.
            pulumi.log.warn(`mesh-rollout: ${layout.plan.reason} (the mesh-rollout policy pack refuses this upgrade).`, this);
        }
        // The ledger goes first and every child waits for it: its policies (stage order, version jump)
        // then judge the update before any child is touched, even in an update that skips the preview.
        const state = ledgerStateOf(spec, layout, mode);
        const analysis = install.analysis && { spec: install.analysis, credentials: prometheusCredentials(config) };
        const ledger = new MeshUpgradeLedger(`${name}-ledger`, { mesh: name, state, liveCheck: install.liveCheck, analysis, hooks: install.hooks }, { parent: this });
        const children = createMeshChildren(this, name, spec, layout, { ...install, ledger });
        // The stage counts as applied only once every child is: this record goes last.
        new MeshStageApplied(`${name}-applied`, { mesh: name, state, hooks: install.hooks }, { parent: this, dependsOn: [ledger, ...children] });

        this.revisions = pulumi.output(layout.revisions.map((r) => r.name));
        this.tags = pulumi.output({ ...layout.tags });
        this.stillOnOldRevision = pulumi.output([...layout.onOldRevision]);
        this.stage = pulumi.output(layout.stage);
        this.plan = pulumi.output(layout.plan?.reason);
        const tags = { ...layout.tags };
        this.podsOnOldRevision = ledger.observed.apply((o) =>
            o === null || o === undefined ? [] : podsOnRevision(o.pods, layout.oldRevision, tags).map((p) => `${p.namespace}/${p.name} (${p.owner})`),
        );
        this.dataPlane = ledger.observed.apply((o) =>
            o === null || o === undefined ? "no upgrade under way: the data plane is not judged" : dataPlaneWords(o, layout.oldRevision, layout.newRevision ?? null, tags),
        );
        this.analysis = analysis ? verdictOutput(ledger.verdict, this, "no analysis at this stage: it runs before finalize") : pulumi.output("no analysis configured");
        this.registerOutputs({
            analysis: this.analysis,
            revisions: this.revisions,
            tags: this.tags,
            stillOnOldRevision: this.stillOnOldRevision,
            stage: this.stage,
            plan: this.plan,
            podsOnOldRevision: this.podsOnOldRevision,
            dataPlane: this.dataPlane,
        });
    }
}

interface ChildOptions extends MeshInstall {
    readonly ledger: pulumi.Resource;
}

/** Creates the mesh's Kubernetes objects for its layout, each after the ledger. */
function createMeshChildren(parent: pulumi.Resource, name: string, spec: MeshSpec, layout: MeshLayout, o: ChildOptions): pulumi.Resource[] {
    const children: pulumi.Resource[] = [];
    const opts = { parent, dependsOn: [o.ledger] };
    let istioNs: pulumi.Resource | undefined;
    if (o.createIstioNamespace) {
        istioNs = new k8s.core.v1.Namespace(`${name}-${spec.istioNamespace}`, { metadata: { name: spec.istioNamespace } }, opts);
        children.push(istioNs);
    }
    const afterNs = { parent, dependsOn: istioNs ? [o.ledger, istioNs] : [o.ledger] };
    // Make before break: whatever sends pods to a revision (a tag, a namespace label, a gateway) waits for
    // that revision's control plane (its chart: istiod Ready and its injector webhook), and for the tag
    // it names, so that no pod meets a revision that is not serving yet.
    const controlPlanes = new Map<string, pulumi.Resource>();
    const tagWebhooks = new Map<string, pulumi.Resource>();
    const servedBy = (revision: string, revLabel: string): pulumi.Resource[] =>
        [o.ledger, controlPlanes.get(revision), tagWebhooks.get(revLabel)].filter((r): r is pulumi.Resource => r !== undefined);
    if (o.mode === "install") {
        for (const rev of layout.revisions) {
            const values = pulumi.output((o.chart?.values ?? {}) as pulumi.Input<Record<string, unknown>>).apply((user) => ({
                ...user,
                revision: rev.name,
                global: { ...((user.global as Record<string, unknown> | undefined) ?? {}), tag: rev.version, istioNamespace: spec.istioNamespace },
            }));
            const local = o.chart?.chart !== undefined && isLocalChartPath(o.chart.chart);
            const chart = new k8s.helm.v4.Chart(
                `${name}-istiod-${rev.name}`,
                {
                    chart: o.chart?.chart ?? "istiod",
                    ...(local ? {} : { repositoryOpts: { repo: o.chart?.repository ?? ISTIO_CHARTS_REPO }, version: o.chart?.version ?? rev.version }),
                    namespace: spec.istioNamespace,
                    values,
                },
                // (Pulumi's mocked runtime has no transforms; every engine this package supports has.)
                { ...afterNs, transforms: pulumi.runtime.hasEngine() ? [forceChartPatches] : [] },
            );
            controlPlanes.set(rev.name, chart);
            children.push(chart);
        }
        const injection = pulumi.output(o.chart?.values ?? {}).apply(injectionEndpoint);
        for (const [tag, revision] of Object.entries(layout.tags)) {
            const { metadata } = revisionTagWebhook(tag, revision, spec.istioNamespace);
            const webhooks = injection.apply((i) => revisionTagWebhook(tag, revision, spec.istioNamespace, i).webhooks);
            const webhook = new k8s.admissionregistration.v1.MutatingWebhookConfiguration(
                `${name}-tag-${tag}`,
                { metadata, webhooks },
                { parent, dependsOn: servedBy(revision, revision) },
            );
            tagWebhooks.set(tag, webhook);
            children.push(webhook);
        }
    }
    for (const ns of layout.namespaces) {
        let nsOpts = { parent, dependsOn: servedBy(ns.revision, ns.labels["istio.io/rev"] ?? ns.revision) };
        const kubeconfig = o.liveCheck?.kubeconfig;
        if (!ns.create && kubeconfig !== undefined) {
            // An existing namespace may carry istio-injection, which would silently win over istio.io/rev
            // (seed 002): swapped in one patch first, when the revision serves.
            const swap = new NamespaceInjectionSwap(`${name}-swap-${ns.name}`, { namespace: ns.name, revLabel: ns.labels["istio.io/rev"], kubeconfig }, nsOpts);
            children.push(swap);
            nsOpts = { parent, dependsOn: [...nsOpts.dependsOn, swap] };
        }
        // The binding (istio.io/rev and the extra labels) is a server-side-apply patch: removing the
        // namespace from the mesh deletes the patch, which removes exactly these labels and keeps the
        // Namespace. (A patch creates the namespace if it does not exist yet.)
        // (An existing namespace's patch keeps the name it always had; a created one's is new beside it.)
        const bindName = ns.create ? `${name}-bind-${ns.name}` : `${name}-ns-${ns.name}`;
        const bindArgs = { metadata: { name: ns.name, labels: ns.labels, annotations: { ...PATCH_FORCE } } };
        if (ns.create) {
            // The Namespace this mesh created, without labels: the binding patch after it holds them (and,
            // rendering to a folder, writes the namespace's file last, labels included). On removal the patch
            // goes first; the Namespace is kept unless deleteWhenRemoved (a patch applied to a deleted
            // namespace would create it again). Its labels are ignored: a Namespace made by 0.2.0 carried
            // them, and dropping them before the patch holds them would unbind it for a moment.
            const namespace = new k8s.core.v1.Namespace(
                `${name}-ns-${ns.name}`,
                { metadata: { name: ns.name } },
                { parent, dependsOn: [o.ledger], retainOnDelete: !ns.deleteWhenRemoved, ignoreChanges: ["metadata.labels"] },
            );
            children.push(namespace);
            nsOpts = { parent, dependsOn: [...nsOpts.dependsOn, namespace] };
        }
        const binding = new k8s.core.v1.NamespacePatch(bindName, bindArgs, nsOpts);
        children.push(binding);
        for (const workload of ns.restart) {
            const patch = {
                metadata: { name: workload.name, namespace: ns.name, annotations: { ...PATCH_FORCE } },
                spec: { template: { metadata: { annotations: { [RESTART_ANNOTATION]: ns.revision } } } },
            };
            // Kept when the upgrade ends: removing the annotation would restart the pods once more.
            const restartOpts = { parent, dependsOn: [o.ledger, binding], retainOnDelete: true };
            // A Deployment keeps the resource name it had when `restart` took only Deployment names.
            const id = `${name}-restart-${ns.name}-${workload.kind === "Deployment" ? "" : `${workload.kind.toLowerCase()}-`}${workload.name}`;
            children.push(
                workload.kind === "StatefulSet"
                    ? new k8s.apps.v1.StatefulSetPatch(id, patch, restartOpts)
                    : workload.kind === "DaemonSet"
                      ? new k8s.apps.v1.DaemonSetPatch(id, patch, restartOpts)
                      : new k8s.apps.v1.DeploymentPatch(id, patch, restartOpts),
            );
        }
    }
    for (const gw of layout.gateways) {
        children.push(...createGateway(parent, name, gw, o.ledger, servedBy(gw.revision, gw.revLabel)));
    }
    return children;
}

/** Marks every Kubernetes object of the chart with {@link PATCH_FORCE} (the chart has no value for it). */
export const forceChartPatches: pulumi.ResourceTransform = (args) => {
    const metadata = args.props.metadata as Record<string, unknown> | undefined;
    if (!args.custom || !args.type.startsWith("kubernetes:") || metadata === undefined || typeof metadata !== "object") return undefined;
    const annotations = { ...((metadata.annotations as Record<string, string> | undefined) ?? {}), ...PATCH_FORCE };
    return { props: { ...args.props, metadata: { ...metadata, annotations } }, opts: args.opts };
};

function createGateway(parent: pulumi.Resource, name: string, gw: GatewayLayout, ledger: pulumi.Resource, served: pulumi.Resource[]): pulumi.Resource[] {
    const objects = gatewayObjects(gw);
    const base = `${name}-gateway-${gw.namespace}-${gw.name}`;
    const sa = new k8s.core.v1.ServiceAccount(base, objects.serviceAccount, { parent, dependsOn: [ledger] });
    const deployment = new k8s.apps.v1.Deployment(base, objects.deployment, { parent, dependsOn: [...served, sa] });
    const service = new k8s.core.v1.Service(base, objects.service, { parent, dependsOn: [ledger] });
    return [sa, deployment, service];
}
