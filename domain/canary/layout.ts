// What a canary release amounts to at one update: subsets, routes, ordering, and the markers the
// policy pack reads. Pure data in Istio's shapes; components/canary-objects.ts renders it.
import { CanarySpec, deploymentNameOf } from "./spec";
import { cookieRegex, RequestMatchSpec, SessionAffinitySpec, StringMatch } from "./traffic";

/** Annotations on the VirtualService that let policies judge a release from its resources alone. */
export const CANARY_ANNOTATIONS = {
    task: "mesh-rollout.io/canary",
    release: "mesh-rollout.io/release-strategy",
    traffic: "mesh-rollout.io/traffic",
    workload: "mesh-rollout.io/workload",
    currentVersion: "mesh-rollout.io/current-version",
    newVersion: "mesh-rollout.io/new-version",
    stepsLeft: "mesh-rollout.io/canary-steps-left",
} as const;

/** What the routes express: the traffic kind, refined (`canary-weight`, `canary-match`), or `promoted`. */
export type RoutedTraffic = "blueGreen" | "canary-weight" | "canary-match" | "mirror" | "promoted";

export interface IstioDestination {
    host: string;
    subset: string;
    port?: { number: number };
}
export interface IstioRouteDestination {
    destination: IstioDestination;
    weight: number;
    /** Header changes for this destination; a sticky canary adds its `Set-Cookie` to the new version's answers. */
    headers?: { response: { add: Record<string, string> } };
}
export interface IstioHttpMatch {
    headers?: Record<string, StringMatch>;
    uri?: StringMatch;
}
/** A DestinationRule subset's traffic policy: a sticky canary hashes the new version's pods on a cookie. */
export interface IstioSubsetTrafficPolicy {
    loadBalancer: { consistentHash: { httpCookie: { name: string; path: string; ttl: string } } };
}
export interface IstioHttpRoute {
    match?: IstioHttpMatch[];
    route: IstioRouteDestination[];
    mirror?: IstioDestination;
    mirrorPercentage?: { value: number };
}

export interface CanaryLayout {
    readonly taskName: string;
    readonly namespace: string;
    /** The Service: also the name of the DestinationRule and the VirtualService. */
    readonly service: string;
    readonly app: string;
    readonly host: string;
    readonly currentVersion: string;
    readonly newVersion: string;
    readonly deploymentName: string;
    /** DestinationRule subsets, one per version that exists at this update (named after its version label). */
    readonly subsets: readonly string[];
    /** Traffic policies of some subsets, by subset name (a sticky canary's new version). */
    readonly subsetPolicies: Readonly<Record<string, IstioSubsetTrafficPolicy>>;
    /** VirtualService `http` routes. While `keepAppliedRoutes`, they are used only when the VirtualService is created. */
    readonly http: readonly IstioHttpRoute[];
    readonly hosts: readonly string[];
    /** VirtualService `gateways`; absent without a gateway binding (Istio's default: the mesh). */
    readonly gateways?: readonly string[];
    readonly traffic: RoutedTraffic;
    /** `paused`: the routes last applied stay (all traffic to the current version when first created). */
    readonly keepAppliedRoutes: boolean;
    /** `afterReady`: the route change waits until the new version's Deployment is ready. */
    readonly routesWaitForReady: boolean;
    /** Promotion removes a subset: the DestinationRule changes after the VirtualService stops using it. */
    readonly subsetsAfterRoutes: boolean;
    /** Weighted canaries: steps after the current one (0 for a single weight). */
    readonly stepsLeft?: number;
    readonly annotations: Readonly<Record<string, string>>;
    /** The routing in words, e.g. `canary step 2 of 3: v1 50%, v2 50%`. */
    readonly routing: string;
}

