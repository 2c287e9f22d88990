// Reading any VirtualService the way the canary policies need it: its name, CanaryRelease's markers,
// and routes whose fields have the types the route rules read (checked before they are judged).
import { CANARY_ANNOTATIONS } from "../../domain/canary";
import { field, FieldProblem, isObject, isProblem, joinKey, Read, Path } from "./fields";
import { fieldViolation, Metadata, PolicyResource, readMetadata, resourceLabel } from "./resources";
import { shown } from "./values";

const CANARY_KEYS = Object.values(CANARY_ANNOTATIONS);

export interface VirtualServiceView {
    /** `VirtualService bookinfo/reviews` (namespace `default` when not given). */
    readonly label: string;
    readonly namespace: string;
    readonly metadata: Metadata;
}

/** The VirtualService's name and namespace (and CanaryRelease's markers when `markers`), or a violation text when its metadata is unreadable. */
export function readVirtualService(r: PolicyResource, markers = false): VirtualServiceView | { readonly problem: string } {
    const metadata = readMetadata(r, markers ? { annotations: CANARY_KEYS } : {});
    if (isProblem(metadata)) {
        return { problem: fieldViolation(resourceLabel(r, metadata), metadata) };
    }
    const namespace = metadata.namespace ?? "default";
    return { label: `VirtualService ${shown(namespace)}/${shown(metadata.name)}`, namespace, metadata };
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

export function canaryMarkers(metadata: Metadata): CanaryMarkers | undefined {
    const a = metadata.annotations;
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
        ...(steps !== undefined && /^\d{1,6}$/.test(steps) ? { stepsLeft: Number(steps) } : {}),
    };
}

const DESTINATION_EXAMPLE = '{"host": "reviews", "subset": "v2"}';

/** The fields of a destination the route rules read, copied out of the SDK's proxy. */
interface Destination {
    host?: string;
    subset?: string;
}

interface Route {
    route: { destination?: Destination; weight?: number }[];
    mirror?: Destination;
    mirrors: { destination?: Destination }[];
}

/** The routes of a VirtualService spec, as plain objects holding only what the route rules read. */
export interface Routes {
    http: Route[];
    tcp: Route[];
    tls: Route[];
}

function optionalList(value: unknown, path: Path, example: string): Read<unknown[]> {
    if (value === undefined || value === null) {
        return [];
    }
    return Array.isArray(value) ? value : new FieldProblem(path, value, "a list", example);
}

function readDestination(value: unknown, path: Path): Read<Destination | undefined> {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (!isObject(value)) {
        return new FieldProblem(path, value, "a destination", DESTINATION_EXAMPLE);
    }
    const out: Destination = {};
    for (const key of ["host", "subset"] as const) {
        const v = field(value, key);
        if (typeof v === "string") {
            out[key] = v;
        } else if (v !== undefined && v !== null) {
            return new FieldProblem(joinKey(path, key), v, key === "host" ? "a host name" : "a subset name", key === "host" ? '"reviews"' : '"v2"');
        }
    }
    return out;
}

function readRoute(value: unknown, path: Path): Read<Route> {
    if (!isObject(value)) {
        return new FieldProblem(path, value, "a route", `{"route": [{"destination": ${DESTINATION_EXAMPLE}, "weight": 100}]}`);
    }
    const out: Route = { route: [], mirrors: [] };
    const routePath = joinKey(path, "route");
    const destinations = optionalList(field(value, "route"), routePath, `[{"destination": ${DESTINATION_EXAMPLE}, "weight": 100}]`);
    if (isProblem(destinations)) {
        return destinations;
    }
    for (let j = 0; j < destinations.length; j++) {
        const d = destinations[j];
        if (!isObject(d)) {
            return new FieldProblem(joinKey(routePath, j), d, "a route destination", `{"destination": ${DESTINATION_EXAMPLE}, "weight": 100}`);
        }
        const weight = field(d, "weight");
        if (weight !== undefined && weight !== null && (typeof weight !== "number" || !Number.isFinite(weight))) {
            return new FieldProblem(joinKey(joinKey(routePath, j), "weight"), weight, "a whole number from 0 to 100", "20");
        }
        const destination = readDestination(field(d, "destination"), joinKey(joinKey(routePath, j), "destination"));
        if (isProblem(destination)) {
            return destination;
        }
        out.route.push({ ...(destination !== undefined ? { destination } : {}), ...(typeof weight === "number" ? { weight } : {}) });
    }
    const mirror = readDestination(field(value, "mirror"), joinKey(path, "mirror"));
    if (isProblem(mirror)) {
        return mirror;
    }
    if (mirror !== undefined) {
        out.mirror = mirror;
    }
    const mirrorsPath = joinKey(path, "mirrors");
    const mirrors = optionalList(field(value, "mirrors"), mirrorsPath, `[{"destination": ${DESTINATION_EXAMPLE}}]`);
    if (isProblem(mirrors)) {
        return mirrors;
    }
    for (let j = 0; j < mirrors.length; j++) {
        const m = mirrors[j];
        const destination = isObject(m)
            ? readDestination(field(m, "destination"), joinKey(joinKey(mirrorsPath, j), "destination"))
            : new FieldProblem(joinKey(mirrorsPath, j), m, "a mirror", `{"destination": ${DESTINATION_EXAMPLE}}`);
        if (isProblem(destination)) {
            return destination;
        }
        out.mirrors.push(destination !== undefined ? { destination } : {});
    }
    return out;
}

/**
 * The VirtualService's routes when they have the types the route rules read, copied out of the
 * SDK's proxy once (the rules then walk plain objects); a problem naming the first bad field otherwise.
 */
export function readRoutes(props: Record<string, unknown>): Read<Routes> {
    const spec = field(props, "spec");
    const out: Routes = { http: [], tcp: [], tls: [] };
    if (spec === undefined || spec === null) {
        return out;
    }
    if (!isObject(spec)) {
        return new FieldProblem("spec", spec, "a VirtualService spec", `{"hosts": ["reviews"], "http": [{"route": [{"destination": ${DESTINATION_EXAMPLE}}]}]}`);
    }
    for (const kind of ["http", "tcp", "tls"] as const) {
        const kindPath = joinKey("spec", kind);
        const routes = optionalList(field(spec, kind), kindPath, `[{"route": [{"destination": ${DESTINATION_EXAMPLE}}]}]`);
        if (isProblem(routes)) {
            return routes;
        }
        for (let i = 0; i < routes.length; i++) {
            const route = readRoute(routes[i], joinKey(kindPath, i));
            if (isProblem(route)) {
                return route;
            }
            out[kind].push(route);
        }
    }
    return out;
}

/**
 * A VirtualService with readable metadata and routes, for the resource policies that judge routes; when
 * either cannot be read, the violation saying why is reported and the result is undefined.
 */
export function readJudgeableRoutes(r: PolicyResource, report: (message: string) => void): { readonly vs: VirtualServiceView; readonly routes: Routes } | undefined {
    const vs = readVirtualService(r);
    if ("problem" in vs) {
        report(vs.problem);
        return undefined;
    }
    const routes = readRoutes(r.props);
    if (isProblem(routes)) {
        report(fieldViolation(vs.label, routes));
        return undefined;
    }
    return { vs, routes };
}
