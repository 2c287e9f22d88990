import { StackValidationPolicy } from "@pulumi/policy";
import { canaryMarkers, DEPLOYMENT_TYPE, isVirtualService, objectName } from "./canary-resources";

interface PodContainers {
    spec?: { template?: { spec?: { containers?: { name?: string; readinessProbe?: unknown }[] } } };
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
        const deployments = new Map(args.resources.filter((r) => r.type === DEPLOYMENT_TYPE).map((r) => [objectName(r), r]));
        for (const vs of args.resources) {
            const markers = isVirtualService(vs.type) ? canaryMarkers(vs.props) : undefined;
            const deployment = markers?.release === "afterReady" ? deployments.get(markers.workload) : undefined;
            if (markers === undefined || deployment === undefined) {
                continue;
            }
            const containers = (deployment.props as PodContainers).spec?.template?.spec?.containers ?? [];
            if (!containers.some((c) => c.readinessProbe !== undefined)) {
                reportViolation(
                    `Canary ${markers.task} switches traffic afterReady, so Deployment ${markers.workload} must have a readiness probe: without one its pods are ready as soon as their containers start, and traffic moves before the application can serve. Add a readinessProbe to container ${containers.map((c) => c.name).join(" or ")}, or release immediate.`,
                    vs.urn,
                );
            }
        }
    },
};
