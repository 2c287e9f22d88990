import { z } from "zod";
import { joinPath, MeshRolloutValidationError } from "./errors";
import { assertTagName, INJECTION_LABEL, REV_LABEL } from "./labels";
import { planParsedUpgrade, UpgradePlan } from "./planner";
import { domainCheck, parseInput } from "./schema";
import { dnsLabelSetting, intSetting, labelMapSetting, booleanSetting, remedy, textSetting } from "./settings";
import { CanaryStage, stageSchema } from "./stages";
import { formatVersion, meshVersionSchema, normalizeVersion, revisionName } from "./versions";

const tagRef = z.string(remedy("Give the name of a tag declared in 'tags', e.g. stable.")).superRefine(domainCheck((v: string) => assertTagName(v, "")));
const portName = textSetting({
    rule: "names/port",
    problem: "is not a port name: at most 15 lowercase letters, digits or '-', starting with the protocol",
    remedy: "Name the port after its protocol, e.g. http2 or https-admin.",
    test: (v) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) && /[a-z]/.test(v),
    max: 15,
});

/** Which revision a tag follows through an upgrade. */
export type TagRole = "current" | "upgrade";

/** The workload kinds `restart` accepts: those whose pod template a patch can change. */
export const RESTART_KINDS = ["Deployment", "StatefulSet", "DaemonSet"] as const;
/** A workload to restart onto its namespace's revision. */
export interface RestartTarget {
    readonly kind: (typeof RESTART_KINDS)[number];
    readonly name: string;
}

export const meshNamespaceSchema = z
    .object(
        {
            name: dnsLabelSetting("a namespace name", "shop-v2"),
            /** Bind through this tag (`istio.io/rev=<tag>`) instead of the revision name. */
            tag: tagRef.optional(),
            /** Extra labels. */
            labels: labelMapSetting().optional(),
            /** Create the namespace (true) or only label an existing one (false). */
            create: booleanSetting("create", false).default(true),
            /**
             * Workloads whose pods restart (pod-template annotation) when the namespace's revision changes: a
             * name is a Deployment; `{ kind, name }` names a Deployment, StatefulSet or DaemonSet.
             */
            restart: z
                .array(
                    z.union(
                        [
                            dnsLabelSetting("a Deployment name", "cart"),
                            z
                                .object(
                                    {
                                        kind: z.enum(RESTART_KINDS, remedy('Give Deployment, StatefulSet or DaemonSet, e.g. { kind: "StatefulSet", name: "db" }.')),
                                        name: dnsLabelSetting("a workload name", "db"),
                                    },
                                    remedy('Give a workload as a name (a Deployment) or { kind, name }, e.g. { kind: "StatefulSet", name: "db" }.'),
                                )
                                .strict(),
                        ],
                        remedy('Give a workload as a name (a Deployment) or { kind, name }, e.g. "cart" or { kind: "DaemonSet", name: "agent" }.'),
                    ),
                    remedy('Give the workloads to restart as a list, e.g. restart: ["cart", { kind: "StatefulSet", name: "db" }].'),
                )
                .max(500)
                .default([])
                .transform((list) => list.map((w): RestartTarget => (typeof w === "string" ? { kind: "Deployment", name: w } : w))),
            /** Move this namespace at controlPlane already, to verify the new revision (seed 002's `canary` namespace). */
            moveAt: z.enum(["controlPlane", "dataPlane"], remedy('E.g. moveAt: "controlPlane" for a namespace that verifies the new revision.')).default("dataPlane"),
            /** Keep this namespace on the old revision through dataPlane. Finalize is refused while held. */
            hold: booleanSetting("hold", true).default(false),
            /**
             * What removing the namespace from `namespaces` (or destroying the mesh) does to a namespace this
             * mesh created: false (the default) unbinds it (the mesh's labels are removed, the Namespace and
             * its workloads stay); true deletes the Namespace and everything in it. An existing namespace
             * (`create: false`) is only ever unbound.
             */
            deleteWhenRemoved: booleanSetting("deleteWhenRemoved", true).default(false),
        },
        remedy('Give a namespace as an object, e.g. { name: "shop", restart: ["cart"] }.'),
    )
    .strict()
    .superRefine(domainCheck((ns: { labels?: Record<string, string> }) => assertNoInjectionLabels(ns.labels), true))
    .superRefine(domainCheck((ns: { create: boolean; deleteWhenRemoved: boolean }) => assertDeletable(ns), true));

