import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { generateSchema } from "../../../scripts/schema";
import { componentOutputs, MeshRolloutProvider, resolveInputs } from "../../../provider/server";
import { COMPONENT_TYPES, legacyDynamicRecordType, MESH_LEDGER_TYPE, PACKAGE_NAME, PACKAGE_VERSION, RECORD_TYPES, SIDECAR_VERSION_RECORD_TYPE } from "../../../provider/tokens";
import { installMocks } from "../support/mocks";

const ROOT = path.resolve(__dirname, "../../..");
const schemaFile = JSON.parse(fs.readFileSync(path.join(ROOT, "schema.json"), "utf8")) as {
    name: string;
    version: string;
    resources: Record<string, { isComponent?: boolean; properties: Record<string, unknown>; inputProperties: Record<string, unknown> }>;
};
const LEDGER_URN = `urn:pulumi:dev::proj::mesh-rollout:index:MeshRevision$${MESH_LEDGER_TYPE}::m-ledger`;

describe("schema.json", () => {
    it("is exactly what scripts/schema.ts generates from the TypeScript args and outputs (run `npm run schema` after changing them)", function () {
        this.timeout(60000);
        const generated = generateSchema();
        assert.deepEqual(schemaFile, JSON.parse(JSON.stringify(generated)), "schema.json drifted from the TypeScript types: run `npm run schema`");
    });

    it("names the package and version the provider reports, and package.json's version", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
        assert.equal(schemaFile.name, PACKAGE_NAME);
        assert.equal(schemaFile.version, PACKAGE_VERSION);
        assert.equal(pkg.version, PACKAGE_VERSION);
        assert.equal(new MeshRolloutProvider("{}").version, PACKAGE_VERSION);
    });

    it("declares every component the provider constructs, with the outputs construct returns, and the records it serves", () => {
        const components = Object.entries(schemaFile.resources)
            .filter(([, r]) => r.isComponent === true)
            .map(([t]) => t)
            .sort();
        assert.deepEqual(components, [...COMPONENT_TYPES].sort());
        for (const type of COMPONENT_TYPES) {
            assert.deepEqual(Object.keys(schemaFile.resources[type].properties).sort(), [...componentOutputs(type)].sort(), type);
        }
        for (const type of RECORD_TYPES) {
            assert.deepEqual(Object.keys(schemaFile.resources[type].inputProperties).sort(), ["key", "state"]);
        }
    });

    it("maps a discriminated union (traffic) to one object type with every member's properties, `kind` required", () => {
        const s = schemaFile as unknown as { types: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
        const traffic = s.types["mesh-rollout:index:CanaryReleaseTraffic"];
        assert.deepEqual(Object.keys(traffic.properties).sort(), ["kind", "match", "percentage", "serve", "sessionAffinity", "step", "steps", "weight"]);
        assert.deepEqual(traffic.required, ["kind"]);
    });
});

