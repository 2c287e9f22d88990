// The whole canary release task (seed 003): basic information, service, new version, strategy.
import { z } from "zod";
import { assertReleaseVersion, assertTaskName } from "../names";
import { domainCheck, parseInput } from "../schema";
import { booleanSetting, intSetting, textSetting } from "../settings";
import { ContainerSpec, containerSchema } from "./container";
import { TrafficSpec, trafficSchema } from "./traffic";
import { checked, dnsLabel, dnsSubdomain, invalid } from "./values";

export const RELEASE_STRATEGIES = ["immediate", "afterReady", "paused"] as const;

const releaseVersion = checked((v) => {
    assertReleaseVersion(v, "");
    return v;
}, "a string");

const serviceSchema = z
    .object({
        name: checked((v) => {
            if (typeof v === "string" && v.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(v)) {
                return v;
            }
            throw invalid(
                "names/service",
                v,
                "is not a Service name: 1 to 63 lowercase letters, digits or '-', starting with a letter (a DNS-1035 label)",
                "Use the Service's name, such as reviews.",
            );
        }, "a string"),
        app: textSetting({
            rule: "names/app-label",
            problem: "is not a label value: letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
            remedy: "Give the app label of the service's pods, at most 63 characters, e.g. reviews.",
            test: (v) => /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v),
            max: 63,
        }).optional(),
        currentVersion: releaseVersion,
        host: textSetting({
            rule: "names/host",
            problem: "is not a DNS name: lowercase letters, digits, '-' and '.'",
            remedy: "Give the host routed, e.g. reviews.shop.svc.cluster.local, or leave it unset for <service>.<namespace>.svc.cluster.local.",
            test: (v) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(v),
            max: 253,
        }).optional(),
        port: intSetting(1, 65535, 9080).optional(),
    })
    .strict();

const newVersionSchema = z
    .object({
        version: releaseVersion,
        replicas: intSetting(1, 10000, 2).default(1),
        containers: z.array(containerSchema).min(1),
        imagePullSecrets: z.array(dnsSubdomain("a Secret name", "registry-credentials")).default([]),
        deploymentName: dnsSubdomain("a Deployment name", "reviews-v2").optional(),
        terminationGracePeriodSeconds: intSetting(0, 86400, 30).optional(),
        /** Mount the service account token into the pods; off unless the application calls the Kubernetes API. */
        automountServiceAccountToken: booleanSetting("automountServiceAccountToken", true).default(false),
    })
    .strict()
    .superRefine(domainCheck(assertContainers, true));

function assertContainers(v: { containers: ContainerSpec[] }): void {
    const seen = new Set<string>();
    v.containers.forEach((c, i) => {
        if (seen.has(c.name)) {
            throw invalid("container/duplicate", c.name, "names a second container of the pod", "Give each container, init or main, its own name.", `containers[${i}].name`);
        }
        seen.add(c.name);
    });
    if (!v.containers.some((c) => c.type === "main")) {
        throw invalid(
            "container/no-main",
            v.containers.map((c) => c.name),
            "are all init containers; a pod needs a main container to run the application",
            `Add a main container, or set type: "main" on one of them.`,
            "containers",
        );
    }
}

const GATEWAY_REF = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const GATEWAY_HOST = /^(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;

const gatewaySchema = z
    .object({
        gateways: z
            .array(
                checked((g) => {
                    if (g === "mesh") {
                        throw invalid(
                            "gateway/mesh",
                            g,
                            "is the reserved name of the mesh's sidecars",
                            "Remove it; includeMesh (default true) keeps the routes applying inside the mesh.",
                        );
                    }
                    if (typeof g === "string" && GATEWAY_REF.test(g)) {
                        return g;
                    }
                    throw invalid(
                        "gateway/name",
                        g,
                        "is not a gateway reference",
                        "Give <namespace>/<name> (istio-ingress/public) or the name of a Gateway in the release's namespace.",
                    );
                }, "a string"),
            )
            .min(1),
        hosts: z
            .array(
                checked((h) => {
                    if (typeof h === "string" && GATEWAY_HOST.test(h)) {
                        return h;
                    }
                    throw invalid("gateway/host", h, "is not a host name", "Give a lowercase DNS name such as shop.example.com, a wildcard such as *.example.com, or *.");
                }, "a string"),
            )
            .min(1),
        includeMesh: booleanSetting("includeMesh", false).default(true),
    })
    .strict();

export const canarySpecSchema = z
    .object({
        taskName: checked((v) => {
            assertTaskName(v, "");
            return v;
        }, "a string"),
        namespace: dnsLabel("a namespace name", "shop"),
        service: serviceSchema,
        newVersion: newVersionSchema,
        traffic: trafficSchema,
        release: z.enum(RELEASE_STRATEGIES).default("immediate"),
        promote: booleanSetting("promote", true).default(false),
        gateway: gatewaySchema.optional(),
    })
    .strict()
    .superRefine(domainCheck(assertSpecConsistent, true));

interface SpecFields {
    service: { name: string; app?: string; currentVersion: string };
    newVersion: { version: string; deploymentName?: string };
    release: string;
    promote: boolean;
}

/** The new version's Deployment name: given, or `<app>-<version>` (KubeSphere's naming). */
export function deploymentNameOf(s: SpecFields): string {
    return s.newVersion.deploymentName ?? `${s.service.app ?? s.service.name}-${s.newVersion.version}`;
}

function assertSpecConsistent(s: SpecFields): void {
    if (s.newVersion.version === s.service.currentVersion) {
        const m = /^(.*?)(\d+)$/.exec(s.service.currentVersion);
        const next = m !== null ? `${m[1]}${Number(m[2]) + 1}` : `${s.service.currentVersion}2`;
        throw invalid(
            "canary/same-version",
            s.newVersion.version,
            "is the current version; the new version needs its own version label, Deployment and subset",
            `Give the new version another label, such as ${next.length <= 16 ? next : "v2"}.`,
            "newVersion.version",
        );
    }
    const deployment = deploymentNameOf(s);
    if (s.newVersion.deploymentName === undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(deployment)) {
        throw invalid(
            "names/dns-subdomain",
            deployment,
            "is not a Deployment name (derived from the app label and the version): lowercase letters, digits, '-' or '.' only",
            "Set newVersion.deploymentName, e.g. reviews-v2.",
            "newVersion.deploymentName",
        );
    }
    if (s.promote && s.release === "paused") {
        throw invalid(
            "canary/promote-paused",
            true,
            "switches all traffic to the new version, but release is paused, which keeps the routes as they are",
            "Set release to immediate or afterReady to promote, or remove promote while paused.",
            "promote",
        );
    }
}

type ParsedSpec = z.output<typeof canarySpecSchema>;

/** A validated canary release with its defaults filled in. */
export type CanarySpec = Omit<ParsedSpec, "traffic"> & { traffic: TrafficSpec };

/** Validates a canary release and returns it with defaults, or throws the first problem at its path under `path`. */
export function parseCanarySpec(input: unknown, path = "args"): CanarySpec {
    return parseInput(canarySpecSchema, input, path) as CanarySpec;
}
