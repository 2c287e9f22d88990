// The documented arguments of a canary release (seed 003, KubeSphere's canary release task). These
// are the public shapes; `spec.ts` holds the zod schemas that check them and fill in the defaults.
import type { PortProtocol } from "../names";

/** How business traffic moves: Immediate Switch, Switch After Ready, Pause Switch (seed 003). */
export type ReleaseStrategy = "immediate" | "afterReady" | "paused";

/** One of `exact`, `prefix` or `regex` (RE2, whole value). Istio `StringMatch`. */
export type StringMatchArgs = { readonly exact: string } | { readonly prefix: string } | { readonly regex: string };

/**
 * Request parameters (seed 003: Specify Request Parameters). Every condition of one entry must hold;
 * a request matching any entry goes to the new version. Istio `HTTPMatchRequest`.
 */
export interface RequestMatchArgs {
    /** Request headers by lowercase name. */
    readonly headers?: Readonly<Record<string, StringMatchArgs>>;
    /** One cookie by name, matched through the `cookie` header with an RE2 regex. */
    readonly cookies?: Readonly<Record<string, StringMatchArgs>>;
    /** The request path. `exact` and `prefix` start with `/`. */
    readonly uri?: StringMatchArgs;
}

/** Blue-green: all business traffic to one version. `new` takes over, `old` hands back. */
export interface BlueGreenTrafficArgs {
    readonly kind: "blueGreen";
    readonly serve: "new" | "old";
}

/**
 * Sticky canary (weighted canaries only): a user whom the weighted route sent to the new version keeps
 * reaching it. The new version's answers on the weighted route set the cookie `<cookieName>=<version>`
 * (`Max-Age` = `ttl`), and a route before the weighted one sends requests carrying it to the new
 * version; its DestinationRule subset hashes on a second cookie, `<cookieName>-pod`, so that the user
 * also stays on one of its pods. Istio DestinationRule `consistentHash.httpCookie`, Flagger `sessionAffinity`.
 */
export interface CanarySessionAffinityArgs {
    /**
     * The cookie's name: an RFC 6265 token (letters, digits and ``!#$%&'*+-.^_`|~``), at most 128
     * characters, without the `__Host-` or `__Secure-` prefix (the mesh sets it without `Secure`).
     */
    readonly cookieName: string;
    /**
     * How long a user stays on the new version after it first served them: a duration in whole hours,
     * minutes and seconds (`86400s`, `90m`, `1h30m`), at most 400 days. @default "86400s"
     */
    readonly ttl?: string;
}

/**
 * Canary: set exactly one of `weight`, `steps` (with `step`) or `match`.
 * - `weight`: the new version's share of traffic in percent (0-100); the current version gets the rest.
 * - `steps` + `step`: a list of such shares and the index of the one to apply (stack config, one update per step).
 * - `match`: requests matching any entry go to the new version, the rest to the current one.
 */
export interface CanaryTrafficArgs {
    readonly kind: "canary";
    readonly weight?: number;
    readonly steps?: readonly number[];
    readonly step?: number;
    readonly match?: readonly RequestMatchArgs[];
    /** With `weight` or `steps`: a user the new version served keeps reaching it (a cookie). */
    readonly sessionAffinity?: CanarySessionAffinityArgs;
}

/** Mirroring: all traffic to the current version, a copy of `percentage` percent to the new one. */
export interface MirrorTrafficArgs {
    readonly kind: "mirror";
    /** Share of requests copied, 0-100 (decimals allowed). Istio `mirrorPercentage`. @default 100 */
    readonly percentage?: number;
}

export type TrafficArgs = BlueGreenTrafficArgs | CanaryTrafficArgs | MirrorTrafficArgs;

/** The service being released: a Kubernetes Service whose pods carry `app` and `version` labels. */
export interface CanaryServiceArgs {
    /** The Service's name; also the name of the DestinationRule and the VirtualService. */
    readonly name: string;
    /** The `app` label of the service's pods. @default the service name */
    readonly app?: string;
    /** The `version` label of the current version's pods (seed 003: lowercase letters and digits, at most 16). */
    readonly currentVersion: string;
    /** The host routed. @default `<name>.<namespace>.svc.cluster.local` */
    readonly host?: string;
    /** The destination port, when the Service has several. @default none (Istio picks the only port) */
    readonly port?: number;
}

/** HTTP GET (2xx/3xx succeeds). Kubernetes `httpGet`. */
export interface HttpActionArgs {
    /** @default "/" */
    readonly path?: string;
    /** A container port number or port name. */
    readonly port: number | string;
    /** @default "HTTP" */
    readonly scheme?: "HTTP" | "HTTPS";
}

/** A command, as a list or as one comma-separated string (seed 003): `"sh,-c,test -f /tmp/ok"`. */
export type CommandArgs = readonly string[] | string;

/** Exactly one check method: `http`, `command` or `tcp` (a TCP connection to a container port). */
export interface ActionArgs {
    readonly http?: HttpActionArgs;
    readonly command?: CommandArgs;
    readonly tcp?: { readonly port: number | string };
}

