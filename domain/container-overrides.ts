// Overrides of a generated SidecarSet container (istio-proxy, istio-init): Kubernetes Container fields
// plus OpenKruise's sidecar fields, each with its JSON kind. Objects merge into the generated
// container, arrays and scalars replace it, null removes the field.
import { z } from "zod";
import { MeshRolloutValidationError } from "./errors";
import { assertJsonValue } from "./json-value";
import { addDomainIssue, splitPath } from "./schema";

type Kind = "string" | "boolean" | "list" | "object";

/** The fields of a Kubernetes Container and of an OpenKruise SidecarContainer, by JSON kind. */
export const CONTAINER_OVERRIDE_FIELDS: Readonly<Record<string, Kind>> = {
    image: "string",
    imagePullPolicy: "string",
    command: "list",
    args: "list",
    workingDir: "string",
    ports: "list",
    envFrom: "list",
    env: "list",
    resources: "object",
    resizePolicy: "list",
    restartPolicy: "string",
    volumeMounts: "list",
    volumeDevices: "list",
    livenessProbe: "object",
    readinessProbe: "object",
    startupProbe: "object",
    lifecycle: "object",
    terminationMessagePath: "string",
    terminationMessagePolicy: "string",
    securityContext: "object",
    stdin: "boolean",
    stdinOnce: "boolean",
    tty: "boolean",
    podInjectPolicy: "string",
    upgradeStrategy: "object",
    shareVolumePolicy: "object",
    shareVolumeDevicePolicy: "object",
    transferEnv: "list",
};

const EXAMPLE = 'e.g. { resources: { limits: { memory: "2Gi" } }, env: [{ name: "LOG_LEVEL", value: "debug" }] }';

function kindOf(value: unknown): Kind | "number" | "null" | "other" {
    if (value === null) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "list";
    }
    switch (typeof value) {
        case "string":
            return "string";
        case "boolean":
            return "boolean";
        case "number":
            return "number";
        case "object":
            return "object";
        default:
            return "other";
    }
}

/** Throws the project's error (path relative to the overrides) unless `value` is a valid container override. */
export function assertContainerOverrides(value: unknown): void {
    const fail = (path: string, v: unknown, problem: string, remedyText: string) =>
        new MeshRolloutValidationError({ path, rule: "sidecarset/override", value: v, problem, remedy: remedyText });
    if (kindOf(value) !== "object") {
        throw fail("", value, "must be an object of container fields", `Give the fields to change, ${EXAMPLE}.`);
    }
    assertJsonValue(value, { remedy: `Give container fields as plain JSON, ${EXAMPLE}.` });
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (key === "name") {
            throw fail(
                key,
                v,
                "is fixed: the SidecarSet's containers are named istio-proxy and istio-init, which Istio and the policy pack rely on",
                "Remove name from the overrides.",
            );
        }
        const kind = CONTAINER_OVERRIDE_FIELDS[key];
        if (kind === undefined) {
            throw fail(
                key,
                v,
                "is not a field of a Kubernetes container or an OpenKruise sidecar container",
                `Use Container fields such as resources, env, args, securityContext (check the spelling), ${EXAMPLE}.`,
            );
        }
        const given = kindOf(v);
        if (v !== undefined && given !== "null" && given !== kind) {
            throw fail(
                key,
                v,
                `must be ${kind === "list" ? "a list" : kind === "object" ? "an object" : `a ${kind}`}, as in a Kubernetes container`,
                `Give ${key} as in the container spec, or null to remove it, ${EXAMPLE}.`,
            );
        }
    }
}

/** zod schema of container overrides (input type: a JSON object). */
export const containerOverridesSchema = z
    .custom<Record<string, unknown>>(() => true)
    .superRefine((value, ctx) => {
        try {
            assertContainerOverrides(value);
        } catch (e) {
            addDomainIssue(ctx, e, e instanceof MeshRolloutValidationError && e.path !== "" ? splitPath(e.path) : []);
        }
    });