describe("MeshRolloutProvider records", () => {
    const p = new MeshRolloutProvider("{}");

    it("check carries the last different applied state as prior, and keeps prior on a re-run", async () => {
        const first = await p.check(LEDGER_URN, undefined as never, { key: "m", state: { stage: "controlPlane" } });
        assert.deepEqual(first.inputs, { key: "m", state: { stage: "controlPlane" }, prior: null, observed: null });
        const next = await p.check(LEDGER_URN, first.inputs as Record<string, unknown>, { key: "m", state: { stage: "dataPlane" } });
        assert.deepEqual(next.inputs, { key: "m", state: { stage: "dataPlane" }, prior: { stage: "controlPlane" }, observed: null });
        const rerun = await p.check(LEDGER_URN, next.inputs as Record<string, unknown>, { key: "m", state: { stage: "dataPlane" } });
        assert.deepEqual(rerun.inputs, next.inputs);
    });

    it("check reads the live data plane during an upgrade: the bound namespaces and the gateways', with liveCheck's kubeconfig", async () => {
        const calls: [string | undefined, readonly string[]][] = [];
        const observing = new MeshRolloutProvider("{}", async (kubeconfig, namespaces) => {
            calls.push([kubeconfig, [...namespaces].sort()]);
            return { verified: true, at: "t", pods: [] };
        });
        const state = { upgrade: { to: "1.14.5", stage: "dataPlane" }, namespaces: { shop: "1-14-5" }, gateways: { "istio-ingress/ingress": "1-14-5" } };
        const r = await observing.check(LEDGER_URN, undefined as never, { key: "m", state, liveCheck: { kubeconfig: "/k/config", finalizeGate: "refuse" } });
        assert.deepEqual(calls, [["/k/config", ["istio-ingress", "shop"]]]);
        assert.deepEqual((r.inputs as Record<string, unknown>).observed, { verified: true, at: "t", pods: [] });
        assert.deepEqual((r.inputs as Record<string, unknown>).liveCheck, { kubeconfig: "/k/config", finalizeGate: "refuse" });
        const none = await observing.check(LEDGER_URN, undefined as never, { key: "m", state: { upgrade: null } });
        assert.equal((none.inputs as Record<string, unknown>).observed, null, "no upgrade: nothing to judge, nothing read");
        assert.equal(calls.length, 1);
        // An in-place version change (no upgrade before or now) is read too; a re-run of the same version is not.
        const before = { key: "m", state: { version: "1.14.5", upgrade: null, namespaces: { shop: "1-14-5" } }, prior: null };
        const moved = await observing.check(LEDGER_URN, before, { key: "m", state: { version: "1.14.6", upgrade: null, namespaces: { shop: "1-14-6" } } });
        assert.deepEqual((moved.inputs as Record<string, unknown>).observed, { verified: true, at: "t", pods: [] });
        assert.equal(calls.length, 2);
        await observing.check(LEDGER_URN, before, { key: "m", state: before.state });
        assert.equal(calls.length, 2);
        // The end of a rollback (upgrade removed after stage rollback) removes the new revision: read.
        const rolledBack = { key: "m", state: { version: "1.12.4", upgrade: { to: "1.14.5", stage: "rollback" }, namespaces: { shop: "1-12-4" } }, prior: null };
        const ended = await observing.check(LEDGER_URN, rolledBack, { key: "m", state: { version: "1.12.4", upgrade: null, namespaces: { shop: "1-12-4" } } });
        assert.deepEqual((ended.inputs as Record<string, unknown>).observed, { verified: true, at: "t", pods: [] });
        assert.deepEqual(calls[2], [undefined, ["shop"]]);
    });

    it("serves NamespaceInjectionSwap: checked inputs, a swap on create and update, the release on delete", async () => {
        const URN = "urn:pulumi:s::p::mesh-rollout:index:MeshRevision$mesh-rollout:index:NamespaceInjectionSwap::m-swap-legacy";
        const calls: string[] = [];
        const p = new MeshRolloutProvider(
            "{}",
            async () => ({ verified: false, pods: [] }),
            async () => ({ verified: false, users: [] }),
            async (kubeconfig, namespace, rev) => {
                calls.push(`swap ${kubeconfig} ${namespace} ${rev}`);
                return { removed: "enabled" };
            },
            async (kubeconfig, namespace) => {
                calls.push(`release ${kubeconfig} ${namespace}`);
            },
        );
        const bad = await p.check(URN, {}, { namespace: "", revLabel: "1-14-5" });
        assert.deepEqual(
            bad.failures?.map((f) => f.property),
            ["namespace", "kubeconfig"],
        );
        const inputs = { namespace: "legacy", revLabel: "1-14-5", kubeconfig: "/k/config" };
        assert.deepEqual((await p.check(URN, {}, inputs)).inputs, inputs);
        assert.deepEqual(await p.create(URN, inputs), { id: "legacy", outs: { ...inputs, removed: "enabled" } });
        assert.deepEqual(await p.diff("legacy", URN, inputs, inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
        assert.deepEqual(await p.diff("legacy", URN, inputs, { ...inputs, revLabel: "1-15-0" }), { changes: true, replaces: [], deleteBeforeReplace: false });
        await p.update("legacy", URN, inputs, { ...inputs, revLabel: "1-15-0" });
        await p.delete("legacy", URN, inputs);
        assert.deepEqual(calls, ["swap /k/config legacy 1-14-5", "swap /k/config legacy 1-15-0", "release /k/config legacy"]);
        const failing = new MeshRolloutProvider("{}", undefined, undefined, async () => {
            throw new Error("PATCH /api/v1/namespaces/legacy: HTTP 403 forbidden");
        });
        await assert.rejects(
            failing.create(URN, inputs),
            /could not bind namespace legacy by istio.io\/rev=1-14-5 in place of its istio-injection label: PATCH \/api\/v1\/namespaces\/legacy: HTTP 403 forbidden\. The liveCheck kubeconfig's user needs get and patch on namespaces; or run kubectl label namespace legacy istio-injection- istio.io\/rev=1-14-5 --overwrite and apply again\./,
        );
    });

    it("check reads who uses an edited catalog version in the cluster (by the image applied and the new one), and only on an edit", async () => {
        const calls: [string | undefined, readonly string[]][] = [];
        const p2 = new MeshRolloutProvider(
            "{}",
            async () => ({ verified: false, pods: [] }),
            async (kubeconfig, images) => {
                calls.push([kubeconfig, images]);
                return { verified: true, at: "t", users: ["SidecarSet hand-made"] };
            },
        );
        const urn = `urn:pulumi:dev::proj::${SIDECAR_VERSION_RECORD_TYPE}::r`;
        const applied = { key: "1.0.0", state: { version: "1.0.0", digest: "sha256:a", image: "img:a" }, prior: null };
        const edit = await p2.check(urn, applied, { key: "1.0.0", state: { version: "1.0.0", digest: "sha256:b", image: "img:b" }, liveCheck: { kubeconfig: "/k" } });
        assert.deepEqual(calls, [["/k", ["img:a", "img:b"]]]);
        assert.deepEqual((edit.inputs as Record<string, unknown>).usedBy, { verified: true, at: "t", users: ["SidecarSet hand-made"] });
        const rerun = await p2.check(urn, applied, { key: "1.0.0", state: applied.state, liveCheck: { kubeconfig: "/k" } });
        assert.equal((rerun.inputs as Record<string, unknown>).usedBy, null);
        assert.equal(calls.length, 1, "no read without an edit");
    });

    it("delete refuses a catalog version whose image the cluster still uses, naming the users; other deletes pass", async () => {
        const p3 = new MeshRolloutProvider(
            "{}",
            async () => ({ verified: false, pods: [] }),
            async (_k, images) => ({ verified: true, at: "t", users: images.includes("img:a") ? ["SidecarSet hand-made"] : [] }),
        );
        const urn = `urn:pulumi:dev::proj::${SIDECAR_VERSION_RECORD_TYPE}::r`;
        await assert.rejects(
            p3.delete("1.0.0", urn, { key: "1.0.0", state: { version: "1.0.0", image: "img:a" }, liveCheck: { kubeconfig: "/k" } }),
            /sidecar version 1\.0\.0 must not be deleted while in use in the cluster \(by SidecarSet hand-made\): its image img:a is still injected\./,
        );
        await p3.delete("1.0.1", urn, { key: "1.0.1", state: { version: "1.0.1", image: "img:b" }, liveCheck: { kubeconfig: "/k" } });
        await p3.delete("1.0.0", urn, { key: "1.0.0", state: { version: "1.0.0", image: "img:a" } }); // no liveCheck: not judged
        await p3.delete("m", LEDGER_URN, { key: "m", state: {} });
    });

    it("check reports a missing key or a non-object state as failures, naming the property", async () => {
        const r = await p.check(LEDGER_URN, {}, { state: [1] });
        assert.deepEqual(
            r.failures?.map((f) => f.property),
            ["key", "state"],
        );
        assert.match(r.failures?.[0].reason ?? "", /key must be a non-empty string .* got nothing/);
    });

    it("diff: a 0.1.0 dynamic record (with __provider) and the same state is no change; a new key replaces", async () => {
        const olds = { __provider: "exports.handler = ...", key: "m", state: { a: 1 }, prior: null };
        const same = await p.diff("m", LEDGER_URN, olds, { key: "m", state: { a: 1 }, prior: null });
        assert.equal(same.changes, false);
        const moved = await p.diff("m", LEDGER_URN, olds, { key: "n", state: { a: 1 }, prior: null });
        assert.deepEqual([moved.changes, moved.replaces], [true, ["key"]]);
        const edited = await p.diff("m", LEDGER_URN, olds, { key: "m", state: { a: 2 }, prior: { a: 1 } });
        assert.deepEqual([edited.changes, edited.replaces], [true, []]);
    });

    it("create and update return the checked inputs as outputs, the key as id", async () => {
        const inputs = { key: "1.0.0", state: { digest: "sha256:x" }, prior: null };
        const urn = `urn:pulumi:dev::proj::${SIDECAR_VERSION_RECORD_TYPE}::r`;
        assert.deepEqual(await p.create(urn, inputs), { id: "1.0.0", outs: inputs });
        assert.deepEqual(await p.update("1.0.0", urn, inputs, { ...inputs, prior: { digest: "old" } }), { outs: { ...inputs, prior: { digest: "old" } } });
    });

    it("refuses a type it does not serve, naming what it serves", async () => {
        await assert.rejects(
            p.create("urn:pulumi:dev::proj::mesh-rollout:index:Other::x", {}),
            /mesh-rollout:index:Other::x is not a resource this provider manages \(it serves mesh-rollout:index:MeshUpgradeLedger, mesh-rollout:index:SidecarVersionRecord/,
        );
    });

    it("keeps the 0.1.0 dynamic types as the records' aliases", () => {
        assert.equal(legacyDynamicRecordType("MeshUpgradeLedger"), "pulumi-nodejs:dynamic/mesh-rollout:MeshUpgradeLedger");
    });
});

describe("MeshRolloutProvider construct inputs", () => {
    before(() => installMocks());

    it("resolves plain values and known Outputs; keeps secrets secret", async () => {
        const r = await resolveInputs({ a: pulumi.output("x"), b: [1, pulumi.output(2)], s: pulumi.secret("token") }, "args");
        assert.deepEqual(r.unknown, []);
        const v = r.value as { a: string; b: number[]; s: pulumi.Output<string> };
        assert.deepEqual([v.a, v.b], ["x", [1, 2]]);
        assert.equal(pulumi.Output.isInstance(v.s), true);
        assert.equal(await pulumi.isSecret(v.s), true);
    });

    it("reports the path of every value unknown at preview", async () => {
        // An Output whose value is unknown, as the engine sends one at preview.
        const OutputCtor = pulumi.Output as unknown as new (...args: unknown[]) => pulumi.Output<unknown>;
        const unknownOutput = new OutputCtor([], Promise.resolve(undefined), Promise.resolve(false), Promise.resolve(false), Promise.resolve([]));
        const r = await resolveInputs({ version: "1.0.0", image: unknownOutput, mosn: { api: pulumi.unknown } }, "args");
        assert.deepEqual(r.unknown, ["args.image", "args.mosn.api"]);
    });

    it("refuses an unknown component type, naming those it constructs", async () => {
        await assert.rejects(
            new MeshRolloutProvider("{}").construct("x", "mesh-rollout:index:Nope", {}, {}),
            /unknown component type mesh-rollout:index:Nope; it constructs mesh-rollout:index:MeshRevision/,
        );
    });
});
