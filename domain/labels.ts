import { MeshRolloutValidationError } from "./errors";

/** The namespace label of Istio's default injector: `istio-injection=enabled`. */
export const INJECTION_LABEL = "istio-injection";
/** The namespace (or pod) label that picks a revision or a tag: `istio.io/rev=1-13-4`. */
export const REV_LABEL = "istio.io/rev";
/** Tags Istio and the cloud meshes give a meaning to; users may add their own. */
export const WELL_KNOWN_TAGS = ["stable", "canary", "default"] as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A namespace never carries both `istio-injection` and `istio.io/rev` (seed 002: 对同一个namespace,
 * 不应该同时存在 istio-injection 和 istio.io/rev 两个标签): `istio-injection` wins, silently.
 */
export function assertLabelsExclusive(labels: Readonly<Record<string, string>> | undefined, path: string): void {
    if (labels === undefined || !(INJECTION_LABEL in labels) || !(REV_LABEL in labels)) {
        return;
    }
    throw new MeshRolloutValidationError({
        path,
        rule: "labels/exclusive",
        value: { [INJECTION_LABEL]: labels[INJECTION_LABEL], [REV_LABEL]: labels[REV_LABEL] },
        problem: `sets both ${INJECTION_LABEL} and ${REV_LABEL}; ${INJECTION_LABEL} takes precedence, so the revision label is silently ignored`,
        remedy: `Keep only ${REV_LABEL} (a revision such as 1-14-5, or a tag such as stable) and remove ${INJECTION_LABEL}.`,
    });
}

/** A revision name: a DNS-1123 label with no dots (`1-14-5`, `canary-1-14-5`). */
export function assertRevisionName(value: unknown, path: string): asserts value is string {
    assertDnsLabel(value, path, "labels/revision-name", "a revision name", "Use the version with dots as dashes, e.g. 1-14-5.");
}

/** A revision tag: a DNS-1123 label (`stable`, `canary`, `default`, `prod-stable`). */
export function assertTagName(value: unknown, path: string): asserts value is string {
    assertDnsLabel(value, path, "labels/tag-name", "a revision tag", "Use lowercase letters, digits and '-', e.g. stable or prod-canary.");
}

/**
 * An `istio.io/rev` value must name a revision or a tag that the mesh installs; anything else
 * leaves the namespace's new pods without a sidecar.
 */
export function assertRevLabelTarget(value: string, known: { readonly revisions: readonly string[]; readonly tags: readonly string[] }, path: string): void {
    if (known.revisions.includes(value) || known.tags.includes(value)) {
        return;
    }
    const choices = [...known.revisions, ...known.tags];
    throw new MeshRolloutValidationError({
        path,
        rule: "labels/unknown-revision",
        value,
        problem: `names no revision or tag this mesh installs${choices.length > 0 ? ` (${choices.join(", ")})` : ""}; new pods would get no sidecar`,
        remedy: choices.length > 0 ? `Use one of: ${choices.join(", ")}, or install that revision first.` : "Install a revision first.",
    });
}

function assertDnsLabel(value: unknown, path: string, rule: string, what: string, remedy: string): void {
    if (typeof value === "string" && value.length <= 63 && DNS_LABEL.test(value)) {
        return;
    }
    throw new MeshRolloutValidationError({
        path,
        rule,
        value,
        problem: `is not ${what}: it must be 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit`,
        remedy,
    });
}
