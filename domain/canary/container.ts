// One container of a canary's new version (seed 003: Add Container and everything under it).
import { z } from "zod";
import { assertContainerName, assertPortName, PORT_PROTOCOLS, PortProtocol } from "../names";
import { domainCheck } from "../schema";
import { booleanSetting, dnsSubdomainSetting, intSetting, remedy, textSetting } from "../settings";

const CPU = remedy("Give CPU in cores, e.g. 0.5 for 500m or 2 for 2 cores.");
const MEMORY = remedy("Give memory in whole MiB, e.g. 512 for 512Mi.");
import { actionSchema, PROBE_KINDS, probeSchema } from "./probes";
import { cpuQuantity, memoryQuantity } from "./quantities";
import { assertSecurityConsistent, securityContextSchema } from "./security";
import { checked, commandList, invalid } from "./values";

const containerPortSchema = z
    .object({
        protocol: z.enum(PORT_PROTOCOLS),
        name: z.string(remedy("Name the port after its protocol, e.g. http-web.")),
        containerPort: intSetting(1, 65535, 8080),
    })
    .strict()
    .superRefine(domainCheck((p: { protocol: PortProtocol; name: string }) => assertPortName(p.name, p.protocol, "name"), true));

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

const envVarSchema = z
    .object({
        name: z.string(remedy("Give the variable's name, e.g. APP_MODE.")).superRefine(
            domainCheck((n: string) => {
                if (!ENV_NAME.test(n)) {
                    throw invalid(
                        "container/env-name",
                        n,
                        "is not an environment variable name: letters, digits, '_', '-' and '.', not starting with a digit",
                        `Use a name such as ${n.replace(/[^-._a-zA-Z0-9]/g, "_").replace(/^[0-9]/, "_$&") || "APP_MODE"}.`,
                    );
                }
            }),
        ),
        value: z.string(remedy('Give the value as a string, e.g. "debug" (quote numbers: "8080"); for a secret value, give pulumi.secret(...) or secret with key.')).optional(),
        configMap: dnsSubdomainSetting("a ConfigMap name", "app-settings").optional(),
        secret: dnsSubdomainSetting("a Secret name", "db-credentials").optional(),
        key: textSetting({
            rule: "names/data-key",
            problem: "is not a ConfigMap or Secret key: letters, digits, '-', '_' or '.'",
            remedy: "Give the key whose value the variable takes, e.g. password.",
            test: (v) => /^[-._a-zA-Z0-9]+$/.test(v),
            max: 253,
        }).optional(),
    })
    .strict()
    .superRefine(domainCheck(assertEnvSource, true));

/** An environment variable has exactly one source: a value, or a key of a ConfigMap or a Secret. */
function assertEnvSource(e: { name: string; value?: string; configMap?: string; secret?: string; key?: string }): void {
    const sources = (["value", "configMap", "secret"] as const).filter((k) => e[k] !== undefined);
    if (sources.length !== 1) {
        throw invalid(
            "container/env-source",
            e,
            sources.length === 0 ? "has no value and references no ConfigMap or Secret" : `sets ${sources.join(" and ")}; a variable has one source`,
            `Set value, or configMap with key, or secret with key.`,
        );
    }
    if (e.value === undefined && e.key === undefined) {
        throw invalid(
            "container/env-key",
            e.key,
            `is required with ${sources[0]} ${e.configMap ?? e.secret}`,
            `Set key to the ${sources[0] === "secret" ? "Secret" : "ConfigMap"}'s key whose value the variable takes.`,
            "key",
        );
    }
    if (e.value !== undefined && e.key !== undefined) {
        throw invalid("container/env-key", e.key, "is set with a plain value", "Remove key, or reference a configMap or secret instead of value.", "key");
    }
}

const resourcesSchema = z
    .object({
        cpuRequest: z.number(CPU).optional(),
        cpuLimit: z.number(CPU).optional(),
        memoryRequest: z.number(MEMORY).optional(),
        memoryLimit: z.number(MEMORY).optional(),
    })
    .strict()
    .superRefine(domainCheck(assertResources, true));

/** Quantities that render exactly, and limits no lower than requests. */
function assertResources(r: { cpuRequest?: number; cpuLimit?: number; memoryRequest?: number; memoryLimit?: number }): void {
    for (const key of ["cpuRequest", "cpuLimit"] as const) {
        if (r[key] !== undefined) {
            cpuQuantity(r[key], key);
        }
    }
    for (const key of ["memoryRequest", "memoryLimit"] as const) {
        if (r[key] !== undefined) {
            memoryQuantity(r[key], key);
        }
    }
    for (const [request, limit, unit] of [
        ["cpuRequest", "cpuLimit", "cores"],
        ["memoryRequest", "memoryLimit", "MiB"],
    ] as const) {
        const req = r[request];
        const lim = r[limit];
        if (req !== undefined && lim !== undefined && lim < req) {
            throw invalid(
                "resources/limit-below-request",
                lim,
                `is below ${request} ${req} ${unit}; a limit must be at least the request`,
                `Raise ${limit} to ${req} or more, or lower ${request}.`,
                limit,
            );
        }
    }
}

