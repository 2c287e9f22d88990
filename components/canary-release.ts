import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CANARY_RELEASE_TYPE } from "../provider";
import { assertArgsObject } from "../domain";
import { CanaryLayout, layoutCanary, parseCanarySpec } from "../domain/canary";
import { canaryDeployment, destinationRule, virtualService } from "./canary-objects";
import { AnalysisInput, AnalysisSpec, CanaryProgress, defaultRouteShare, parseAnalysis } from "../domain/analysis";
import { prometheusCredentials, verdictOutput } from "./analysis";
import { CanaryProgressRecord } from "./ledger";
import { CanaryReleaseInput, extractSecretEnv, SecretEnv } from "./canary-secret-env";

export { CANARY_RELEASE_TYPE } from "../provider";

/**
 * Arguments of {@link CanaryRelease}: KubeSphere's canary release task (seed 003) as plain values,
 * typically from stack config. See docs/canary-release.md for every setting and its default.
 */
export type CanaryReleaseArgs = CanaryReleaseInput & {
    /**
     * Metric analysis before the next weight step (a larger share for the new version) and before promotion,
     * once the new version has had traffic: checks as MeshRevision's (`request-success-rate` and
     * `request-duration` measure the new version's Deployment). The queries run against the Prometheus of
     * `mesh-rollout:prometheusAddress` when the change is previewed and applied; `mesh-rollout-analysis-passed`
     * refuses the change while a check fails. The routes wait for its record.
     */
    readonly analysis?: AnalysisInput;
};

/**
 * One service's release of a new version beside its current one: the new version's Deployment, an
 * Istio DestinationRule with a subset per version, and a VirtualService with the routes of the
 * chosen kind (blue-green, weighted or request-parameter canary, mirroring) or of a promotion.
 * Each change of weight, step or kind is one stack update.
 */
export class CanaryRelease extends pulumi.ComponentResource {
    /** The routing this update asks for, in words (`canary step 2 of 3: v1 50%, v2 50%`). */
    readonly routing: pulumi.Output<string>;
    /** Versions with a subset in the DestinationRule. */
    readonly subsets: pulumi.Output<string[]>;
    /** What the routes express: blueGreen, canary-weight, canary-match, mirror or promoted. */
    readonly traffic: pulumi.Output<string>;
    /** The new version's Deployment. */
    readonly deploymentName: pulumi.Output<string>;
    /** The metric analysis before this change in words, or why there is none. */
    readonly analysis: pulumi.Output<string>;

    constructor(name: string, args: CanaryReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validated before registering, so that a refused release leaves nothing behind in the plan.
        assertArgsObject(
            args,
            "args",
            "CanaryRelease",
            '{ namespace: "shop", service: { name: "reviews", currentVersion: "v1" }, newVersion: { version: "v2", containers: [...] }, traffic: { kind: "canary", weight: 20 } }',
        );
        const { analysis: analysisArgs, ...releaseArgs } = args;
        const { args: plain, secret } = extractSecretEnv(releaseArgs);
        const spec = parseCanarySpec({ ...(plain as object), taskName: args.taskName ?? name }, "args");
        const layout = layoutCanary(spec);
        const config = new pulumi.Config("mesh-rollout");
        const analysisSpec: AnalysisSpec | undefined =
            analysisArgs === undefined
                ? undefined
                : parseAnalysis(analysisArgs, "args.analysis", { namespaces: [layout.namespace], workload: layout.deploymentName }, config.get("prometheusAddress"));
        super(CANARY_RELEASE_TYPE, name, {}, opts);
        const progress: CanaryProgress = { newVersion: layout.newVersion, traffic: layout.traffic, newShare: defaultRouteShare(layout.http, layout.newVersion) };
        const record =
            analysisSpec === undefined
                ? undefined
                : new CanaryProgressRecord(
                      `${name}-progress`,
                      { key: `${layout.namespace}/${layout.service}`, state: progress, analysis: { spec: analysisSpec, credentials: prometheusCredentials(config) } },
                      { parent: this },
                  );
        createCanaryChildren(this, name, layout, canaryDeployment(spec, layout), secret, record);
        this.analysis =
            record === undefined
                ? pulumi.output("no analysis configured")
                : verdictOutput(record.verdict, this, "no analysis for this change: it runs before a larger share and before promotion, once the new version has had traffic");

        this.routing = pulumi.output(layout.routing);
        this.subsets = pulumi.output([...layout.subsets]);
        this.traffic = pulumi.output(layout.traffic);
        this.deploymentName = pulumi.output(layout.deploymentName);
        this.registerOutputs({ routing: this.routing, subsets: this.subsets, traffic: this.traffic, deploymentName: this.deploymentName, analysis: this.analysis });
    }
}

/**
 * The order of the children is the release strategy:
 * - the VirtualService comes after the DestinationRule, so a new subset exists before a route uses it;
 * - on promotion the DestinationRule comes after the VirtualService, so the old subset is removed only
 *   once no route uses it (make before break);
 * - `afterReady`: the VirtualService also waits for the Deployment, whose update the Kubernetes
 *   provider awaits until the new pods are ready;
 * - `paused`: the VirtualService keeps the routes last applied (`ignoreChanges` on `spec.http`).
 */
function createCanaryChildren(
    parent: pulumi.Resource,
    name: string,
    layout: CanaryLayout,
    deploymentObject: ReturnType<typeof canaryDeployment>,
    secret?: SecretEnv,
    gate?: pulumi.Resource,
): void {
    // With an analysis, the routes and subsets wait for its record: the policy judges it first.
    const gated = gate === undefined ? [] : [gate];
    // Output env values live in a Secret the Deployment references; it exists before the pods start.
    const envSecret =
        secret === undefined
            ? undefined
            : new k8s.core.v1.Secret(
                  `${name}-env`,
                  {
                      metadata: { name: secret.secretName, namespace: layout.namespace, labels: { app: layout.app, "app.kubernetes.io/managed-by": "mesh-rollout" } },
                      type: "Opaque",
                      stringData: secret.data,
                  },
                  { parent },
              );
    const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, deploymentObject, { parent, ...(envSecret !== undefined ? { dependsOn: [envSecret] } : {}) });
    const waitFor = [...(layout.routesWaitForReady ? [deployment] : []), ...gated];
    const routeOpts = (dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions => ({
        parent,
        dependsOn,
        ...(layout.keepAppliedRoutes ? { ignoreChanges: ["spec.http"] } : {}),
    });
    if (layout.subsetsAfterRoutes) {
        const vs = new k8s.apiextensions.CustomResource(`${name}-virtualservice`, virtualService(layout), routeOpts(waitFor));
        new k8s.apiextensions.CustomResource(`${name}-destinationrule`, destinationRule(layout), { parent, dependsOn: [vs, ...gated] });
    } else {
        const dr = new k8s.apiextensions.CustomResource(`${name}-destinationrule`, destinationRule(layout), { parent, dependsOn: gated });
        new k8s.apiextensions.CustomResource(`${name}-virtualservice`, virtualService(layout), routeOpts([dr, ...waitFor]));
    }
}
