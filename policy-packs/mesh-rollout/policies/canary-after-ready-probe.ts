import { StackValidationPolicy } from "@pulumi/policy";
import { field, FieldProblem, isObject, isProblem, joinKey } from "../fields";
import { fieldViolation, isVirtualService, podOf, PolicyResource, readableDeployments, resourceLabel } from "../resources";
import { listSome, shown } from "../values";
import { CanaryMarkers, canaryMarkers, readVirtualService } from "../virtual-services";

/** The containers of a Deployment's pods: whether any has a readiness probe, and their names. */
function probes(r: PolicyResource): FieldProblem | { readonly probed: boolean; readonly names: string[] } {
    const pod = podOf(r);
    if (isProblem(pod)) {
        return pod;
    }
    const spec = pod?.spec;
    if (spec !== undefined && spec !== null && !isObject(spec)) {
        return new FieldProblem("spec.template.spec", spec, "a pod spec", '{"containers": [{"name": "reviews", "image": "reviews:2"}]}');
    }
    const containers = field(spec, "containers") ?? [];
    if (!Array.isArray(containers)) {
        return new FieldProblem("spec.template.spec.containers", containers, "a list of containers", '[{"name": "reviews", "image": "reviews:2"}]');
    }
    const names: string[] = [];
    let probed = false;
    for (let i = 0; i < containers.length; i++) {
        const c = containers[i];
        if (!isObject(c)) {
            return new FieldProblem(joinKey("spec.template.spec.containers", i), c, "a container", '{"name": "reviews", "image": "reviews:2"}');
        }
        const name = field(c, "name");
        names.push(typeof name === "string" ? shown(name) : `#${i + 1}`);
        probed ||= field(c, "readinessProbe") !== undefined && field(c, "readinessProbe") !== null;
    }
    return { probed, names };
}

/**
 * `afterReady` waits for the new pods to be ready; without a readiness probe a pod is ready as soon
 * as its containers start, so the wait proves nothing about the application.
 */
export const canaryAfterReadyProbe: StackValidationPolicy = {
    name: "mesh-rollout-canary-after-ready-probe",
    description: "Checks that a canary release switching traffic afterReady has a readiness probe on its new version's Deployment (advisory).",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const releases: { urn: string; markers: CanaryMarkers }[] = [];
        for (const r of args.resources) {
            const vs = isVirtualService(r.type) ? readVirtualService(r, true) : undefined;
            const markers = vs === undefined || "problem" in vs ? undefined : canaryMarkers(vs.metadata);
            if (vs !== undefined && "problem" in vs) {
                reportViolation(vs.problem, r.urn);
            } else if (markers?.release === "afterReady") {
                releases.push({ urn: r.urn, markers });
            }
        }
        if (releases.length === 0) {
            return;
        }
        const deployments = new Map<string, PolicyResource>(readableDeployments(args.resources, reportViolation).map((d) => [`${d.namespace}/${d.metadata.name}`, d.r]));
        for (const { urn, markers } of releases) {
            const deployment = deployments.get(markers.workload);
            if (deployment === undefined) {
                continue;
            }
            const found = probes(deployment);
            if (isProblem(found)) {
                reportViolation(fieldViolation(resourceLabel(deployment), found), deployment.urn);
            } else if (!found.probed) {
                const task = shown(markers.task);
                const workload = shown(markers.workload);
                reportViolation(
                    `Canary ${task} switches traffic afterReady, so Deployment ${workload} must have a readiness probe: without one its pods are ready as soon as their containers start, and traffic moves before the application can serve. Add a readinessProbe (e.g. httpGet /ready) to ${found.names.length > 0 ? `container ${listSome(found.names, " or ")}` : "its container"}, or release immediate.`,
                    urn,
                );
            }
        }
    },
};
