// Health checks and lifecycle actions (seed 003: Health Check, Lifecycle Management).
import { z } from "zod";
import { domainCheck } from "../schema";
import { intSetting } from "../settings";
import { commandList, invalid, portRef } from "./values";

export type ProbeKind = "liveness" | "readiness" | "startup";
export const PROBE_KINDS: readonly ProbeKind[] = ["liveness", "readiness", "startup"];
const METHODS = ["http", "command", "tcp"] as const;

const httpAction = z
    .object({
        path: z
            .string()
            .default("/")
            .superRefine(
                domainCheck((p: string) => {
                    if (!p.startsWith("/")) {
                        throw invalid("probe/path", p, "does not start with /", `Give the path from the root, e.g. /${p}.`);
                    }
                }),
            ),
        port: portRef,
        scheme: z.enum(["HTTP", "HTTPS"]).default("HTTP"),
    })
    .strict();

const methodFields = {
    http: httpAction.optional(),
    command: commandList.optional(),
    tcp: z.object({ port: portRef }).strict().optional(),
};

/** Exactly one check method; `what` names the object in the message (`check`, `action`). */
function assertOneMethod(value: Record<string, unknown>, what: string): void {
    const set = METHODS.filter((m) => value[m] !== undefined);
    if (set.length === 1) {
        return;
    }
    throw invalid(
        "probe/method",
        set,
        set.length === 0 ? `sets no ${what} method` : `sets ${set.length} ${what} methods`,
        set.length === 0 ? "Set exactly one of http, command or tcp." : "Keep exactly one of http, command or tcp.",
    );
}

/** A probe of the given kind. Liveness and startup probes need successThreshold 1 (Kubernetes rejects anything else). */
export function probeSchema(kind: ProbeKind) {
    return z
        .object({
            ...methodFields,
            initialDelaySeconds: intSetting(0, 3600, 5).default(0),
            timeoutSeconds: intSetting(0, 3600, 1).default(1),
            periodSeconds: intSetting(1, 3600, 10).default(10),
            successThreshold: intSetting(1, 100, 1).default(1),
            failureThreshold: intSetting(1, 100, 3).default(3),
        })
        .strict()
        .superRefine(domainCheck((p: Record<string, unknown>) => assertOneMethod(p, "check")))
        .superRefine(
            domainCheck((p: { successThreshold: number }) => {
                if (kind !== "readiness" && p.successThreshold !== 1) {
                    throw invalid(
                        "probe/success-threshold",
                        p.successThreshold,
                        `must be 1 for a ${kind} probe (one success is enough to count the container as ${kind === "liveness" ? "alive" : "started"})`,
                        "Set successThreshold to 1; to require several successes before traffic, use a readiness probe.",
                        "successThreshold",
                    );
                }
            }, true),
        );
}

/**
 * A post-start or pre-stop action. The seed lists TCP too, but the kubelet runs only HTTP and command
 * actions: a `tcpSocket` hook fails at runtime (after start the container is killed and restarted;
 * before stop it is killed at once), so it is refused here with that explanation.
 */
export const actionSchema = z
    .object(methodFields)
    .strict()
    .superRefine(domainCheck((a: Record<string, unknown>) => assertOneMethod(a, "action")))
    .superRefine(
        domainCheck((a: { tcp?: unknown }) => {
            if (a.tcp !== undefined) {
                throw invalid(
                    "lifecycle/tcp",
                    a.tcp,
                    "is a TCP action, which the kubelet does not run for lifecycle hooks: the hook fails, so after start the container is killed and restarted, and before stop it is killed at once",
                    `Use an http action, or a command such as ["sh", "-c", "nc -z localhost 8080"].`,
                    "tcp",
                );
            }
        }, true),
    );

export type ProbeSpec = z.output<ReturnType<typeof probeSchema>>;
export type ActionSpec = z.output<typeof actionSchema>;