/** Only a namespace the mesh created can be deleted with it; an existing one belongs to someone else. */
function assertDeletable(ns: { create: boolean; deleteWhenRemoved: boolean }): void {
    if (ns.deleteWhenRemoved && !ns.create) {
        throw new MeshRolloutValidationError({
            path: "deleteWhenRemoved",
            rule: "mesh/delete-existing-namespace",
            value: true,
            problem: "is set on an existing namespace (create: false), which mesh-rollout only labels and never deletes",
            remedy: "Remove deleteWhenRemoved (the namespace is unbound when it leaves the mesh), or set create: true if this mesh owns it.",
        });
    }
}

/** mesh-rollout sets `istio.io/rev` itself; `istio-injection` beside it would silently win (seed 002). */
function assertNoInjectionLabels(labels: Record<string, string> | undefined): void {
    for (const key of [INJECTION_LABEL, REV_LABEL]) {
        if (labels !== undefined && key in labels) {
            throw new MeshRolloutValidationError({
                path: `labels.${key}`,
                rule: key === INJECTION_LABEL ? "labels/exclusive" : "mesh/managed-label",
                value: labels[key],
                problem:
                    key === INJECTION_LABEL
                        ? `is set, but mesh-rollout binds the namespace with ${REV_LABEL}, and a namespace never carries both (${INJECTION_LABEL} would silently win)`
                        : "is managed by mesh-rollout from the stage and the namespace's 'tag'",
                remedy:
                    key === INJECTION_LABEL
                        ? `Remove ${INJECTION_LABEL}; to follow the default revision, bind through a tag ('tag: "default"').`
                        : `Remove it; set 'tag' to bind through a tag instead of the revision name.`,
            });
        }
    }
}

export const meshGatewaySchema = z
    .object(
        {
            name: dnsLabelSetting("a gateway name", "ingress"),
            namespace: dnsLabelSetting("a namespace name", "istio-ingress"),
            /** Bind through this tag instead of the revision name. */
            tag: tagRef.optional(),
            replicas: intSetting(1, 1000, 2).default(1),
            /** Service type of the gateway. */
            serviceType: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).default("ClusterIP"),
            ports: z
                .array(
                    z
                        .object(
                            { name: portName, port: intSetting(1, 65535, 443), targetPort: intSetting(1, 65535, 8443) },
                            remedy('Give a port as { name, port, targetPort }, e.g. { name: "https", port: 443, targetPort: 8443 }.'),
                        )
                        .strict(),
                    remedy('Give the ports as a list, e.g. [{ name: "https", port: 443, targetPort: 8443 }].'),
                )
                .max(100)
                .default([
                    { name: "http2", port: 80, targetPort: 8080 },
                    { name: "https", port: 443, targetPort: 8443 },
                ]),
            hold: booleanSetting("hold", true).default(false),
        },
        remedy('Give a gateway as an object, e.g. { name: "ingress", namespace: "istio-ingress" }.'),
    )
    .strict();

export const meshTagSchema = z
    .object(
        {
            name: z.string(remedy("Give a tag name, e.g. stable or prod-canary.")).superRefine(domainCheck((v: string) => assertTagName(v, ""))),
            /** `current`: follows the revision serving the mesh (old until dataPlane, then new). `upgrade`: points at the new revision only while an upgrade is under way. */
            follows: z.enum(["current", "upgrade"]).default("current"),
        },
        remedy('Give a tag as an object, e.g. { name: "canary", follows: "upgrade" }.'),
    )
    .strict();

export const meshUpgradeSchema = z
    .object(
        {
            to: meshVersionSchema,
            stage: stageSchema,
        },
        remedy('Give the upgrade as { to, stage }, e.g. { to: "1.14.5", stage: "controlPlane" }.'),
    )
    .strict();

export const meshSpecSchema = z
    .object({
        /** The version the mesh runs (before an upgrade: the source). */
        version: meshVersionSchema,
        upgrade: meshUpgradeSchema.optional(),
        istioNamespace: dnsLabelSetting("a namespace name", "istio-system").default("istio-system"),
        namespaces: z.array(meshNamespaceSchema, remedy('Give namespaces as a list, e.g. [{ name: "shop" }].')).max(1000).default([]),
        gateways: z.array(meshGatewaySchema, remedy('Give gateways as a list, e.g. [{ name: "ingress", namespace: "istio-ingress" }].')).max(100).default([]),
        tags: z.array(meshTagSchema, remedy('Give tags as a list, e.g. [{ name: "stable" }].')).max(100).default([]),
    })
    .strict()
    .superRefine((spec, ctx) => {
        const seen = new Set<string>();
        spec.namespaces.forEach((ns, i) => {
            if (seen.has(ns.name)) {
                ctx.addIssue({
                    code: "custom",
                    message: "duplicate",
                    params: { error: duplicate(joinPath(joinPath("namespaces", i), "name"), ns.name, "namespace") },
                    path: ["namespaces", i, "name"],
                });
            }
            seen.add(ns.name);
        });
        const tags = new Set<string>();
        spec.tags.forEach((t, i) => {
            if (tags.has(t.name)) {
                ctx.addIssue({ code: "custom", message: "duplicate", params: { error: duplicate(`tags[${i}].name`, t.name, "tag") }, path: ["tags", i, "name"] });
            }
            tags.add(t.name);
        });
        const checkTagRef = (tag: string | undefined, path: (string | number)[]) => {
            if (tag !== undefined && !tags.has(tag)) {
                const err = new MeshRolloutValidationError({
                    path: path.join("."),
                    rule: "mesh/unknown-tag",
                    value: tag,
                    problem: `names no tag declared in 'tags'${tags.size > 0 ? ` (${[...tags].join(", ")})` : ""}`,
                    remedy: `Declare it in 'tags', e.g. { name: "${tag}", follows: "current" }, or bind by revision (remove 'tag').`,
                });
                ctx.addIssue({ code: "custom", message: err.message, params: { error: err }, path });
            }
        };
        spec.namespaces.forEach((ns, i) => checkTagRef(ns.tag, ["namespaces", i, "tag"]));
        spec.gateways.forEach((gw, i) => checkTagRef(gw.tag, ["gateways", i, "tag"]));
    });

