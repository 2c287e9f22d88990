// Component cost in Pulumi's mocked runtime: MeshRevision with 50 namespaces against the same resources
// registered raw (each child through the Kubernetes SDK class a user would write, with the inputs,
// parent and dependsOn the component gave it), in the same process. The ratio is what the component adds: validation, layout, the ledger.
// Release 0.1.0's ledger was a dynamic resource whose provider was serialized per program (3.3x here).
import path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** What the component registered, in order, with each resource's parent and dependsOn (by index). */
interface Shape {
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly props: Record<string, unknown>;
    readonly parent: number;
    readonly dependsOn: number[];
}

// The registration call of the SDK, watched during one probe run to learn the children's options.
const runtimeResource = require("@pulumi/pulumi/runtime/resource") as { registerResource: (...args: unknown[]) => void };

/** The types of the resources that reached the mocks, in order. */
let registered: string[] = [];
let waiting: { count: number; resolve: () => void } | undefined;

function install(): Promise<void> {
    return pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push(args.type);
                if (waiting !== undefined && registered.length >= waiting.count) {
                    waiting.resolve();
                }
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "mesh-rollout-bench",
        "bench",
        false,
    );
}

/** Runs `build` and resolves when `count` resources reached the mocks. */
function registerAll(count: number, build: () => void): Promise<void> {
    registered = [];
    const done = new Promise<void>((resolve) => {
        waiting = { count, resolve };
    });
    build();
    return done;
}

const NAMESPACES = 50;

function meshArgs() {
    return {
        version: "1.12.4",
        upgrade: { to: "1.14.5", stage: "dataPlane" as const },
        chart: { chart: path.resolve(__dirname, "../charts/istiod-minimal") },
        tags: [{ name: "stable" }, { name: "canary", follows: "upgrade" as const }],
        namespaces: Array.from({ length: NAMESPACES }, (_, i) => ({ name: `ns-${i}`, restart: [`app-${i}`] })),
        gateways: [{ name: "ingress", namespace: "istio-ingress" }],
    };
}

/** A component with no behaviour of its own (the raw side's stand-in for a component the mesh registers). */
class PlainComponent extends pulumi.ComponentResource {
    constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
    }
}

/** A custom resource registered as it is (the records, on the raw side). */
class PlainCustom extends pulumi.CustomResource {
    constructor(type: string, name: string, props: Record<string, unknown>, opts: pulumi.CustomResourceOptions) {
        super(type, name, props, opts);
    }
}

type Ctor = new (name: string, args: Record<string, unknown>, opts: pulumi.CustomResourceOptions) => pulumi.Resource;

/**
 * The Kubernetes SDK class a user would write for a type (`kubernetes:core/v1:Namespace` ->
 * k8s.core.v1.Namespace, `kubernetes:helm.sh/v4:Chart` -> k8s.helm.v4.Chart), or the generic
 * CustomResource for CRD kinds; undefined for a type outside the Kubernetes package.
 */
function sdkClass(type: string): Ctor | undefined {
    const [pkg, mod, kind] = type.split(":");
    if (pkg !== "kubernetes" || mod === undefined || kind === undefined) {
        return undefined;
    }
    const [group, version] = mod.split("/");
    const ns = (k8s as unknown as Record<string, Record<string, Record<string, Ctor>> | undefined>)[group.split(".")[0]];
    const ctor = ns?.[version]?.[kind];
    if (ctor !== undefined) {
        return ctor;
    }
    return class extends k8s.apiextensions.CustomResource {
        constructor(name: string, args: Record<string, unknown>, opts: pulumi.CustomResourceOptions) {
            super(name, { ...args, apiVersion: mod, kind } as k8s.apiextensions.CustomResourceArgs, opts);
        }
    } as unknown as Ctor;
}

export async function componentBench(medianMs: (fn: () => Promise<void>) => Promise<number>, fmt: (ms: number) => string): Promise<void> {
    await install();
    const { MeshRevision } = await import("../components/mesh-revision");
    // One run to learn what the component registers: types, names, props, parents and dependsOn.
    const seen: pulumi.Resource[] = [];
    const shapes: Shape[] = [];
    const original = runtimeResource.registerResource;
    runtimeResource.registerResource = (...args: unknown[]) => {
        const [res, parent, type, name, custom, , , props, opts] = args as [
            pulumi.Resource,
            pulumi.Resource | undefined,
            string,
            string,
            boolean,
            unknown,
            unknown,
            Record<string, unknown>,
            pulumi.ResourceOptions,
        ];
        seen.push(res);
        const deps = ([] as unknown[]).concat(opts.dependsOn ?? []) as pulumi.Resource[];
        shapes.push({ type, name, custom, props, parent: parent === undefined ? -1 : seen.indexOf(parent), dependsOn: deps.map((d) => seen.indexOf(d)).filter((i) => i >= 0) });
        original(...args);
    };
    registered = [];
    new MeshRevision("probe", meshArgs());
    await new Promise((r) => setTimeout(r, 300));
    runtimeResource.registerResource = original;
    // The records' provider resource is made once per program, by the first mesh only: not counted.
    const once = (type: string) => type.startsWith("pulumi:providers:");
    const count = registered.filter((type) => !once(type)).length;
    let run = 0;
    const component = await medianMs(() => registerAll(count, () => new MeshRevision(`mesh${run++}`, meshArgs())));
    const raw = await medianMs(() =>
        registerAll(count, () => {
            const suffix = `r${run++}`;
            const made: (pulumi.Resource | undefined)[] = [];
            for (const r of shapes) {
                if (once(r.type)) {
                    made.push(undefined);
                    continue;
                }
                const opts = {
                    ...(r.parent >= 0 ? { parent: made[r.parent] } : {}),
                    dependsOn: r.dependsOn.map((i) => made[i]).filter((d): d is pulumi.Resource => d !== undefined),
                };
                const name = `${r.name}${suffix}`;
                const Sdk = sdkClass(r.type);
                if (Sdk !== undefined) {
                    made.push(new Sdk(name, r.props, opts));
                } else {
                    made.push(r.custom ? new PlainCustom(r.type, name, r.props, opts) : new PlainComponent(r.type, name, opts));
                }
            }
        }),
    );
    console.log(
        `\nMeshRevision, ${NAMESPACES} namespaces (${count} resources), mocked runtime, median of runs:\n` +
            `  component ${fmt(component)}   raw objects ${fmt(raw)}   ${(component / raw).toFixed(2)} x raw (target at most 1.2 x; 0.1.0's dynamic ledger: 3.3 x)`,
    );
}
