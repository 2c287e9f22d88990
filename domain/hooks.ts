// Stage hooks (issue 14): HTTP webhooks before and after a stage, in the manner of Flagger's
// `pre-rollout` / `confirm-promotion` (pre) and `post-rollout` (post). Pure: the schema, which hooks a
// stage calls, and the verdict from their answers. The calls themselves are the provider's.
import { z } from "zod";
import { MeshRolloutValidationError } from "./errors";
import { parseInput } from "./schema";
import { intSetting, remedy, textSetting } from "./settings";
import { CANARY_STAGES, CanaryStage, stageSchema } from "./stages";

const HOOK_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOOK_EXAMPLE = '{ name: "load-test", url: "http://flagger-loadtester.test/", timeoutSeconds: 30 }';

function isHookUrl(v: string): boolean {
    try {
        const u = new URL(v);
        return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "" && u.username === "" && u.password === "";
    } catch {
        return false;
    }
}

const hookSchema = z
    .object(
        {
            name: textSetting({
                rule: "hooks/name",
                problem: "is not a hook name: lowercase letters, digits and '-'",
                remedy: "Name the hook in lowercase letters, digits and '-', e.g. name: \"load-test\".",
                test: (v) => HOOK_NAME.test(v),
                max: 63,
            }),
            url: textSetting({
                rule: "hooks/url",
                problem: "is not an http(s) address without credentials",
                remedy: 'Give the hook\'s http or https address, e.g. url: "http://flagger-loadtester.test/"; no credentials in it.',
                test: isHookUrl,
                max: 2048,
            }),
            timeoutSeconds: intSetting(1, 600, 30).optional(),
            stages: z
                .array(
                    z.enum(stageSchema.options, remedy(`Give stages among ${CANARY_STAGES.join(", ")}, e.g. stages: ["finalize"].`)),
                    remedy('Give stages as a list, e.g. stages: ["finalize"].'),
                )
                .min(1, remedy('Give at least one stage, or leave stages out for all, e.g. stages: ["finalize"].'))
                .optional(),
        },
        remedy(`Give each hook as { name, url, timeoutSeconds, stages }, e.g. ${HOOK_EXAMPLE}.`),
    )
    .strict();

export const hooksSchema = z
    .object(
        {
            pre: z
                .array(hookSchema, remedy(`Give pre hooks as a list, e.g. pre: [${HOOK_EXAMPLE}].`))
                .max(10, remedy("Give at most 10 pre hooks."))
                .optional(),
            post: z
                .array(hookSchema, remedy(`Give post hooks as a list, e.g. post: [${HOOK_EXAMPLE}].`))
                .max(10, remedy("Give at most 10 post hooks."))
                .optional(),
        },
        remedy(`Give hooks as { pre, post }, e.g. hooks: { pre: [${HOOK_EXAMPLE}] }.`),
    )
    .strict();

export type HooksInput = z.input<typeof hooksSchema>;

export interface Hook {
    readonly name: string;
    readonly url: string;
    readonly timeoutSeconds: number;
    /** The stages that call it. */
    readonly stages: readonly CanaryStage[];
}

export interface HooksSpec {
    readonly pre: readonly Hook[];
    readonly post: readonly Hook[];
}

/** Checks `hooks` (at `path`): names unique per phase; defaults: 10 s, every stage. */
export function parseHooks(hooks: unknown, path: string): HooksSpec {
    const parsed = parseInput(hooksSchema, hooks, path);
    const phase = (list: z.output<typeof hookSchema>[] | undefined, at: string): Hook[] => {
        const seen = new Set<string>();
        return (list ?? []).map((h, i) => {
            if (seen.has(h.name)) {
                throw new MeshRolloutValidationError({
                    path: `${at}[${i}].name`,
                    rule: "hooks/name-unique",
                    value: h.name,
                    problem: "names another hook too; a refusal names the hook, so names must be unique",
                    remedy: 'Give each hook its own name, e.g. name: "smoke-test-eu".',
                });
            }
            seen.add(h.name);
            return { name: h.name, url: h.url, timeoutSeconds: h.timeoutSeconds ?? 10, stages: h.stages ?? [...CANARY_STAGES] };
        });
    };
    return { pre: phase(parsed.pre, `${path}.pre`), post: phase(parsed.post, `${path}.post`) };
}

/** What a hook answered: an HTTP status and the start of its body, or no answer (timeout, refused). */
export type HookAnswer = { readonly status: number; readonly body: string } | { readonly error: string };

export interface HookResult {
    readonly name: string;
    readonly url: string;
    readonly passed: boolean;
    /** The status, or null when no answer came. */
    readonly status: number | null;
    /** The answer (status and body, cut) or why none came. */
    readonly answer: string;
}

/** Only HTTP 200 counts as success (as in Flagger). */
export function judgeHook(hook: Hook, answer: HookAnswer): HookResult {
    if ("error" in answer) {
        return { name: hook.name, url: hook.url, passed: false, status: null, answer: answer.error.slice(0, 200) };
    }
    const body = answer.body.replace(/\s+/g, " ").trim().slice(0, 200);
    return { name: hook.name, url: hook.url, passed: answer.status === 200, status: answer.status, answer: `HTTP ${answer.status}${body ? `: ${body}` : ""}` };
}

/** The pre hooks' verdict on a stage, carried in the ledger's checked inputs. */
export interface HooksVerdict {
    readonly stage: string;
    readonly at: string;
    readonly results: readonly HookResult[];
    readonly passed: boolean;
}

/** The hooks of `phase` that `stage` calls. */
export function hooksFor(spec: HooksSpec, phase: "pre" | "post", stage: CanaryStage): Hook[] {
    return spec[phase].filter((h) => h.stages.includes(stage));
}

/** A failed hook in words: `load-test (http://...) answered HTTP 500: overloaded`. */
export function describeHook(r: HookResult): string {
    return `${r.name} (${r.url}) ${r.status === null ? `did not answer: ${r.answer}` : `answered ${r.answer}`}`;
}