export type MeshSpecInput = z.input<typeof meshSpecSchema>;
export type MeshSpec = z.output<typeof meshSpecSchema>;

function duplicate(path: string, value: string, what: string): MeshRolloutValidationError {
    return new MeshRolloutValidationError({ path, rule: "mesh/duplicate", value, problem: `is declared twice as a ${what}`, remedy: `Declare each ${what} once.` });
}

/** A control-plane revision the mesh runs at a stage. */
export interface RevisionLayout {
    readonly name: string;
    readonly version: string;
    /** `old`: the source of an upgrade (or the only one); `new`: its target. */
    readonly role: "old" | "new";
}

export interface NamespaceLayout {
    readonly name: string;
    readonly create: boolean;
    /** Full label set, including `istio.io/rev`. */
    readonly labels: Readonly<Record<string, string>>;
    /** The revision the namespace's pods get (through the tag when bound by tag). */
    readonly revision: string;
    /**
     * Workloads to restart at this stage: only when the namespace is moved between revisions (an
     * upgrade's stage moved it, or a rollback moves it back); never on a first install or without an
     * upgrade, when there is nothing to move.
     */
    readonly restart: readonly RestartTarget[];
    /** Delete the Namespace when it leaves the mesh (create: true only). */
    readonly deleteWhenRemoved: boolean;
}

export interface GatewayLayout {
    readonly name: string;
    readonly namespace: string;
    /** The `istio.io/rev` value on the gateway's pods. */
    readonly revLabel: string;
    readonly revision: string;
    readonly replicas: number;
    readonly serviceType: "ClusterIP" | "NodePort" | "LoadBalancer";
    readonly ports: readonly { name: string; port: number; targetPort: number }[];
}

/** What exists at one stage: the answer to "which revisions, tags, labels and gateways?". */
export interface MeshLayout {
    /** `none` when no upgrade is declared. */
    readonly stage: CanaryStage | "none";
    readonly oldRevision: string;
    readonly newRevision?: string;
    readonly revisions: readonly RevisionLayout[];
    /** Tag name -> revision. A tag that is absent at this stage is not listed. */
    readonly tags: Readonly<Record<string, string>>;
    readonly namespaces: readonly NamespaceLayout[];
    readonly gateways: readonly GatewayLayout[];
    /** `namespace/<name>`, `gateway/<ns>/<name>`, `tag/<name>` still on the old revision while a newer one is installed. */
    readonly onOldRevision: readonly string[];
    /** The planner's answer for the upgrade (absent without one). */
    readonly plan?: UpgradePlan;
}

/** Validates a mesh spec and returns it with defaults, or throws the first problem at its path under `path`. */
export function parseMeshSpec(input: unknown, path = "args"): MeshSpec {
    return parseInput(meshSpecSchema, input, path);
}

/**
 * The layout of a mesh at its stage (the table in the README):
 *
 * | stage        | revisions | tag `current` | tag `upgrade` | namespaces, gateways |
 * |--------------|-----------|---------------|---------------|----------------------|
 * | none         | old       | old           | -             | old                  |
 * | controlPlane | old, new  | old           | new           | old (moveAt controlPlane: new) |
 * | dataPlane    | old, new  | new           | new           | new (hold: old)      |
 * | finalize     | new       | new           | -             | new (hold: old, refused by policy) |
 * | rollback     | old, new  | old           | -             | old                  |
 *
 * A rollback keeps the new revision installed (nothing points at it) until the upgrade is removed from
 * the stack: pods can only move back once their namespaces do, and the policy pack refuses removing
 * the new revision while any pod still runs its sidecar.
 */