/** A health check (seed 003: Add Probe). Kubernetes `Probe`. */
export interface ProbeArgs extends ActionArgs {
    /** Seconds after start before the first check. @default 0 */
    readonly initialDelaySeconds?: number;
    /** Seconds before a check fails; at least 0. @default 1 */
    readonly timeoutSeconds?: number;
    /** Seconds between checks; at least 1. @default 10 */
    readonly periodSeconds?: number;
    /** Successes needed after a failure; at least 1, and exactly 1 for liveness and startup probes. @default 1 */
    readonly successThreshold?: number;
    /** Failures needed after a success; at least 1. @default 3 */
    readonly failureThreshold?: number;
}

/** CPU in cores, memory in MiB (seed 003), rendered as Kubernetes quantities (`500m`, `512Mi`). */
export interface ResourcesArgs {
    readonly cpuRequest?: number;
    readonly cpuLimit?: number;
    readonly memoryRequest?: number;
    readonly memoryLimit?: number;
}

/** A container port. The name starts with the lowercase protocol (`http-web`). */
export interface ContainerPortArgs {
    readonly protocol: PortProtocol;
    readonly name: string;
    readonly containerPort: number;
}

/** An environment variable: a `value`, or a `key` of a `configMap` or a `secret` in the same namespace. */
export interface EnvVarArgs {
    readonly name: string;
    readonly value?: string;
    readonly configMap?: string;
    readonly secret?: string;
    readonly key?: string;
}

/**
 * Kubernetes container `securityContext`. Unset fields keep the hardened baseline: no privilege
 * escalation, not privileged, read-only root filesystem, run as non-root, drop ALL capabilities.
 */
export interface SecurityContextArgs {
    /** @default false */
    readonly privileged?: boolean;
    /** @default false, or true when `privileged` */
    readonly allowPrivilegeEscalation?: boolean;
    /** @default true */
    readonly readOnlyRootFilesystem?: boolean;
    /** @default true */
    readonly runAsNonRoot?: boolean;
    /** UID of the entry point. @default the image's */
    readonly runAsUser?: number;
    /** GID of the entry point. @default the runtime's */
    readonly runAsGroup?: number;
    readonly seLinuxOptions?: { readonly level?: string; readonly role?: string; readonly type?: string; readonly user?: string };
    /** Capability names without the `CAP_` prefix (`SYS_TIME`). @default drop ["ALL"], add none */
    readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
}

/** One container of the new version (seed 003: Add Container). */
export interface ContainerArgs {
    /** DNS-1123 label, at most 63 characters. */
    readonly name: string;
    readonly image: string;
    /** @default "main" */
    readonly type?: "main" | "init";
    readonly resources?: ResourcesArgs;
    readonly ports?: readonly ContainerPortArgs[];
    /** `IfNotPresent` (prefer local), `Always` (always pull), `Never` (local only). @default "IfNotPresent" */
    readonly imagePullPolicy?: "IfNotPresent" | "Always" | "Never";
    readonly livenessProbe?: ProbeArgs;
    readonly readinessProbe?: ProbeArgs;
    readonly startupProbe?: ProbeArgs;
    /** Post-start action (`http` or `command`). */
    readonly postStart?: ActionArgs;
    /** Pre-stop action (`http` or `command`). */
    readonly preStop?: ActionArgs;
    readonly command?: CommandArgs;
    readonly args?: CommandArgs;
    readonly env?: readonly EnvVarArgs[];
    readonly securityContext?: SecurityContextArgs;
    /** Mount the host's /etc/localtime read-only. @default false */
    readonly syncHostTimezone?: boolean;
}

/** The new version (seed 003: New Version Settings). */
export interface NewVersionArgs {
    /** The `version` label: lowercase letters and digits, at most 16, not the current version. */
    readonly version: string;
    /** @default 1 */
    readonly replicas?: number;
    readonly containers: readonly ContainerArgs[];
    /** Secrets of private image services. @default [] */
    readonly imagePullSecrets?: readonly string[];
    /** @default `<app>-<version>` */
    readonly deploymentName?: string;
    /** Pod `terminationGracePeriodSeconds`. @default Kubernetes' 30 */
    readonly terminationGracePeriodSeconds?: number;
    /**
     * Mount the pod's service account token (Kubernetes `automountServiceAccountToken`). Off by default:
     * set true only when the application calls the Kubernetes API. @default false
     */
    readonly automountServiceAccountToken?: boolean;
}

/** Also apply the routes at ingress gateways. Istio VirtualService `gateways` and `hosts`. */
export interface GatewayBindingArgs {
    /** Gateways as `<namespace>/<name>` or `<name>`. */
    readonly gateways: readonly string[];
    /** Hosts the gateways serve (`shop.example.com`, `*.example.com`). */
    readonly hosts: readonly string[];
    /** Keep applying the routes inside the mesh too (the `mesh` gateway). @default true */
    readonly includeMesh?: boolean;
}

/** Everything that decides a canary release, as plain values (stack config, typically). */
export interface CanaryReleaseSpecInput {
    /** Task name: a DNS-1123 subdomain of at most 253 characters. @default the resource name */
    readonly taskName?: string;
    /** Namespace of the service and both versions. */
    readonly namespace: string;
    readonly service: CanaryServiceArgs;
    readonly newVersion: NewVersionArgs;
    readonly traffic: TrafficArgs;
    /** @default "immediate" */
    readonly release?: ReleaseStrategy;
    /** Make the new version the only one: all traffic to it, the current version's subset removed. @default false */
    readonly promote?: boolean;
    readonly gateway?: GatewayBindingArgs;
}
