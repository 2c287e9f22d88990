// Small value checks shared by the canary schemas. Each throws the project's error; `checked` turns
// such a check into a zod schema, so that parseInput reports it at the full property path.
import { z } from "zod";
import { MeshRolloutValidationError } from "../errors";
import { addDomainIssue } from "../schema";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A zod schema running `check` (which returns the value to keep, or throws); a missing value is reported as required. */
export function checked<T>(check: (value: unknown) => T, expected: string) {
    return z.unknown().transform((value, ctx): T => {
        try {
            if (value === undefined) {
                throw new MeshRolloutValidationError({ path: "", rule: "input/type", value, problem: "is required", remedy: `Set it to ${expected}.` });
            }
            return check(value);
        } catch (e) {
            addDomainIssue(ctx, e);
            return z.NEVER;
        }
    });
}

/** A domain error; `path` is relative to the checked value (used with `domainCheck(fn, true)`). */
export function invalid(rule: string, value: unknown, problem: string, remedy: string, path = ""): MeshRolloutValidationError {
    return new MeshRolloutValidationError({ path, rule, value, problem, remedy });
}

/** A Kubernetes object name that must be a DNS-1123 label (namespaces, Services). */
export function dnsLabel(what: string, example: string) {
    return checked((v) => {
        if (typeof v === "string" && v.length <= 63 && DNS_LABEL.test(v)) {
            return v;
        }
        throw invalid(
            "names/dns-label",
            v,
            `is not ${what}: 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit`,
            `Use a name such as ${example}.`,
        );
    }, "a string");
}

/** A Kubernetes object name that must be a DNS-1123 subdomain (Deployments, Secrets). */
export function dnsSubdomain(what: string, example: string) {
    return checked((v) => {
        if (typeof v === "string" && v.length <= 253 && DNS_SUBDOMAIN.test(v)) {
            return v;
        }
        throw invalid(
            "names/dns-subdomain",
            v,
            `is not ${what}: at most 253 lowercase letters, digits, '-' or '.', starting and ending with a letter or digit`,
            `Use a name such as ${example}.`,
        );
    }, "a string");
}

/** A command or its arguments: a list, or one comma-separated string (seed 003), each entry non-empty. */
export function parseCommandList(value: unknown): string[] {
    const list = typeof value === "string" ? value.split(",").map((s) => s.trim()) : value;
    if (Array.isArray(list) && list.length > 0 && list.every((s) => typeof s === "string" && s !== "")) {
        return [...(list as string[])];
    }
    throw invalid(
        "container/command",
        value,
        "must be a non-empty list of non-empty strings, or one comma-separated string",
        `Give a list such as ["sh", "-c", "echo ready"], or "sh,-c,echo ready" (use the list form when an entry contains a comma).`,
    );
}

export const commandList = checked(parseCommandList, "a list of strings");

/** A container port: a number 1-65535 or a port name (IANA service name: at most 15 lowercase letters, digits or '-'). */
export function parsePortRef(value: unknown): number | string {
    if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535) {
        return value;
    }
    if (typeof value === "string" && value.length <= 15 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) && /[a-z]/.test(value) && !value.includes("--")) {
        return value;
    }
    throw invalid(
        "container/port",
        value,
        "is neither a port number (1-65535) nor a port name",
        "Give a container port number such as 8080, or the name of one of the container's ports such as http-web.",
    );
}

export const portRef = checked(parsePortRef, "a port number or name");

/** Escapes text for use inside an RE2 (and JavaScript) regular expression. */
export function escapeRegex(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Checks a regular expression as far as JavaScript can: it compiles, and uses no lookaround or
 * back-reference, which Envoy's RE2 engine rejects.
 */
export function assertRe2(value: string, path = ""): void {
    try {
        new RegExp(value);
    } catch (e) {
        const reason = ((e as Error).message.split(": ").pop() ?? "").toLowerCase();
        throw invalid("match/regex", value, `is not a valid regular expression (${reason})`, "Fix the expression; it must match the whole value, in RE2 syntax.", path);
    }
    if (/\(\?<?[=!]|\\[1-9]/.test(value)) {
        throw invalid(
            "match/regex",
            value,
            "uses lookaround or a back-reference, which Envoy's RE2 regex engine does not support",
            "Rewrite it without (?=, (?!, (?<=, (?<! and \\1; or match with prefix or exact instead.",
            path,
        );
    }
}
