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

/** The VirtualService's name and namespace, or a violation text when its metadata is unreadable. */
export function readVirtualService(r: PolicyResource): VirtualServiceView | { readonly problem: string } {
    const metadata = readMetadata(r, { annotations: CANARY_KEYS });
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

function optionalList(value: unknown, path: Path, example: string): Read<unknown[]> {
    if (value === undefined || value === null) {
        return [];
    }
    return Array.isArray(value) ? value : new FieldProblem(path, value, "a list", example);
}

function checkDestination(value: unknown, path: Path): FieldProblem | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (!isObject(value)) {
        return new FieldProblem(path, value, "a destination", DESTINATION_EXAMPLE);
    }
    for (const key of ["host", "subset"]) {
        const v = field(value, key);
        if (v !== undefined && v !== null && typeof v !== "string") {
            return new FieldProblem(joinKey(path, key), v, key === "host" ? "a host name" : "a subset name", key === "host" ? '"reviews"' : '"v2"');
        }
    }
    return undefined;
}

function checkRoute(value: unknown, path: Path): FieldProblem | undefined {
    if (!isObject(value)) {
        return new FieldProblem(path, value, "a route", '{"route": [{"destination": ' + DESTINATION_EXAMPLE + ', "weight": 100}]}');
    }
    const destinations = optionalList(field(value, "route"), joinKey(path, "route"), `[{"destination": ${DESTINATION_EXAMPLE}, "weight": 100}]`);
    if (isProblem(destinations)) {
        return destinations;
    }
    for (let j = 0; j < destinations.length; j++) {
        const d = destinations[j];
        const at = joinKey(joinKey(path, "route"), j);
        if (!isObject(d)) {
            return new FieldProblem(at, d, "a route destination", `{"destination": ${DESTINATION_EXAMPLE}, "weight": 100}`);
        }
        const weight = field(d, "weight");
        if (weight !== undefined && weight !== null && (typeof weight !== "number" || !Number.isFinite(weight))) {
            return new FieldProblem(joinKey(at, "weight"), weight, "a whole number from 0 to 100", "20");
        }
        const problem = checkDestination(field(d, "destination"), joinKey(at, "destination"));
        if (problem !== undefined) {
            return problem;
        }
    }
    const mirror = checkDestination(field(value, "mirror"), joinKey(path, "mirror"));
    if (mirror !== undefined) {
        return mirror;
    }
    const mirrors = optionalList(field(value, "mirrors"), joinKey(path, "mirrors"), `[{"destination": ${DESTINATION_EXAMPLE}}]`);
    if (isProblem(mirrors)) {
        return mirrors;
    }
    for (let j = 0; j < mirrors.length; j++) {
        const at = joinKey(joinKey(path, "mirrors"), j);
        const m = mirrors[j];
        const problem = isObject(m) ? checkDestination(field(m, "destination"), joinKey(at, "destination")) : new FieldProblem(at, m, "a mirror", `{"destination": ${DESTINATION_EXAMPLE}}`);
        if (problem !== undefined) {
            return problem;
        }
    }
    return undefined;
}

/** The VirtualService's spec when its routes have the types the route rules read; a problem otherwise. */
export function readRoutes(props: Record<string, unknown>): Read<unknown> {
    const spec = field(props, "spec");
    if (spec === undefined || spec === null) {
        return {};
    }
    if (!isObject(spec)) {
        return new FieldProblem("spec", spec, "a VirtualService spec", `{"hosts": ["reviews"], "http": [{"route": [{"destination": ${DESTINATION_EXAMPLE}}]}]}`);
    }
    for (const kind of ["http", "tcp", "tls"]) {
        const routes = optionalList(field(spec, kind), joinKey("spec", kind), `[{"route": [{"destination": ${DESTINATION_EXAMPLE}}]}]`);
        if (isProblem(routes)) {
            return routes;
        }
        for (let i = 0; i < routes.length; i++) {
            const problem = checkRoute(routes[i], joinKey(joinKey("spec", kind), i));
            if (problem !== undefined) {
                return problem;
            }
        }
    }
    return spec;
}
