import { MeshRolloutValidationError, quote } from "../domain";

/** Parses `--name value`, `--name=value` and boolean `--flag` options; anything else is an error. */
export function parseOptions(
    argv: readonly string[],
    spec: { readonly values: readonly string[]; readonly flags: readonly string[] },
): { values: Record<string, string>; flags: Set<string> } {
    const values: Record<string, string> = {};
    const flags = new Set<string>();
    const known = [...spec.values, ...spec.flags].map((n) => `--${n}`).join(", ");
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
        const name = m?.[1];
        if (m === null || name === undefined) {
            throw usage(arg, arg, "is not an option", `Options are ${known}.`);
        }
        if (spec.flags.includes(name)) {
            if (m[2] !== undefined) {
                throw usage(`--${name}`, m[2], "takes no value", `Write --${name} alone.`);
            }
            if (flags.has(name)) {
                throw usage(`--${name}`, undefined, "is given twice", `Give --${name} once.`);
            }
            flags.add(name);
            continue;
        }
        if (!spec.values.includes(name)) {
            throw usage(arg, arg, "is not an option", `Options are ${known}.`);
        }
        const value = m[2] ?? argv[++i];
        if (value === undefined || (m[2] === undefined && value.startsWith("--"))) {
            throw usage(`--${name}`, undefined, "needs a value", `Write --${name} <value>.`);
        }
        if (values[name] !== undefined) {
            throw usage(`--${name}`, value, `is given twice (first ${quote(values[name])})`, `Give --${name} once.`);
        }
        values[name] = value;
    }
    return { values, flags };
}

function usage(path: string, value: unknown, problem: string, remedy: string): MeshRolloutValidationError {
    return new MeshRolloutValidationError({ path, rule: "cli/usage", value, problem, remedy });
}
