import assert from "node:assert/strict";
import { judgeHook, parseHooks } from "../../../domain/hooks";
import { hooksPassed } from "../../../policy-packs/mesh-rollout/policies/hooks-passed";
import { MeshRolloutProvider } from "../../../provider/server";
import { MESH_LEDGER_TYPE, MESH_STAGE_APPLIED_TYPE } from "../../../provider/tokens";
import { runResourcePolicy } from "../support/policy";

const LEDGER_URN = `urn:pulumi:dev::proj::mesh-rollout:index:MeshRevision$${MESH_LEDGER_TYPE}::m-ledger`;
const APPLIED_URN = `urn:pulumi:dev::proj::mesh-rollout:index:MeshRevision$${MESH_STAGE_APPLIED_TYPE}::m-applied`;

describe("stage hooks (issue 14)", () => {
    it("parses hooks with defaults (10 s, every stage) and refuses bad ones with the path, the value and an example", () => {
        assert.deepEqual(
            parseHooks(
                {
                    pre: [{ name: "load-test", url: "http://127.0.0.1:8080/gate" }],
                    post: [{ name: "notify", url: "https://hooks.example.com/x", stages: ["finalize"], timeoutSeconds: 3 }],
                },
                "args.hooks",
            ),
            {
                pre: [{ name: "load-test", url: "http://127.0.0.1:8080/gate", timeoutSeconds: 10, stages: ["controlPlane", "dataPlane", "finalize", "rollback"] }],
                post: [{ name: "notify", url: "https://hooks.example.com/x", timeoutSeconds: 3, stages: ["finalize"] }],
            },
        );
        const refusal = (h: unknown) => {
            try {
                parseHooks(h, "args.hooks");
            } catch (e) {
                return (e as Error).message;
            }
            return "accepted";
        };
        assert.equal(
            refusal({ pre: [{ name: "gate", url: "ftp://x" }] }),
            `'args.hooks.pre[0].url' ftp://x is not an http(s) address without credentials. Give the hook's http or https address, e.g. url: "http://flagger-loadtester.test/"; no credentials in it.`,
        );
        assert.equal(
            refusal({
                pre: [
                    { name: "gate", url: "http://a" },
                    { name: "gate", url: "http://b" },
                ],
            }),
            `'args.hooks.pre[1].name' gate names another hook too; a refusal names the hook, so names must be unique. Give each hook its own name, e.g. name: "smoke-test-eu".`,
        );
        assert.match(refusal({ pre: [{ name: "gate", url: "http://a", timeoutSeconds: 0 }] }), /^'args\.hooks\.pre\[0\]\.timeoutSeconds' 0 .*Give a whole number from 1 to 600/);
        assert.match(refusal({ post: [{ name: "gate", url: "http://a", stages: ["promote"] }] }), /^'args\.hooks\.post\[0\]\.stages\[0\]' promote /);
    });

    it("only HTTP 200 passes; no answer is a failure with the reason", () => {
        const hook = { name: "gate", url: "http://h", timeoutSeconds: 5, stages: [] };
        assert.deepEqual(judgeHook(hook, { status: 200, body: "ok" }), { name: "gate", url: "http://h", passed: true, status: 200, answer: "HTTP 200: ok" });
        assert.deepEqual(judgeHook(hook, { status: 202, body: "" }), { name: "gate", url: "http://h", passed: false, status: 202, answer: "HTTP 202" });
        assert.deepEqual(judgeHook(hook, { error: "no answer within 5 s" }), { name: "gate", url: "http://h", passed: false, status: null, answer: "no answer within 5 s" });
    });

    const hooks = {
        pre: [{ name: "load-test", url: "http://127.0.0.1:9/pre", timeoutSeconds: 5, stages: ["dataPlane", "finalize"] }],
        post: [{ name: "notify", url: "http://127.0.0.1:9/post", timeoutSeconds: 5, stages: ["dataPlane"] }],
    };
    const at = (stage: string) => ({ version: "1.12.4", upgrade: { to: "1.14.5", stage } });

    it("the ledger's check calls the stage's pre hooks (POST, what the stage will do), the policy refuses a non-200 naming the hook and its answer; a passed stage re-run calls nothing", async () => {
        const calls: { url: string; payload: Record<string, unknown> }[] = [];
        let answer = { status: 500, body: "error rate too high\n" };
        const p = new MeshRolloutProvider(
            "{}",
            async () => ({ verified: true, at: "t", pods: [] }),
            undefined,
            undefined,
            undefined,
            undefined,
            () => new Date("2026-11-24T12:00:00Z"),
            async (hook, payload) => {
                calls.push({ url: hook.url, payload: payload as Record<string, unknown> });
                return answer;
            },
        );
        const applied = { key: "m", state: at("controlPlane"), prior: null, hooks, preHooks: null, observed: null };
        const cp = (await p.check(LEDGER_URN, undefined as never, { key: "m", state: at("controlPlane"), hooks })).inputs as Record<string, unknown>;
        assert.equal(cp.preHooks, null, "controlPlane calls no pre hook here");
        const refused = (await p.check(LEDGER_URN, applied, { key: "m", state: at("dataPlane"), hooks })).inputs as Record<string, unknown>;
        assert.deepEqual(calls, [
            { url: "http://127.0.0.1:9/pre", payload: { mesh: "m", phase: "pre-stage", stage: "dataPlane", version: "1.12.4", to: "1.14.5", state: at("dataPlane") } },
        ]);
        const violations = await runResourcePolicy(hooksPassed, { type: MESH_LEDGER_TYPE, name: "mesh-ledger", props: refused });
        assert.deepEqual(
            violations.map((v) => v.message),
            [
                "Mesh mesh-ledger must not apply stage dataPlane: pre hook load-test (http://127.0.0.1:9/pre) answered HTTP 500: error rate too high. Only HTTP 200 counts as success: fix what the hook checks, then preview the stage again.",
            ],
        );
        answer = { status: 200, body: "" };
        const passed = (await p.check(LEDGER_URN, applied, { key: "m", state: at("dataPlane"), hooks })).inputs as Record<string, unknown>;
        assert.deepEqual(await runResourcePolicy(hooksPassed, { type: MESH_LEDGER_TYPE, name: "mesh-ledger", props: passed }), []);
        assert.equal(calls.length, 2);
        answer = { status: 500, body: "" };
        const rerun = (await p.check(LEDGER_URN, passed, { key: "m", state: at("dataPlane"), hooks })).inputs as Record<string, unknown>;
        assert.deepEqual(rerun, passed);
        assert.equal(calls.length, 2, "a re-run of the applied stage calls no hook");
    });

    it("post hooks are called when the stage's MeshStageApplied is written, with what was applied; a failure fails it naming the hook", async () => {
        const calls: { url: string; payload: Record<string, unknown> }[] = [];
        let answer: { status: number; body: string } | { error: string } = { status: 200, body: "" };
        const p = new MeshRolloutProvider("{}", undefined, undefined, undefined, undefined, undefined, undefined, async (hook, payload) => {
            calls.push({ url: hook.url, payload: payload as Record<string, unknown> });
            return answer;
        });
        await p.update("m", APPLIED_URN, {}, { key: "m", state: at("dataPlane"), prior: at("controlPlane"), hooks });
        assert.deepEqual(calls, [
            { url: "http://127.0.0.1:9/post", payload: { mesh: "m", phase: "post-stage", stage: "dataPlane", version: "1.12.4", to: "1.14.5", applied: at("dataPlane") } },
        ]);
        await p.create(APPLIED_URN, { key: "m", state: at("finalize"), prior: null, hooks });
        assert.equal(calls.length, 1, "finalize calls no post hook here");
        answer = { error: "connect ECONNREFUSED 127.0.0.1:9" };
        await assert.rejects(p.update("m", APPLIED_URN, {}, { key: "m", state: at("dataPlane"), prior: at("controlPlane"), hooks }), {
            message:
                "mesh-rollout: post hook notify (http://127.0.0.1:9/post) did not answer: connect ECONNREFUSED 127.0.0.1:9 after stage dataPlane of mesh m. Every child of the stage is applied, but the stage is not recorded as completed: fix the hook's side, then run pulumi up again (it calls the post hooks again).",
        });
    });
});
