// Reading the stack's VirtualServices and Deployments the way the canary policies need them.
import { CANARY_ANNOTATIONS } from "../../../domain/canary";

/** Any Istio VirtualService, whatever its API version: `kubernetes:networking.istio.io/v1:VirtualService`. */
export function isVirtualService(type: string): boolean {
    return /^kubernetes:networking\.istio\.io\/v[0-9a-z]+:VirtualService$/.test(type);
}

export const DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment";

interface Meta {
    name?: string;
    namespace?: string;
    annotations?: Record<string, string>;
}

function metaOf(props: Record<string, unknown>): Meta {
    return (props.metadata as Meta | undefined) ?? {};
}

/** `namespace/name` as the manifest says, the resource name when it has no metadata name. */
export function objectName(r: { name: string; props: Record<string, unknown> }): string {
    const m = metaOf(r.props);
    return `${m.namespace ?? "default"}/${m.name ?? r.name}`;
}

export function namespaceOf(props: Record<string, unknown>): string {
    return metaOf(props).namespace ?? "default";
}

/** The markers CanaryRelease puts on its VirtualService; undefined for other VirtualServices. */
export interface CanaryMarkers {
    readonly task: string;
    readonly release: string;
    readonly traffic: string;
    readonly workload: string;
    readonly currentVersion: string;
    readonly newVersion: string;
    readonly stepsLeft?: number;
}

export function canaryMarkers(props: Record<string, unknown>): CanaryMarkers | undefined {
    const a = metaOf(props).annotations ?? {};
    const task = a[CANARY_ANNOTATIONS.task];
    if (task === undefined) {
        return undefined;
    }
    const steps = a[CANARY_ANNOTATIONS.stepsLeft];
    return {
        task,
        release: a[CANARY_ANNOTATIONS.release] ?? "",
        traffic: a[CANARY_ANNOTATIONS.traffic] ?? "",
        workload: a[CANARY_ANNOTATIONS.workload] ?? "",
        currentVersion: a[CANARY_ANNOTATIONS.currentVersion] ?? "",
        newVersion: a[CANARY_ANNOTATIONS.newVersion] ?? "",
        ...(steps !== undefined && /^\d+$/.test(steps) ? { stepsLeft: Number(steps) } : {}),
    };
}
