// The traffic forwarding strategy (seed 003: Strategy Settings): blue-green, canary by weight or by
// request parameters, and mirroring.
import { z } from "zod";
import { intSetting, remedy } from "../settings";

const MATCH_TEXT = remedy('Give one of exact, prefix or regex with the text to match, e.g. { exact: "jason" } or { prefix: "/api/" }.');
const PERCENT = remedy("Give the share of requests copied, from 0 to 100 (decimals allowed), e.g. 20 or 12.5.");
import { domainCheck } from "../schema";
import { assertRe2, checked, escapeRegex, invalid } from "./values";

export type TrafficKind = "blueGreen" | "canary" | "mirror";
export const TRAFFIC_KINDS: readonly TrafficKind[] = ["blueGreen", "canary", "mirror"];

const stringMatchSchema = z
    .object(
        { exact: z.string(MATCH_TEXT).optional(), prefix: z.string(MATCH_TEXT).min(1, MATCH_TEXT).optional(), regex: z.string(MATCH_TEXT).min(1, MATCH_TEXT).optional() },
        MATCH_TEXT,
    )
    .strict()
    .superRefine(
        domainCheck((m: { exact?: string; prefix?: string; regex?: string }) => {
            const set = (["exact", "prefix", "regex"] as const).filter((k) => m[k] !== undefined);
            if (set.length !== 1) {
                throw invalid("match/string", m, set.length === 0 ? "sets no match type" : `sets ${set.join(" and ")}`, "Set exactly one of exact, prefix or regex.");
            }
            if (m.regex !== undefined) {
                assertRe2(m.regex, "regex");
            }
        }, true),
    );

export type StringMatch = { exact: string } | { prefix: string } | { regex: string };

const HEADER_NAME = /^[a-z0-9][-_a-z0-9]*$/;
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const requestMatchSchema = z
    .object({
        headers: z.record(z.string(), stringMatchSchema, remedy('Give headers by lowercase name, e.g. { "x-user": { exact: "jason" } }.')).optional(),
        cookies: z.record(z.string(), stringMatchSchema, remedy('Give cookies by name, e.g. { user: { exact: "jason" } }.')).optional(),
        uri: stringMatchSchema.optional(),
    })
    .strict()
    .superRefine(domainCheck(assertRequestMatch, true));

type RequestMatchFields = { headers?: Record<string, object>; cookies?: Record<string, object>; uri?: { exact?: string; prefix?: string } };

function assertRequestMatch(m: RequestMatchFields): void {
    const headers = Object.keys(m.headers ?? {});
    const cookies = Object.keys(m.cookies ?? {});
    if (headers.length === 0 && cookies.length === 0 && m.uri === undefined) {
        throw invalid(
            "match/empty",
            m,
            "sets no condition, so it would send every request to the new version",
            "Set headers, cookies or uri; for all traffic use weight: 100 or blueGreen.",
        );
    }
    for (const h of headers) {
        if (!HEADER_NAME.test(h)) {
            throw invalid(
                "match/header-name",
                h,
                "is not a lowercase header name (Istio matches lowercase names: letters, digits, '-' and '_')",
                `Write ${h.toLowerCase()}${HEADER_NAME.test(h.toLowerCase()) ? "" : " without other characters"}.`,
                `headers.${h}`,
            );
        }
    }
    if (cookies.length > 0 && headers.includes("cookie")) {
        throw invalid(
            "match/cookie-twice",
            m.headers?.cookie,
            "is matched beside cookies; both match the single cookie header",
            "Match cookies through cookies only.",
            "headers.cookie",
        );
    }
    if (cookies.length > 1) {
        throw invalid(
            "match/cookies",
            cookies,
            "matches several cookies in one entry; cookies are matched through the cookie header with one RE2 regex, which cannot require several cookies in any order",
            "Match one cookie per entry (entries are alternatives), or combine one cookie with headers or uri.",
            "cookies",
        );
    }
    for (const c of cookies) {
        if (!COOKIE_NAME.test(c)) {
            throw invalid(
                "match/cookie-name",
                c,
                "is not a cookie name (an HTTP token: no spaces, '=', ';' or quotes)",
                "Use the cookie's name as the browser sends it, e.g. canary.",
                `cookies.${c}`,
            );
        }
    }
    for (const key of ["exact", "prefix"] as const) {
        const path = m.uri?.[key];
        if (path !== undefined && !path.startsWith("/")) {
            throw invalid("match/uri", path, "does not start with /", `Give the path from the root, e.g. /${path}.`, `uri.${key}`);
        }
    }
}

export type RequestMatchSpec = { headers?: Record<string, StringMatch>; cookies?: Record<string, StringMatch>; uri?: StringMatch };

const weight = intSetting(0, 100, 20);

