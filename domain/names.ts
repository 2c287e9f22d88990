import { MeshRolloutValidationError } from "./errors";

// KubeSphere's canary-release naming rules (seed 003), which are Kubernetes' own rules made explicit.

const LOWER_ALNUM_DASH = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Port protocols KubeSphere offers; a port's name starts with the protocol in lowercase. */
export const PORT_PROTOCOLS = ["HTTP", "HTTP2", "HTTPS", "GRPC", "TCP", "UDP", "TLS", "MONGO", "MYSQL", "REDIS"] as const;
export type PortProtocol = (typeof PORT_PROTOCOLS)[number];

/** Task name: lowercase letters, digits and '-', starting and ending with a letter or digit, up to 253 characters (a DNS-1123 subdomain). */
export function assertTaskName(value: unknown, path: string): asserts value is string {
    if (typeof value === "string" && value.length <= 253 && DNS_SUBDOMAIN.test(value)) {
        return;
    }
    throw new MeshRolloutValidationError({
        path,
        rule: "names/task",
        value,
        problem: tooLongOr(value, 253, "must contain only lowercase letters, digits, '-' and '.', and start and end with a letter or digit (a DNS-1123 subdomain)"),
        remedy: "Use a name such as reviews-v2-canary.",
    });
}

/** Release version: lowercase letters and digits only, 1 to 16 characters (`v2`, `20240501`). */
export function assertReleaseVersion(value: unknown, path: string): asserts value is string {
    if (typeof value === "string" && /^[a-z0-9]{1,16}$/.test(value)) {
        return;
    }
    throw new MeshRolloutValidationError({
        path,
        rule: "names/version",
        value,
        problem: tooLongOr(value, 16, "must contain only lowercase letters and digits"),
        remedy: "Use a version such as v2 (no dots, dashes or capitals).",
    });
}

/** Container name: a DNS-1123 label, lowercase letters, digits and '-', up to 63 characters. */
export function assertContainerName(value: unknown, path: string): asserts value is string {
    if (typeof value === "string" && value.length <= 63 && LOWER_ALNUM_DASH.test(value)) {
        return;
    }
    throw new MeshRolloutValidationError({
        path,
        rule: "names/container",
        value,
        problem: tooLongOr(value, 63, "must contain only lowercase letters, digits and '-', and start and end with a letter or digit (a DNS-1123 label)"),
        remedy: "Use a name such as reviews.",
    });
}

/**
 * Port name: the lowercase protocol, alone or followed by `-` and a suffix (`http`, `http-web`,
 * `grpc-api`), so that Istio and KubeSphere detect the protocol; at most 15 characters (IANA service name).
 */
export function assertPortName(value: unknown, protocol: PortProtocol, path: string): asserts value is string {
    const prefix = protocol.toLowerCase();
    const shaped = typeof value === "string" && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) && !value.includes("--");
    if (shaped && value.length <= 15 && (value === prefix || value.startsWith(`${prefix}-`))) {
        return;
    }
    const text = typeof value === "string" ? value.toLowerCase() : "";
    const body = text.startsWith(`${prefix}-`) ? text.slice(prefix.length + 1) : text.replace(/[^a-z0-9-]+/g, "");
    const suggestion = `${prefix}-${body.replace(/^-+/, "") || "port"}`.slice(0, 15).replace(/-+$/, "");
    throw new MeshRolloutValidationError({
        path,
        rule: "names/port",
        value,
        problem:
            shaped && (value as string).length > 15
                ? "is longer than 15 characters (an IANA service name)"
                : `must be the protocol name ${prefix}, or start with ${prefix}- (the port's protocol is ${protocol})`,
        remedy: `Name it ${suggestion}.`,
    });
}

function tooLongOr(value: unknown, max: number, rule: string): string {
    if (typeof value !== "string") {
        return `is ${value === null ? "null" : typeof value}, not a string`;
    }
    if (value.length === 0) {
        return "is empty";
    }
    if (value.length > max) {
        return `is ${value.length} characters long; the limit is ${max}`;
    }
    return rule;
}
