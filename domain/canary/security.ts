// A container's security context (seed 003: Pod Security Context), over a hardened baseline.
import { z } from "zod";
import { domainCheck } from "../schema";
import { booleanSetting, intSetting, remedy } from "../settings";

const SELINUX = remedy('Give SELinux options as non-empty strings, e.g. { level: "s0:c123,c456", type: "container_t" }.');
const CAPS = remedy('Give capabilities as lists, e.g. { add: ["NET_BIND_SERVICE"], drop: ["ALL"] }.');
import { invalid } from "./values";

/** Linux capability names as Kubernetes wants them: uppercase, without the `CAP_` prefix (`SYS_TIME`, `ALL`). */
export function assertCapability(value: string): void {
    if (/^CAP_/i.test(value)) {
        const bare = value.slice(4).toUpperCase();
        throw invalid(
            "security/capability-prefix",
            value,
            "carries the CAP_ prefix, which Kubernetes capability names leave out",
            `Write ${bare} (it ${bare === "ALL" ? "means every capability" : `adds or drops CAP_${bare}`}).`,
        );
    }
    if (!/^[A-Z][A-Z0-9_]*$/.test(value)) {
        throw invalid(
            "security/capability",
            value,
            "is not a capability name: uppercase letters, digits and '_', such as NET_BIND_SERVICE",
            `Write ${value.toUpperCase().replace(/[^A-Z0-9_]/g, "_") || "SYS_TIME"}.`,
        );
    }
}

const capability = z.string(remedy("Give capability names without CAP_, e.g. NET_BIND_SERVICE.")).superRefine(domainCheck(assertCapability));

export const securityContextSchema = z
    .object({
        privileged: booleanSetting("privileged", false).optional(),
        allowPrivilegeEscalation: booleanSetting("allowPrivilegeEscalation", false).optional(),
        readOnlyRootFilesystem: booleanSetting("readOnlyRootFilesystem", true).optional(),
        runAsNonRoot: booleanSetting("runAsNonRoot", true).optional(),
        runAsUser: intSetting(0, 2147483647, 1000).optional(),
        runAsGroup: intSetting(0, 2147483647, 3000).optional(),
        seLinuxOptions: z
            .object(
                {
                    level: z.string(SELINUX).min(1, SELINUX).optional(),
                    role: z.string(SELINUX).min(1, SELINUX).optional(),
                    type: z.string(SELINUX).min(1, SELINUX).optional(),
                    user: z.string(SELINUX).min(1, SELINUX).optional(),
                },
                SELINUX,
            )
            .strict()
            .optional(),
        capabilities: z
            .object({ add: z.array(capability, CAPS).optional(), drop: z.array(capability, CAPS).optional() }, CAPS)
            .strict()
            .optional(),
    })
    .strict();

export type SecurityContextSpec = z.output<typeof securityContextSchema>;

/** The securityContext a container runs with: the baseline, overridden field by field. */
export interface EffectiveSecurityContext {
    readonly privileged: boolean;
    readonly allowPrivilegeEscalation: boolean;
    readonly readOnlyRootFilesystem: boolean;
    readonly runAsNonRoot: boolean;
    readonly runAsUser?: number;
    readonly runAsGroup?: number;
    readonly seLinuxOptions?: { level?: string; role?: string; type?: string; user?: string };
    readonly capabilities: { add?: string[]; drop?: string[] };
    /** The container runtime's default seccomp profile; absent for a privileged container, which runs unconfined anyway. */
    readonly seccompProfile?: { type: "RuntimeDefault" };
}

/**
 * The hardened baseline (non-root, no privilege escalation, read-only root filesystem, drop ALL,
 * seccomp RuntimeDefault)
 * with the given fields applied. Privileged mode turns privilege escalation on unless it is set,
 * as the seed says (and Kubernetes requires).
 */
export function effectiveSecurityContext(given: SecurityContextSpec | undefined): EffectiveSecurityContext {
    const s = given ?? {};
    const privileged = s.privileged ?? false;
    return {
        privileged,
        allowPrivilegeEscalation: s.allowPrivilegeEscalation ?? privileged,
        readOnlyRootFilesystem: s.readOnlyRootFilesystem ?? true,
        runAsNonRoot: s.runAsNonRoot ?? true,
        ...(s.runAsUser !== undefined ? { runAsUser: s.runAsUser } : {}),
        ...(s.runAsGroup !== undefined ? { runAsGroup: s.runAsGroup } : {}),
        ...(s.seLinuxOptions !== undefined ? { seLinuxOptions: s.seLinuxOptions } : {}),
        capabilities: {
            ...(s.capabilities?.add !== undefined ? { add: s.capabilities.add } : {}),
            drop: s.capabilities?.drop ?? ["ALL"],
        },
        ...(privileged ? {} : { seccompProfile: { type: "RuntimeDefault" as const } }),
    };
}

/** Combinations Kubernetes refuses or that can never start; `path` is relative to the container. */
export function assertSecurityConsistent(given: SecurityContextSpec | undefined): void {
    const s = effectiveSecurityContext(given);
    if (s.privileged && !s.allowPrivilegeEscalation) {
        throw invalid(
            "security/privileged-escalation",
            false,
            "cannot be false while privileged is true (a privileged container always escalates; Kubernetes rejects this)",
            "Remove allowPrivilegeEscalation, or set privileged to false.",
            "securityContext.allowPrivilegeEscalation",
        );
    }
    if (s.runAsNonRoot && s.runAsUser === 0) {
        throw invalid(
            "security/root-user",
            0,
            `is root, but runAsNonRoot is ${given?.runAsNonRoot === undefined ? "true (the hardened default)" : "true"}, so the kubelet would refuse to start the container`,
            "Give a non-zero UID such as 1000, or set runAsNonRoot to false to run as root.",
            "securityContext.runAsUser",
        );
    }
}
