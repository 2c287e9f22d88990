// Schema builders for the settings components take, each with its rule in words and a remedy with a
// valid example, so that a refusal says what to write instead (not "Give a string.").
import { z } from "zod";
import { MeshRolloutValidationError } from "./errors";
import { clip } from "./quote";
import { domainCheck, REMEDY_MARK } from "./schema";

/** zod's `error` parameter that makes a schema's own issues (type, bounds, enum) carry this remedy. */
export function remedy(text: string): { error: () => string } {
    return { error: () => `${REMEDY_MARK}${text}` };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A string setting with a grammar: the rule in words and a valid example. */
export interface TextRule {
    /** Machine-readable rule id (`names/dns-label`). */
    readonly rule: string;
    /** The rule in words, as the message's problem (`is not a DNS-1123 label: ...`). */
    readonly problem: string;
    /** What to write instead, with an example. */
    readonly remedy: string;
    readonly test: (value: string) => boolean;
    /** Longest accepted value. */
    readonly max: number;
}

/** A string setting checked against `rule`; a non-string gets the same remedy. */
export function textSetting(rule: TextRule) {
    return z.string(remedy(rule.remedy)).superRefine(
        domainCheck((value: string) => {
            if (value.length <= rule.max && rule.test(value)) {
                return;
            }
            throw new MeshRolloutValidationError({
                path: "",
                rule: rule.rule,
                value,
                problem: value.length > rule.max ? `is ${value.length} characters long; the limit is ${rule.max}` : rule.problem,
                remedy: rule.remedy,
            });
        }),
    );
}

/** A DNS-1123 label (namespace, Service, gateway, ConfigMap name): `shop-v2`. */
export function dnsLabelSetting(what: string, example: string) {
    return textSetting({
        rule: "names/dns-label",
        problem: `is not ${what}: a DNS-1123 label`,
        remedy: `Use lowercase letters, digits and '-', at most 63, starting and ending with a letter or digit, e.g. ${example}.`,
        test: (v) => DNS_LABEL.test(v),
        max: 63,
    });
}

/** A DNS-1123 subdomain (Deployment, Secret name): `reviews-v2`. */
export function dnsSubdomainSetting(what: string, example: string) {
    return textSetting({
        rule: "names/dns-subdomain",
        problem: `is not ${what}: a DNS-1123 subdomain`,
        remedy: `Use lowercase letters, digits, '-' and '.', at most 253, starting and ending with a letter or digit, e.g. ${example}.`,
        test: (v) => DNS_SUBDOMAIN.test(v),
        max: 253,
    });
}

/** A whole number in [min, max]. */
export function intSetting(min: number, max: number, example: number) {
    const r = remedy(`Give a whole number from ${min} to ${max}, e.g. ${example}.`);
    return z.number(r).int(r).min(min, r).max(max, r);
}

/** true or false, not a string: `"no"` is refused, not read as true. */
export function booleanSetting(name: string, example: boolean) {
    return z.boolean(remedy(`Give true or false (a boolean, not a string), e.g. ${name}: ${example}.`));
}

/** A Kubernetes label key: an optional DNS-subdomain prefix and '/', then a name of at most 63. */
export function isLabelKey(key: string): boolean {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    return (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix))) && name.length <= 63 && LABEL_NAME.test(name);
}

/** A Kubernetes label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit. */
export function isLabelValue(value: string): boolean {
    return value === "" || (value.length <= 63 && LABEL_NAME.test(value));
}

const LABEL_REMEDY = `Give labels as { key: value }: keys such as app or example.com/team (a name of at most 63 letters, digits, '-', '_' or '.', with an optional DNS prefix), values of at most 63 such characters, e.g. { app: "reviews" }.`;

/** A label map (`matchLabels`, namespace labels), keys and values checked against Kubernetes' grammar. */
export function labelMapSetting() {
    return z.record(z.string(), z.string(remedy(LABEL_REMEDY)), remedy(LABEL_REMEDY)).superRefine(
        domainCheck((labels: Record<string, string>) => {
            for (const [key, value] of Object.entries(labels)) {
                if (!isLabelKey(key)) {
                    throw new MeshRolloutValidationError({ path: clip(key, 63), rule: "labels/key", value: key, problem: "is not a label key", remedy: LABEL_REMEDY });
                }
                if (!isLabelValue(value)) {
                    throw new MeshRolloutValidationError({ path: clip(key, 63), rule: "labels/value", value, problem: "is not a label value", remedy: LABEL_REMEDY });
                }
            }
        }, true),
    );
}
