import { clip, quote } from "./quote";

export { clip, quote, QUOTE_LIMIT } from "./quote";

/**
 * The one error type the domain throws. Every message follows the project's style:
 * the property path, the bad value, the rule it breaks, and what to do instead.
 *
 *   'to' 1.15.0 skips minor versions 1.13 and 1.14 from 1.12.4; canary upgrades may skip at most one.
 *   Upgrade through 1.12.4 -> 1.14.x -> 1.15.0, one hop per upgrade.
 */
export class MeshRolloutValidationError extends Error {
    /** Property path of the offending input, e.g. `upgrade.to` or `containers[0].ports[1].name`. */
    readonly path: string;
    /** Short machine-readable rule id, e.g. `version/minor-skip`. */
    readonly rule: string;
    /** The offending value as given. */
    readonly value: unknown;
    /** The rule the value breaks, as words (`is not a mesh version`). */
    readonly problem: string;
    /** What to do instead. */
    readonly remedy: string;

    constructor(args: { path: string; rule: string; value: unknown; problem: string; remedy: string }) {
        super(`'${clip(args.path, 160)}' ${quote(args.value)} ${args.problem}. ${args.remedy}`);
        this.name = "MeshRolloutValidationError";
        this.path = args.path;
        this.rule = args.rule;
        this.value = args.value;
        this.problem = args.problem;
        this.remedy = args.remedy;
    }

    /** Serialised (by zod's error message, a logger) with the value summarised: the value may be huge, deep or cyclic. */
    toJSON(): Record<string, string> {
        return { name: this.name, message: this.message, path: this.path, rule: this.rule, value: quote(this.value) };
    }
}

/** Joins a parent path and a child key: `joinPath("spec", 0)` is `spec[0]`, `joinPath("a", "b")` is `a.b`, `joinPath("ns:", "b")` is `ns:b` (a config key). */
export function joinPath(parent: string, key: string | number): string {
    if (typeof key === "number") {
        return `${parent}[${key}]`;
    }
    return parent === "" || parent.endsWith(":") ? `${parent}${key}` : `${parent}.${key}`;
}