/** The layout of a validated canary release (see docs/canary-release.md for the table). */
export function layoutCanary(spec: CanarySpec): CanaryLayout {
    const app = spec.service.app ?? spec.service.name;
    const host = spec.service.host ?? `${spec.service.name}.${spec.namespace}.svc.cluster.local`;
    const oldV = spec.service.currentVersion;
    const newV = spec.newVersion.version;
    const dest = (subset: string): IstioDestination => ({ host, subset, ...(spec.service.port !== undefined ? { port: { number: spec.service.port } } : {}) });
    const all = (subset: string): IstioHttpRoute[] => [{ route: [{ destination: dest(subset), weight: 100 }] }];
    const split = (toNew: number): IstioHttpRoute[] => [
        {
            route: [
                { destination: dest(oldV), weight: 100 - toNew },
                { destination: dest(newV), weight: toNew },
            ],
        },
    ];
    /**
     * Sticky: requests carrying the cookie go to the new version first; on the weighted route the new
     * version's answers set it. At 0% there is no cookie route: nobody is sent to the new version, not
     * even users who reached it at an earlier step (a weight set back to 0 is a rollback).
     */
    const stickySplit = (toNew: number, s: SessionAffinitySpec): IstioHttpRoute[] => {
        if (toNew === 0) {
            return split(0);
        }
        const setCookie = { response: { add: { "Set-Cookie": `${s.cookieName}=${newV}; Max-Age=${s.ttlSeconds}; Path=/` } } };
        return [
            { match: [{ headers: { cookie: { regex: cookieRegex(s.cookieName, { exact: newV }) } } }], route: [{ destination: dest(newV), weight: 100 }] },
            {
                route: [
                    { destination: dest(oldV), weight: 100 - toNew },
                    { destination: dest(newV), weight: toNew, headers: setCookie },
                ],
            },
        ];
    };

    const t = spec.traffic;
    let traffic: RoutedTraffic;
    let http: IstioHttpRoute[];
    let routing: string;
    let stepsLeft: number | undefined;
    let sticky: SessionAffinitySpec | undefined;
    if (spec.promote) {
        traffic = "promoted";
        http = all(newV);
        routing = `promoted: ${newV} 100%`;
    } else {
        switch (t.kind) {
            case "blueGreen": {
                const to = t.serve === "new" ? newV : oldV;
                traffic = "blueGreen";
                http = all(to);
                routing = `blue-green: ${to} 100%`;
                break;
            }
            case "canary":
                if (t.match !== undefined) {
                    traffic = "canary-match";
                    http = [{ match: t.match.map(istioMatch), route: [{ destination: dest(newV), weight: 100 }] }, ...all(oldV)];
                    routing = `canary by request: ${t.match.length} match ${t.match.length === 1 ? "rule" : "rules"} -> ${newV}, other requests -> ${oldV}`;
                } else {
                    const steps = t.steps ?? [t.weight ?? 0];
                    const step = t.steps !== undefined ? (t.step ?? 0) : 0;
                    const toNew = steps[step];
                    traffic = "canary-weight";
                    sticky = t.sessionAffinity;
                    http = sticky !== undefined ? stickySplit(toNew, sticky) : split(toNew);
                    stepsLeft = steps.length - 1 - step;
                    routing = `canary${t.steps !== undefined ? ` step ${step + 1} of ${steps.length}` : ""}: ${oldV} ${100 - toNew}%, ${newV} ${toNew}%`;
                    if (sticky !== undefined) {
                        routing += `, sticky by cookie ${sticky.cookieName} ${toNew > 0 ? `for ${sticky.ttlSeconds}s` : `(off while ${newV} has 0%)`}`;
                    }
                }
                break;
            case "mirror":
                traffic = "mirror";
                http = [{ ...all(oldV)[0], mirror: dest(newV), mirrorPercentage: { value: t.percentage } }];
                routing = `mirror: ${oldV} 100%, copy of ${t.percentage}% to ${newV}`;
                break;
            default: {
                const never: never = t;
                throw new Error(`unknown traffic kind ${JSON.stringify(never)}`);
            }
        }
    }
    const paused = spec.release === "paused";
    if (paused) {
        http = all(oldV);
        routing = `paused: routes kept as last applied (${oldV} 100% when first created); intended ${routing}`;
    }

    const deploymentName = deploymentNameOf(spec);
    const annotations: Record<string, string> = {
        [CANARY_ANNOTATIONS.task]: spec.taskName,
        [CANARY_ANNOTATIONS.release]: spec.release,
        [CANARY_ANNOTATIONS.traffic]: traffic,
        [CANARY_ANNOTATIONS.workload]: `${spec.namespace}/${deploymentName}`,
        [CANARY_ANNOTATIONS.currentVersion]: oldV,
        [CANARY_ANNOTATIONS.newVersion]: newV,
        ...(stepsLeft !== undefined ? { [CANARY_ANNOTATIONS.stepsLeft]: String(stepsLeft) } : {}),
    };
    const g = spec.gateway;
    return {
        taskName: spec.taskName,
        namespace: spec.namespace,
        service: spec.service.name,
        app,
        host,
        currentVersion: oldV,
        newVersion: newV,
        deploymentName,
        subsets: spec.promote ? [newV] : [oldV, newV],
        subsetPolicies: sticky !== undefined ? { [newV]: podAffinity(sticky) } : {},
        http,
        hosts: g === undefined ? [host] : g.includeMesh ? [host, ...g.hosts] : [...g.hosts],
        ...(g !== undefined ? { gateways: g.includeMesh ? [...g.gateways, "mesh"] : [...g.gateways] } : {}),
        traffic,
        keepAppliedRoutes: paused,
        routesWaitForReady: spec.release === "afterReady",
        subsetsAfterRoutes: spec.promote,
        ...(stepsLeft !== undefined ? { stepsLeft } : {}),
        annotations,
        routing,
    };
}

/** The name of the cookie a sticky canary's new version hashes its pods on (Envoy sets it). */
export function podCookieName(cookieName: string): string {
    return `${cookieName}-pod`;
}

/**
 * A sticky user also stays on one pod of the new version: its subset hashes on a cookie that the
 * caller's proxy sets when missing. Not the routing cookie: that one holds the same value (the version)
 * for every sticky user, which would hash them all onto one pod, and the proxy's own `Set-Cookie` of
 * that name would overwrite it. The ttl in seconds is the form Istio reads (a protobuf Duration).
 */
function podAffinity(s: SessionAffinitySpec): IstioSubsetTrafficPolicy {
    return { loadBalancer: { consistentHash: { httpCookie: { name: podCookieName(s.cookieName), path: "/", ttl: `${s.ttlSeconds}s` } } } };
}

/** Request parameters as Istio matches them; cookies become a regex on the `cookie` header. */
function istioMatch(m: RequestMatchSpec): IstioHttpMatch {
    const headers: Record<string, StringMatch> = { ...(m.headers ?? {}) };
    for (const [name, match] of Object.entries(m.cookies ?? {})) {
        headers.cookie = { regex: cookieRegex(name, match) };
    }
    return {
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        ...(m.uri !== undefined ? { uri: m.uri } : {}),
    };
}