const containerFields = z
    .object({
        name: checked((v) => {
            assertContainerName(v, "");
            return v;
        }, "a string"),
        image: z.string(remedy("Give an image reference such as nginx:1.27 or docker.io/library/nginx:1.27.")).superRefine(
            domainCheck((i: string) => {
                if (!/^\S+$/.test(i)) {
                    throw invalid(
                        "container/image",
                        i,
                        i === "" ? "is empty" : "contains whitespace",
                        "Give an image reference such as nginx:1.27 or docker.io/library/nginx:1.27.",
                    );
                }
            }),
        ),
        type: z.enum(["main", "init"]).default("main"),
        resources: resourcesSchema.optional(),
        ports: z.array(containerPortSchema).default([]),
        imagePullPolicy: z.enum(["IfNotPresent", "Always", "Never"]).default("IfNotPresent"),
        livenessProbe: probeSchema("liveness").optional(),
        readinessProbe: probeSchema("readiness").optional(),
        startupProbe: probeSchema("startup").optional(),
        postStart: actionSchema.optional(),
        preStop: actionSchema.optional(),
        command: commandList.optional(),
        args: commandList.optional(),
        env: z.array(envVarSchema).default([]),
        securityContext: securityContextSchema.optional(),
        syncHostTimezone: booleanSetting("syncHostTimezone", true).default(false),
    })
    .strict();

export type ContainerSpec = z.output<typeof containerFields>;

export const containerSchema = containerFields.superRefine(
    domainCheck((c: ContainerSpec) => {
        assertPortsUnique(c);
        assertNamedPortsExist(c);
        assertInitContainerShape(c);
        assertEnvUnique(c);
        assertSecurityConsistent(c.securityContext);
    }, true),
);

function assertPortsUnique(c: ContainerSpec): void {
    const names = new Set<string>();
    const numbers = new Set<string>();
    c.ports.forEach((p, i) => {
        if (names.has(p.name)) {
            throw invalid("container/port-duplicate", p.name, "names a second port of this container", "Give each port its own name.", `ports[${i}].name`);
        }
        const key = `${p.containerPort}/${p.protocol === "UDP" ? "UDP" : "TCP"}`;
        if (numbers.has(key)) {
            throw invalid("container/port-duplicate", p.containerPort, `is declared twice (${key})`, "Declare each container port once.", `ports[${i}].containerPort`);
        }
        names.add(p.name);
        numbers.add(key);
    });
}

/** A probe or action may name a port only if the container declares it. */
function assertNamedPortsExist(c: ContainerSpec): void {
    const names = c.ports.map((p) => p.name);
    const refs: [string, unknown][] = [];
    for (const kind of PROBE_KINDS) {
        const probe = c[`${kind}Probe`];
        refs.push([`${kind}Probe.http.port`, probe?.http?.port], [`${kind}Probe.tcp.port`, probe?.tcp?.port]);
    }
    for (const hook of ["postStart", "preStop"] as const) {
        refs.push([`${hook}.http.port`, c[hook]?.http?.port]);
    }
    for (const [path, port] of refs) {
        if (typeof port === "string" && !names.includes(port)) {
            throw invalid(
                "container/unknown-port",
                port,
                `names no port of container ${c.name}${names.length > 0 ? ` (${names.join(", ")})` : ""}`,
                names.length > 0 ? `Use one of: ${names.join(", ")}, or a port number.` : "Declare the port in ports, or give a port number.",
                path,
            );
        }
    }
}

/** Kubernetes runs no probes or lifecycle hooks on init containers, and refuses them there. */
function assertInitContainerShape(c: ContainerSpec): void {
    if (c.type !== "init") {
        return;
    }
    for (const key of ["livenessProbe", "readinessProbe", "startupProbe", "postStart", "preStop"] as const) {
        if (c[key] !== undefined) {
            throw invalid(
                "container/init-probe",
                c[key],
                `is set on init container ${c.name}; init containers run to completion and take no probes or lifecycle actions`,
                `Remove ${key}, or make the container a main container (type: "main").`,
                key,
            );
        }
    }
}

function assertEnvUnique(c: ContainerSpec): void {
    const seen = new Set<string>();
    c.env.forEach((e, i) => {
        if (seen.has(e.name)) {
            throw invalid("container/env-duplicate", e.name, "is set twice in this container", "Set each variable once.", `env[${i}].name`);
        }
        seen.add(e.name);
    });
}
