import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { legacyDynamicRecordType, MESH_LEDGER_TYPE, SIDECAR_VERSION_RECORD_TYPE } from "../../provider/tokens";
import { MESH_ROLLOUT_PACK, PROGRAMS, REPO_ROOT, TestStack } from "./harness";

/** Release 0.1.0: its state records were Pulumi dynamic resources. */
const PREVIOUS_RELEASE = "v0.1.0";
const PREVIOUS_RELEASE_COMMIT = "87baedaf02096c7d3965a165b5d73932ef9d7694";

/** The previous release's tree, from this repository's history, with this checkout's node_modules. */
function checkoutPreviousRelease(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-rollout-0.1.0-"));
    let rev = PREVIOUS_RELEASE;
    try {
        execFileSync("git", ["-C", REPO_ROOT, "rev-parse", "--verify", "--quiet", `${rev}^{commit}`], { stdio: "ignore" });
    } catch {
        rev = PREVIOUS_RELEASE_COMMIT;
    }
    try {
        const tar = execFileSync("git", ["-C", REPO_ROOT, "archive", "--format=tar", rev], { maxBuffer: 256 * 1024 * 1024 });
        execFileSync("tar", ["-x", "-C", dir], { input: tar });
    } catch (e) {
        throw new Error(
            `the upgrade test needs release ${PREVIOUS_RELEASE} (commit ${PREVIOUS_RELEASE_COMMIT}) from git history; this checkout lacks it (a shallow clone?): ${String(e).slice(0, 300)}`,
        );
    }
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

describe(`a stack made by release ${PREVIOUS_RELEASE} (dynamic records) moves to the provider's records`, function () {
    let previous: string;
    before(() => {
        previous = checkoutPreviousRelease();
    });
    after(() => fs.rmSync(previous, { recursive: true, force: true }));

    for (const program of ["mesh-upgrade", "sidecar-catalog"] as const) {
        it(`${program}: previews with no replacement, the records moved unchanged and only this release's intended changes, then applies and settles`, async () => {
            const config: Record<string, string> =
                program === "mesh-upgrade"
                    ? { "mesh-rollout-test:to": "1.14.5", "mesh-rollout-test:stage": "controlPlane" }
                    : { "mesh-rollout-test:catalog": JSON.stringify([{ version: "1.0.0", image: "registry.example.com/mesh/proxy:1.0.0" }]), "mesh-rollout-test:use": "1.0.0" };
            const old = await TestStack.create({ program: path.join(previous, "tests/integration/programs", program), config });
            try {
                // 0.1.0's pack ran from its compiled dist/, which a source archive lacks: the old stack is made without it.
                const made = await old.up();
                assert.ok(made.ok, made.stderr);
                const oldTypes = made.steps.map((s) => s.type);
                assert.ok(
                    oldTypes.some((t) => t.startsWith("pulumi-nodejs:dynamic/mesh-rollout:")),
                    `release ${PREVIOUS_RELEASE} made dynamic records: ${oldTypes.join(", ")}`,
                );

                const next = await TestStack.create({ program: path.join(PROGRAMS, program), config, continues: old });
                try {
                    const preview = await next.preview({ policyPacks: [MESH_ROLLOUT_PACK] });
                    assert.ok(preview.ok, preview.stderr);
                    assert.deepEqual(
                        preview.steps.filter((s) => s.op === "replace" || s.op === "create-replacement" || s.op === "delete-replaced"),
                        [],
                        "no replacement",
                    );
                    // The type move: our provider comes in, the dynamic-provider shim goes. And, for a mesh, what
                    // releases since 0.1.0 changed on purpose: namespaces bound by a patch (so that leaving the mesh
                    // unbinds them), MeshStageApplied written after the children, and no restart patch at a stage
                    // that moves nothing (retained: its delete leaves the annotation, so nothing restarts), and the
                    // pulumi.com/patchForce annotation on every object a stage creates (metadata only).
                    const marked = [
                        "admissionregistration.k8s.io/v1:MutatingWebhookConfiguration::mesh-istiod-1-12-4:istio-sidecar-injector-1-12-4",
                        "admissionregistration.k8s.io/v1:MutatingWebhookConfiguration::mesh-istiod-1-14-5:istio-sidecar-injector-1-14-5",
                        "admissionregistration.k8s.io/v1:MutatingWebhookConfiguration::mesh-tag-canary",
                        "admissionregistration.k8s.io/v1:MutatingWebhookConfiguration::mesh-tag-stable",
                        "apps/v1:Deployment::mesh-gateway-istio-ingress-ingress",
                        "apps/v1:Deployment::mesh-istiod-1-12-4:istio-system/istiod-1-12-4",
                        "apps/v1:Deployment::mesh-istiod-1-14-5:istio-system/istiod-1-14-5",
                        "core/v1:Service::mesh-gateway-istio-ingress-ingress",
                        "core/v1:Service::mesh-istiod-1-12-4:istio-system/istiod-1-12-4",
                        "core/v1:Service::mesh-istiod-1-14-5:istio-system/istiod-1-14-5",
                        "core/v1:ServiceAccount::mesh-gateway-istio-ingress-ingress",
                        "core/v1:ServiceAccount::mesh-istiod-1-12-4:istio-system/istiod-1-12-4",
                        "core/v1:ServiceAccount::mesh-istiod-1-14-5:istio-system/istiod-1-14-5",
                    ].map((k) => `update kubernetes:${k}`);
                    const since =
                        program === "mesh-upgrade"
                            ? [
                                  "create kubernetes:core/v1:NamespacePatch::mesh-bind-payments",
                                  "create kubernetes:core/v1:NamespacePatch::mesh-bind-shop",
                                  "create mesh-rollout:index:MeshStageApplied::mesh-applied",
                                  "delete kubernetes:apps/v1:DeploymentPatch::mesh-restart-shop-cart",
                                  ...marked,
                              ]
                            : [];
                    assert.deepEqual(
                        preview.changes
                            .filter((c) => c.type !== "pulumi:pulumi:Stack")
                            .map((c) => `${c.op} ${c.type}::${c.name}`)
                            .sort(),
                        [...since, "create pulumi:providers:mesh-rollout::mesh-rollout-records", "delete pulumi:providers:pulumi-nodejs::default"].sort(),
                    );
                    // Those updates change the metadata only (the engine reports no key for some of them).
                    for (const c of preview.changes.filter((x) => x.op === "update" && x.type.startsWith("kubernetes:"))) {
                        assert.deepEqual(
                            c.diffs.filter((d) => d !== "metadata"),
                            [],
                            `${c.name}: ${c.diffs.join(", ")}`,
                        );
                    }
                    // The records are the same resources under their new type (aliases), unchanged.
                    const recordTypes = program === "mesh-upgrade" ? [MESH_LEDGER_TYPE] : [SIDECAR_VERSION_RECORD_TYPE];
                    for (const type of recordTypes) {
                        const steps = preview.steps.filter((s) => s.type === type);
                        assert.ok(steps.length > 0, `${type} in the plan`);
                        assert.deepEqual(
                            steps.map((s) => s.op),
                            steps.map(() => "same"),
                        );
                    }
                    const applied = await next.up({ policyPacks: [MESH_ROLLOUT_PACK] });
                    assert.ok(applied.ok, applied.stderr);
                    const settled = await next.preview({ expectNoChanges: true, policyPacks: [MESH_ROLLOUT_PACK] });
                    assert.ok(settled.ok, settled.stderr);
                    const state = JSON.stringify(await next.exportState());
                    assert.doesNotMatch(state, /pulumi-nodejs/, "nothing of the dynamic provider left in the state");
                    assert.doesNotMatch(state, new RegExp(legacyDynamicRecordType("")), "no record under the old type");
                } finally {
                    next.dispose();
                }
            } finally {
                old.dispose();
            }
        });
    }
});