/** A sticky canary's cookie lasts a day unless told otherwise: a step usually lasts until the next reviewed update. */
export const DEFAULT_SESSION_TTL_SECONDS = 86400;
/** RFC 6265bis caps a cookie's Max-Age at 400 days; browsers keep no cookie longer. */
export const MAX_SESSION_TTL_SECONDS = 400 * 86400;
/** The longest sticky cookie name (the pod cookie adds `-pod`). */
const MAX_COOKIE_NAME = 128;
const STICKY_EXAMPLE = '{ kind: "canary", weight: 20, sessionAffinity: { cookieName: "reviews-canary" } }';

/** A sticky canary's cookie: an RFC 6265 token that a browser keeps when the mesh sets it without `Secure`. */
export function parseSessionCookieName(value: unknown): string {
    if (typeof value !== "string" || !COOKIE_NAME.test(value)) {
        throw invalid(
            "traffic/session-cookie-name",
            value,
            "is not a cookie name (an RFC 6265 token: letters, digits and !#$%&'*+-.^_`|~; no spaces, '=', ';', ',' or quotes)",
            "Use a name such as reviews-canary.",
        );
    }
    if (value.length > MAX_COOKIE_NAME) {
        throw invalid("traffic/session-cookie-name", value, `is longer than ${MAX_COOKIE_NAME} characters`, "Use a short name such as reviews-canary.");
    }
    const prefix = /^__(host|secure)-/i.exec(value);
    if (prefix !== null) {
        const rest = value.slice(prefix[0].length);
        throw invalid(
            "traffic/session-cookie-name",
            value,
            `starts with ${prefix[0]}, a prefix browsers accept only on cookies set with Secure over HTTPS; the mesh sets the sticky cookie without Secure (a route may serve plain HTTP), so browsers would drop it`,
            `Drop the prefix, e.g. ${rest !== "" ? rest : "reviews-canary"}.`,
        );
    }
    return value;
}

const DURATION = /^(?:(\d{1,9})h)?(?:(\d{1,9})m)?(?:(\d{1,9})s)?$/;

/** A sticky canary's ttl in seconds: whole hours, minutes and seconds (`86400s`, `90m`, `1h30m`), positive, at most 400 days. */
export function parseSessionTtl(value: unknown): number {
    if (typeof value === "number" && Number.isInteger(value) && value > 0) {
        throw invalid("traffic/session-ttl", value, "is a number; the ttl is a duration with its unit", `Write it as a string with its unit: "${value}s".`);
    }
    const m = typeof value === "string" && value !== "" ? DURATION.exec(value) : null;
    if (m === null) {
        throw invalid(
            "traffic/session-ttl",
            value,
            "is not a duration in whole seconds: hours, minutes and seconds, in that order, each a whole number with its unit (h, m, s)",
            'Give how long a user stays on the new version, e.g. "86400s", "90m" or "1h30m".',
        );
    }
    const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
    if (seconds <= 0) {
        throw invalid(
            "traffic/session-ttl",
            value,
            "is not a positive duration; a cookie with Max-Age 0 is dropped at once, so nobody would stick",
            'Give at least "1s", e.g. "3600s"; to stop sticking users, remove sessionAffinity.',
        );
    }
    if (seconds > MAX_SESSION_TTL_SECONDS) {
        throw invalid(
            "traffic/session-ttl",
            value,
            `is longer than 400 days (${MAX_SESSION_TTL_SECONDS}s), the longest Max-Age a browser honours (RFC 6265bis)`,
            `Give at most "${MAX_SESSION_TTL_SECONDS}s", e.g. "86400s" (one day).`,
        );
    }
    return seconds;
}

const sessionAffinitySchema = z
    .object({
        cookieName: checked(parseSessionCookieName, "a cookie name such as reviews-canary"),
        ttl: checked(parseSessionTtl, 'a duration such as "86400s"').optional(),
    })
    .strict()
    .transform((s): SessionAffinitySpec => ({ cookieName: s.cookieName, ttlSeconds: s.ttl ?? DEFAULT_SESSION_TTL_SECONDS }));

/** A sticky canary's cookie, validated: its name and lifetime in whole seconds. */
export interface SessionAffinitySpec {
    cookieName: string;
    ttlSeconds: number;
}

const blueGreenSchema = z.object({ kind: z.literal("blueGreen"), serve: z.enum(["new", "old"]) }).strict();

const canarySchema = z
    .object({
        kind: z.literal("canary"),
        weight: weight.optional(),
        steps: z.array(weight).min(1).optional(),
        step: intSetting(0, 1000, 1).optional(),
        match: z.array(requestMatchSchema).min(1).optional(),
        sessionAffinity: sessionAffinitySchema.optional(),
    })
    .strict()
    .superRefine(domainCheck(assertCanaryShape, true));

