import assert from "node:assert/strict";
import { z } from "zod";
import { joinPath, MeshRolloutValidationError, parseInput, quote } from "../../../domain";

const schema = z
    .object({
        name: z.string().min(2).max(5),
        replicas: z.number().int().min(1).max(10).optional(),
        kind: z.enum(["canary", "mirror"]),
        ports: z
            .array(z.object({ port: z.number() }).strict())
            .max(2)
            .optional(),
    })
    .strict();

function message(value: unknown): string {
    try {
        parseInput(schema, value, "args");
    } catch (e) {
        assert.ok(e instanceof MeshRolloutValidationError);
        return e.message;
    }
    return "(no error)";
}

describe("parseInput (zod issues in the project's words)", () => {
    it("returns the parsed value", () => {
        assert.deepEqual(parseInput(schema, { name: "ab", kind: "canary" }, "args"), { name: "ab", kind: "canary" });
    });
    it("reports a missing setting", () => {
        assert.equal(message({ kind: "canary" }), "'args.name' (missing) is required. Set it to a string.");
    });
    it("reports a wrong type", () => {
        assert.equal(message({ name: 7, kind: "canary" }), "'args.name' 7 must be a string. Give a string.");
    });
    it("reports an unknown key at its own path", () => {
        assert.equal(
            message({ name: "ab", kind: "canary", replica: 2 }),
            "'args.replica' 2 is not a known setting. Remove it, or check its spelling against the documented arguments.",
        );
    });
    it("reports enum values", () => {
        assert.equal(message({ name: "ab", kind: "blue" }), "'args.kind' blue is not an allowed value. Use one of: canary, mirror.");
    });
    it("reports bounds with units", () => {
        assert.equal(message({ name: "a", kind: "canary" }), "'args.name' a must have at least 2 characters. Use at least 2 characters.");
        assert.equal(message({ name: "abcdef", kind: "canary" }), "'args.name' abcdef must have at most 5 characters. Use at most 5 characters.");
        assert.equal(message({ name: "ab", kind: "canary", replicas: 0 }), "'args.replicas' 0 must be at least 1. Give a number at least 1, e.g. 1.");
        assert.equal(
            message({ name: "ab", kind: "canary", ports: [{ port: 1 }, { port: 2 }, { port: 3 }] }),
            `'args.ports' [{"port":1},{"port":2},{"port":3}] must have at most 2 items. List at most 2 items; split the rest over several resources.`,
        );
    });
    it("reports nested paths with indexes", () => {
        assert.equal(message({ name: "ab", kind: "canary", ports: [{ port: 1 }, { port: "x" }] }), "'args.ports[1].port' x must be a number. Give a number.");
    });
    it("falls back to zod's words for other issues", () => {
        assert.equal(message({ name: "ab", kind: "canary", replicas: 1.5 }), "'args.replicas' 1.5 must be a whole number. Give a whole number, e.g. 2.");
        const other = z.string().regex(/^a/);
        assert.throws(() => parseInput(other, "b", "x"), {
            message: /^'x' b invalid string: must match pattern \/\^a\/\. See the setting's documentation for its accepted forms\.$/,
        });
    });
    it("quotes values and joins paths", () => {
        assert.equal(quote("a b"), '"a b"');
        assert.equal(quote(undefined), "(missing)");
        assert.equal(quote({ a: 1 }), '{"a":1}');
        assert.equal(quote(10n), "10");
        assert.equal(joinPath("", "a"), "a");
        assert.equal(joinPath("a", 0), "a[0]");
    });
});
