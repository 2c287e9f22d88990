import assert from "node:assert/strict";
import { MeshRolloutValidationError, quote } from "../../../domain";

describe("quote: values in messages are bounded (issue 11, messages)", () => {
    it("cuts a long string to 80 characters and gives its length", () => {
        assert.equal(quote("x".repeat(20000)), `"${"x".repeat(80)}"… (20000 characters)`);
    });

    it("summarises objects and lists instead of echoing them whole", () => {
        const big = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`key${i}`, i]));
        const q = quote(big);
        assert.ok(q.length < 130, q);
        assert.match(q, /… \(an object with 1000 keys\)$/);
        assert.match(quote(Array.from({ length: 500 }, (_, i) => i)), /… \(a list of 500 items\)$/);
    });

    it("never says [object Object], undefined or NaN", () => {
        class Thing {}
        assert.equal(quote(new Thing()), "(a Thing)");
        assert.equal(quote(undefined), "(missing)");
        assert.equal(quote(NaN), "(not a number)");
        assert.equal(quote({ a: undefined, b: NaN }), '{"a":(missing),"b":(not a number)}');
        assert.equal(quote({ __pulumiOutput: true }), "(a Pulumi Output, known only at deployment)");
        assert.equal(quote(Promise.resolve(1)), "(a Promise)");
        assert.equal(
            quote(() => 1),
            "(a function)",
        );
    });

    it("a deeply nested or cyclic value does not overflow the stack", () => {
        let deep: unknown = 1;
        for (let i = 0; i < 100000; i++) {
            deep = { a: deep };
        }
        assert.equal(quote(deep), '{"a":{"a":{"a":{…}}}}');
        const cyclic: Record<string, unknown> = { name: "c" };
        cyclic.self = cyclic;
        assert.equal(quote(cyclic), '{"name":"c","self":{"name":"c","self":{"name":"c","self":{…}}}}');
        const err = new MeshRolloutValidationError({ path: "args.chart.values", rule: "r", value: deep, problem: "is too deep", remedy: "Flatten it." });
        assert.ok(err.message.length < 200);
    });

    it("a getter that throws is reported, not rethrown", () => {
        const hostile = new Proxy(
            {},
            {
                ownKeys: () => {
                    throw new Error("boom");
                },
            },
        );
        assert.equal(quote(hostile), "(an unreadable value)");
    });
});
