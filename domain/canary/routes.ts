// Reading any VirtualService's routes, as the policy pack sees them: plain, possibly hand-written
// objects, so every field is treated as optional.

interface LooseDestination {
    host?: unknown;
    subset?: unknown;
}
interface LooseRouteDestination {
    destination?: LooseDestination;
    weight?: unknown;
}
interface LooseRoute {
    route?: unknown;
    mirror?: LooseDestination;
    mirrors?: unknown;
}

/** A route whose weights do not make 100%. */
export interface WeightProblem {
    /** `http[0]`, `tcp[1]`, `tls[0]`. */
    readonly path: string;
    /** `v1 90, v2 20` (subset, or host without one; `?` for a missing weight). */
    readonly weights: string;
    readonly sum: number;
    /** The rule broken, in words. */
    readonly problem: string;
}

const ROUTE_LISTS = ["http", "tcp", "tls"] as const;

function list(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

function destinationLabel(d: LooseDestination | undefined): string {
    return typeof d?.subset === "string" && d.subset !== "" ? d.subset : String(d?.host ?? "?");
}

/**
 * Weights of every route of a VirtualService spec: a lone destination without a weight takes all
 * traffic; otherwise each destination has an integer weight from 0 to 100, and they sum to 100.
 */
export function routeWeightProblems(spec: unknown): WeightProblem[] {
    const problems: WeightProblem[] = [];
    const s = (spec ?? {}) as Record<string, unknown>;
    for (const kind of ROUTE_LISTS) {
        list(s[kind]).forEach((r, i) => {
            const route = list((r as LooseRoute | null)?.route) as LooseRouteDestination[];
            if (route.length === 0 || (route.length === 1 && route[0]?.weight === undefined)) {
                return;
            }
            const weights = route.map((d) => d?.weight);
            const text = route.map((d) => `${destinationLabel(d?.destination)} ${d?.weight === undefined ? "?" : String(d.weight)}`).join(", ");
            const sum = weights.reduce<number>((a, w) => a + (typeof w === "number" ? w : 0), 0);
            const bad = weights.find((w) => typeof w !== "number" || !Number.isInteger(w) || w < 0 || w > 100);
            if (bad !== undefined || weights.includes(undefined)) {
                const missing = weights.includes(undefined);
                problems.push({ path: `${kind}[${i}]`, weights: text, sum, problem: missing ? "gives some destinations no weight" : `has weight ${String(bad)}, outside 0-100` });
            } else if (sum !== 100) {
                problems.push({ path: `${kind}[${i}]`, weights: text, sum, problem: `has weights that sum to ${sum}` });
            }
        });
    }
    return problems;
}

/** A destination that a route mirrors to and that also gets routed traffic. */
export interface MirrorRouted {
    readonly mirrorPath: string;
    readonly routePath: string;
    /** `reviews.shop.svc.cluster.local/v2`. */
    readonly destination: string;
    readonly weight: number;
}

/** `reviews` in namespace `shop` is `reviews.shop.svc.cluster.local`, as Istio resolves short names. */
export function qualifyHost(host: string, namespace: string): string {
    return host.includes(".") ? host : `${host}.${namespace}.svc.cluster.local`;
}

function destinationKey(d: LooseDestination | undefined, namespace: string): string | undefined {
    if (typeof d?.host !== "string") {
        return undefined;
    }
    const subset = typeof d.subset === "string" && d.subset !== "" ? `/${d.subset}` : "";
    return `${qualifyHost(d.host, namespace)}${subset}`;
}

/** Routed destinations: `key -> [path, weight]` for every destination with traffic (a lone one without weight has 100). */
function routedDestinations(spec: Record<string, unknown>, namespace: string): [string, string, number][] {
    const out: [string, string, number][] = [];
    list(spec.http).forEach((r, i) => {
        const route = list((r as LooseRoute | null)?.route) as LooseRouteDestination[];
        route.forEach((d, j) => {
            const weight = d?.weight === undefined && route.length === 1 ? 100 : typeof d?.weight === "number" ? d.weight : 0;
            const key = destinationKey(d?.destination, namespace);
            if (key !== undefined && weight > 0) {
                out.push([key, `http[${i}].route[${j}]`, weight]);
            }
        });
    });
    return out;
}

/** Mirror targets (`mirror`, `mirrors[].destination`) that some HTTP route of the same VirtualService sends traffic to. */
export function mirroredAndRouted(spec: unknown, namespace: string): MirrorRouted[] {
    const s = (spec ?? {}) as Record<string, unknown>;
    const routed = routedDestinations(s, namespace);
    const found: MirrorRouted[] = [];
    list(s.http).forEach((r, i) => {
        const rr = (r ?? {}) as LooseRoute;
        const mirrors: [string, LooseDestination | undefined][] = [[`http[${i}].mirror`, rr.mirror]];
        list(rr.mirrors).forEach((m, j) => mirrors.push([`http[${i}].mirrors[${j}]`, (m as { destination?: LooseDestination } | null)?.destination]));
        for (const [mirrorPath, d] of mirrors) {
            const key = destinationKey(d, namespace);
            for (const [routedKey, routePath, weight] of routed) {
                if (key !== undefined && key === routedKey) {
                    found.push({ mirrorPath, routePath, destination: key, weight });
                }
            }
        }
    });
    return found;
}

/** Whether any HTTP route sends traffic to `subset` (weight above 0, or a lone destination). */
export function routesToSubset(spec: unknown, subset: string): boolean {
    const s = (spec ?? {}) as Record<string, unknown>;
    return routedDestinations(s, "default").some(([key]) => key.endsWith(`/${subset}`));
}
