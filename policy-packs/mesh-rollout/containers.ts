// The containers and volumes of a pod spec (or a SidecarSet spec, which has the same lists), read
// without trusting their shape.
import { field, FieldProblem, isObject, joinKey, Read, Path } from "./fields";
import { podOf, PolicyResource, SIDECARSET_TYPE } from "./resources";

export interface ContainerView {
    /** `spec.containers[0]`. */
    readonly path: Path;
    /** Its name; `#1` (its position) when it has none. */
    readonly name: string;
    readonly init: boolean;
    readonly raw: Record<string, unknown>;
}

export interface PodSpecView {
    /** `spec` for a SidecarSet, `spec.template.spec` for a workload, `spec` for a Pod. */
    readonly path: Path;
    readonly containers: readonly ContainerView[];
    /** The volumes, read when asked for (most policies never need them). */
    volumes(): Read<VolumeView[]>;
}

export interface VolumeView {
    readonly path: Path;
    readonly name: string;
    readonly raw: Record<string, unknown>;
}

const CONTAINER_EXAMPLE = '{"name": "istio-proxy", "image": "registry.example.com/mesh/proxy:1.0.0"}';

function objects(spec: Record<string, unknown>, path: Path, key: string, what: string, example: string): Read<[Path, Record<string, unknown>][]> {
    const list = field(spec, key);
    const at = joinKey(path, key);
    if (list === undefined || list === null) {
        return [];
    }
    if (!Array.isArray(list)) {
        return new FieldProblem(at, list, `a list of ${what}s`, `[${example}]`);
    }
    const out: [Path, Record<string, unknown>][] = [];
    for (let i = 0; i < list.length; i++) {
        const item = list[i];
        if (!isObject(item)) {
            return new FieldProblem(joinKey(at, i), item, `a ${what}`, example);
        }
        out.push([joinKey(at, i), item]);
    }
    return out;
}

const nameOf = (raw: Record<string, unknown>, position: number) => {
    const name = field(raw, "name");
    return typeof name === "string" && name !== "" ? name : `#${position + 1}`;
};

/** The containers and volumes at `path`; undefined when there is no spec. */
export function readPodSpec(spec: unknown, path: Path): Read<PodSpecView | undefined> {
    if (spec === undefined || spec === null) {
        return undefined;
    }
    if (!isObject(spec)) {
        return new FieldProblem(path, spec, "a pod spec", `{"containers": [${CONTAINER_EXAMPLE}]}`);
    }
    const containers: ContainerView[] = [];
    for (const [key, init] of [
        ["initContainers", true],
        ["containers", false],
    ] as const) {
        const read = objects(spec, path, key, "container", CONTAINER_EXAMPLE);
        if (read instanceof FieldProblem) {
            return read;
        }
        read.forEach(([at, raw], i) => containers.push({ path: at, name: nameOf(raw, i), init, raw }));
    }
    const volumes = (): Read<VolumeView[]> => {
        const read = objects(spec, path, "volumes", "volume", '{"name": "istio-envoy", "emptyDir": {}}');
        return read instanceof FieldProblem ? read : read.map(([at, raw], i) => ({ path: at, name: nameOf(raw, i), raw }));
    };
    return { path, containers, volumes };
}

/** The pod spec a SidecarSet injects from, or a workload's or Pod's own. */
export function podSpecOf(r: PolicyResource): Read<PodSpecView | undefined> {
    if (r.type === SIDECARSET_TYPE) {
        return readPodSpec(field(r.props, "spec"), "spec");
    }
    const pod = podOf(r);
    if (pod === undefined || pod instanceof FieldProblem) {
        return pod;
    }
    return readPodSpec(pod.spec, joinKey(pod.path, "spec"));
}