export function layoutMesh(spec: MeshSpec, path = ""): MeshLayout {
    const at = (p: string) => (path === "" ? p : joinPath(path, p));
    const oldVersion = normalizeVersion(spec.version);
    const oldRevision = revisionName(spec.version);
    const stage = spec.upgrade?.stage ?? "none";
    // The versions were parsed once by the schema; the planner takes them parsed.
    const plan = spec.upgrade ? planParsedUpgrade(spec.version, spec.upgrade.to, "canary", { from: at("version"), to: at("upgrade.to"), strategy: at("upgrade") }) : undefined;
    const newVersion = spec.upgrade ? normalizeVersion(spec.upgrade.to) : undefined;
    const newRevision = spec.upgrade ? revisionName(spec.upgrade.to) : undefined;
    if (newRevision !== undefined && newRevision === oldRevision) {
        throw new MeshRolloutValidationError({
            path: at("upgrade.to"),
            rule: "mesh/same-revision",
            value: spec.upgrade ? formatVersion(spec.upgrade.to) : undefined,
            problem: `has the same revision name as ${oldVersion} (${oldRevision}), so a canary cannot run it beside the old one`,
            remedy: `Change 'version' to ${newVersion} instead (an in-place upgrade), and remove 'upgrade'.`,
        });
    }

    const revisions: RevisionLayout[] = [];
    const oldInstalled = stage !== "finalize";
    const newInstalled = stage === "controlPlane" || stage === "dataPlane" || stage === "finalize" || stage === "rollback";
    if (oldInstalled) {
        revisions.push({ name: oldRevision, version: oldVersion, role: "old" });
    }
    if (newInstalled && newRevision !== undefined && newVersion !== undefined) {
        revisions.push({ name: newRevision, version: newVersion, role: "new" });
    }
    const serving = (stage === "dataPlane" || stage === "finalize") && newRevision !== undefined ? newRevision : oldRevision;

    const tags: Record<string, string> = {};
    for (const tag of spec.tags) {
        if (tag.follows === "current") {
            tags[tag.name] = serving;
        } else if ((stage === "controlPlane" || stage === "dataPlane") && newRevision !== undefined) {
            tags[tag.name] = newRevision;
        }
    }

    const onOld: string[] = [];
    const revisionFor = (moveAt: "controlPlane" | "dataPlane", hold: boolean): string => {
        if (newRevision === undefined || hold) {
            return oldRevision;
        }
        if (stage === "controlPlane") {
            return moveAt === "controlPlane" ? newRevision : oldRevision;
        }
        return stage === "dataPlane" || stage === "finalize" ? newRevision : oldRevision;
    };

    const namespaces = spec.namespaces.map((ns): NamespaceLayout => {
        const direct = revisionFor(ns.moveAt, ns.hold);
        const revLabel = ns.tag ?? direct;
        const revision = ns.tag !== undefined ? (tags[ns.tag] ?? direct) : direct;
        const labels: Record<string, string> = { ...(ns.labels ?? {}), [REV_LABEL]: revLabel };
        delete labels[INJECTION_LABEL];
        // Restarts move pods: only at a stage that moves this namespace (or moves it back at rollback).
        const moves = newRevision !== undefined && (revision !== oldRevision || stage === "rollback");
        return { name: ns.name, create: ns.create, labels, revision, restart: moves ? ns.restart : [], deleteWhenRemoved: ns.create && ns.deleteWhenRemoved };
    });
    const gateways = spec.gateways.map((gw): GatewayLayout => {
        const direct = revisionFor("dataPlane", gw.hold);
        const revLabel = gw.tag ?? direct;
        return {
            name: gw.name,
            namespace: gw.namespace,
            revLabel,
            revision: gw.tag !== undefined ? (tags[gw.tag] ?? direct) : direct,
            replicas: gw.replicas,
            serviceType: gw.serviceType,
            ports: gw.ports,
        };
    });

    if (newRevision !== undefined && newInstalled && stage !== "rollback") {
        namespaces.filter((n) => n.revision === oldRevision).forEach((n) => onOld.push(`namespace/${n.name}`));
        gateways.filter((g) => g.revision === oldRevision).forEach((g) => onOld.push(`gateway/${g.namespace}/${g.name}`));
        Object.entries(tags)
            .filter(([, rev]) => rev === oldRevision)
            .forEach(([t]) => onOld.push(`tag/${t}`));
    }

    return {
        stage,
        oldRevision,
        ...(newRevision !== undefined && newInstalled ? { newRevision } : {}),
        revisions,
        tags,
        namespaces,
        gateways,
        onOldRevision: onOld,
        ...(plan !== undefined ? { plan } : {}),
    };
}
