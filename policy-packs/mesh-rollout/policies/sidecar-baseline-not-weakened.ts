import { ResourceValidationPolicy } from "@pulumi/policy";
import { ContainerView, podSpecOf } from "../containers";
import { field, FieldProblem, isObject, isProblem, joinKey } from "../fields";
import { fieldViolation, POD_TYPE, resourceLabel, SIDECARSET_TYPE, WORKLOAD_TYPES } from "../resources";
import { describeValue, listSome, shown } from "../values";

export interface SidecarBaselineConfig {
    /**
     * Containers judged as sidecars in Deployments, StatefulSets, DaemonSets and Pods (every container
     * of a SidecarSet is a sidecar).
     * @default ["istio-proxy", "istio-init"]
     */
    sidecarContainers?: string[];
    /**
     * Capabilities a sidecar's init container may add: iptables needs NET_ADMIN and NET_RAW.
     * @default ["NET_ADMIN", "NET_RAW"]
     */
    initCapabilities?: string[];
}

const DEFAULT_SIDECARS = ["istio-proxy", "istio-init"];
const DEFAULT_INIT_CAPABILITIES = ["NET_ADMIN", "NET_RAW"];

const strings = (value: unknown, fallback: string[]): string[] => (Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : fallback);
/** `CAP_NET_ADMIN`, `net_admin` and `NET_ADMIN` are the same capability. */
const capability = (name: string) => name.toUpperCase().replace(/^CAP_/, "");

/** What weakens one container's baseline, as violation texts. */
function weakenings(label: string, c: ContainerView, initCapabilities: readonly string[]): string[] {
    const who = `${label} must not weaken sidecar container ${shown(c.name)}`;
    const context = field(c.raw, "securityContext");
    const at = joinKey(c.path, "securityContext");
    if (context === undefined || context === null) {
        return [];
    }
    if (!isObject(context)) {
        return [fieldViolation(label, new FieldProblem(at, context, "a security context", '{"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}'))];
    }
    const found: string[] = [];
    if (field(context, "privileged") === true) {
        found.push(`${who}: '${at}.privileged' is true, which gives it every device and capability of the node. Remove the override; the baseline is "privileged": false.`);
    }
    if (field(context, "allowPrivilegeEscalation") === true) {
        found.push(
            `${who}: '${at}.allowPrivilegeEscalation' is true, so its processes may gain more privileges than they start with. Remove the override; the baseline is "allowPrivilegeEscalation": false.`,
        );
    }
    if (!c.init && field(context, "runAsUser") === 0) {
        found.push(`${who}: '${at}.runAsUser' is 0, so the proxy runs as root. Remove the override; the baseline is "runAsUser": 1337, "runAsNonRoot": true.`);
    }
    if (!c.init && field(context, "runAsNonRoot") === false) {
        found.push(`${who}: '${at}.runAsNonRoot' is false, so nothing stops the proxy running as root. Remove the override; the baseline is "runAsNonRoot": true.`);
    }
    const add = field(field(context, "capabilities"), "add");
    const allowed = c.init ? initCapabilities : [];
    if (add !== undefined && add !== null) {
        const addPath = `${at}.capabilities.add`;
        if (!Array.isArray(add) || !add.every((a) => typeof a === "string")) {
            found.push(fieldViolation(label, new FieldProblem(addPath, add, "a list of capability names", '["NET_ADMIN", "NET_RAW"]')));
        } else {
            const extra = (add as string[]).filter((a) => !allowed.includes(capability(a)));
            if (extra.length > 0) {
                const rule = c.init
                    ? `an init container may add only ${listSome([...allowed])} (what iptables needs)`
                    : "a sidecar that is not an init container adds none (the baseline drops ALL)";
                const example = c.init ? `, e.g. [${allowed.map((a) => JSON.stringify(a)).join(", ")}]` : "";
                found.push(`${who}: '${addPath}' adds ${listSome(extra)}; ${rule}. Remove ${extra.length > 1 ? "them" : "it"}${example}.`);
            }
        }
    }
    return found;
}

/** Sidecars run with the least privilege the mesh needs (seed 004's baseline); overrides must not undo it. */
export const sidecarBaselineNotWeakened: ResourceValidationPolicy = {
    name: "mesh-rollout-sidecar-baseline-not-weakened",
    description:
        "Checks that SidecarSets and workloads do not weaken the sidecar security baseline: no privileged sidecar, no root istio-proxy, no capabilities beyond istio-init's NET_ADMIN and NET_RAW, no privilege escalation, no hostPath volumes in sidecars (advisory; set it to mandatory in the policy pack config).",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            sidecarContainers: { type: "array", items: { type: "string" }, default: DEFAULT_SIDECARS },
            initCapabilities: { type: "array", items: { type: "string" }, default: DEFAULT_INIT_CAPABILITIES },
        },
    },
    validateResource: (args, reportViolation) => {
        const isSet = args.type === SIDECARSET_TYPE;
        if (!isSet && !WORKLOAD_TYPES.has(args.type) && args.type !== POD_TYPE) {
            return;
        }
        const config = (args.getConfig<SidecarBaselineConfig>() ?? {}) as Record<string, unknown>;
        const sidecarNames = strings(config.sidecarContainers, DEFAULT_SIDECARS);
        const initCapabilities = strings(config.initCapabilities, DEFAULT_INIT_CAPABILITIES).map(capability);
        const label = resourceLabel(args);
        const spec = podSpecOf(args);
        if (isProblem(spec)) {
            return reportViolation(fieldViolation(label, spec));
        }
        if (spec === undefined) {
            return;
        }
        const sidecars = spec.containers.filter((c) => isSet || sidecarNames.includes(c.name));
        sidecars.flatMap((c) => weakenings(label, c, initCapabilities)).forEach((text) => reportViolation(text));
        if (sidecars.length === 0) {
            return;
        }
        const volumes = spec.volumes();
        if (isProblem(volumes)) {
            return reportViolation(fieldViolation(label, volumes));
        }
        // A SidecarSet's volumes all go to its sidecars; in a workload, only those a sidecar mounts.
        const mounted = new Set<string>();
        for (const c of sidecars) {
            const mounts = field(c.raw, "volumeMounts");
            (Array.isArray(mounts) ? mounts : []).forEach((m) => typeof field(m, "name") === "string" && mounted.add(field(m, "name") as string));
        }
        for (const v of volumes) {
            const hostPath = field(v.raw, "hostPath");
            if (hostPath !== undefined && hostPath !== null && (isSet || mounted.has(v.name))) {
                const where = typeof field(hostPath, "path") === "string" ? `mounts the node's ${shown(field(hostPath, "path") as string)}` : `is ${describeValue(hostPath)}`;
                reportViolation(
                    `${label} must not give sidecars a host path: '${v.path}.hostPath' (volume ${shown(v.name)}) ${where}, which exposes the node's files to the proxy. Use an emptyDir or a projected volume instead, e.g. {"name": "istio-envoy", "emptyDir": {"medium": "Memory"}}.`,
                );
            }
        }
    },
};