function assertCanaryShape(c: { weight?: number; steps?: number[]; step?: number; match?: unknown[] }): void {
    const set = (["weight", "steps", "match"] as const).filter((k) => c[k] !== undefined);
    if (set.length === 0) {
        throw invalid(
            "traffic/canary-shape",
            c,
            "sets none of weight, steps or match",
            "Set weight (the new version's share in percent), steps with step (shares applied one update at a time), or match (request parameters).",
        );
    }
    if (set.length > 1) {
        throw invalid("traffic/canary-shape", c[set[1]], `cannot be combined with ${set[0]}; a canary splits traffic one way`, `Keep either ${set[0]} or ${set[1]}.`, set[1]);
    }
    if (c.steps !== undefined && c.step === undefined) {
        throw invalid(
            "traffic/step",
            c.step,
            `is required with steps (${c.steps.join(", ")})`,
            `Set step to the index of the share to apply, 0 to ${c.steps.length - 1} (from stack config, one update per step).`,
            "step",
        );
    }
    if (c.steps === undefined && c.step !== undefined) {
        throw invalid("traffic/step", c.step, "is set without steps", "Remove step, or list the shares in steps.", "step");
    }
    if (c.steps !== undefined && c.step !== undefined && c.step >= c.steps.length) {
        throw invalid(
            "traffic/step",
            c.step,
            `is past the last step: steps has ${c.steps.length} (${c.steps.join(", ")}), indexes 0 to ${c.steps.length - 1}`,
            `Use a step from 0 to ${c.steps.length - 1}; to finish, set promote: true.`,
            "step",
        );
    }
}

/** Why a kind other than the weighted canary has no session affinity. */
const NOT_STICKY: Readonly<Record<string, string>> = {
    blueGreen: "blueGreen sends every request to one version, so there is no split for a user to stick to",
    mirror: "mirror serves every request from the current version (the new one only gets copies), so no user is served by the new version",
};

/**
 * `sessionAffinity` outside a weighted canary: refused with the kind's reason (rather than as an unknown
 * key of blue-green or mirror). Checked on the arguments as given, before each kind's own schema.
 */
function assertStickyKind(t: { kind: string; match?: unknown; sessionAffinity?: unknown }): void {
    if (t.sessionAffinity === undefined) {
        return;
    }
    if (t.kind === "canary" && t.match !== undefined) {
        throw invalid(
            "traffic/session-affinity-kind",
            t.sessionAffinity,
            "applies only to a weighted canary (weight or steps); with match, each request's own headers or cookies already choose its version",
            `Remove sessionAffinity and keep users on the new version with a cookie match, e.g. match: [{ cookies: { canary: { exact: "yes" } } }], or split by weight with it: ${STICKY_EXAMPLE}.`,
            "sessionAffinity",
        );
    }
    const reason = NOT_STICKY[t.kind];
    if (reason !== undefined) {
        throw invalid(
            "traffic/session-affinity-kind",
            t.sessionAffinity,
            `applies only to a weighted canary (kind canary with weight or steps); ${reason}`,
            `Remove sessionAffinity, or release by weight with it: ${STICKY_EXAMPLE}.`,
            "sessionAffinity",
        );
    }
}

const mirrorSchema = z.object({ kind: z.literal("mirror"), percentage: z.number(PERCENT).min(0, PERCENT).max(100, PERCENT).default(100) }).strict();

/** The kind is checked first, so that a misspelt kind is reported with the allowed values. */
export const trafficSchema = z
    .object({ kind: z.enum(["blueGreen", "canary", "mirror"]) })
    .loose()
    .superRefine(domainCheck(assertStickyKind, true))
    .pipe(z.discriminatedUnion("kind", [blueGreenSchema, canarySchema, mirrorSchema]));

export type TrafficSpec =
    | { kind: "blueGreen"; serve: "new" | "old" }
    | { kind: "canary"; weight?: number; steps?: number[]; step?: number; match?: RequestMatchSpec[]; sessionAffinity?: SessionAffinitySpec }
    | { kind: "mirror"; percentage: number };

/**
 * An RE2 regex on the `cookie` header that holds when cookie `name` matches: `canary=yes` among
 * other cookies, in any position. Istio has no cookie match of its own.
 */
export function cookieRegex(name: string, match: StringMatch): string {
    let value: string;
    if ("exact" in match) {
        value = escapeRegex(match.exact);
    } else if ("prefix" in match) {
        value = `${escapeRegex(match.prefix)}[^;]*`;
    } else {
        value = `(?:${match.regex})`;
    }
    return `^(.*?;\\s*)?(${escapeRegex(name)}=${value})(;.*)?$`;
}
