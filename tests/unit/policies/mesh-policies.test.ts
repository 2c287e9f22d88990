import assert from "node:assert/strict";
import { layoutMesh, ledgerStateOf, MeshLedgerState, MeshSpecInput, parseMeshSpec } from "../../../domain";
import { meshRolloutPolicies } from "../../../policy-packs/mesh-rollout/policies";
import { dataPlaneReport } from "../../../policy-packs/mesh-rollout/policies/data-plane-report";
import { finalizeNothingOnOldRevision } from "../../../policy-packs/mesh-rollout/policies/finalize-nothing-on-old-revision";
import { controlPlaneNotOlder } from "../../../policy-packs/mesh-rollout/policies/control-plane-not-older";
import { inPlaceKeepsRunningIstiod } from "../../../policy-packs/mesh-rollout/policies/in-place-keeps-running-istiod";
import { rollbackNothingOnNewRevision } from "../../../policy-packs/mesh-rollout/policies/rollback-nothing-on-new-revision";
import { namespaceInjectionRemoved } from "../../../policy-packs/mesh-rollout/policies/namespace-injection-removed";
import { namespaceLabelsExclusive } from "../../../policy-packs/mesh-rollout/policies/namespace-labels-exclusive";
import { revLabelKnown } from "../../../policy-packs/mesh-rollout/policies/rev-label-known";
import { stageCompleted } from "../../../policy-packs/mesh-rollout/policies/stage-completed";
import { stageOrder } from "../../../policy-packs/mesh-rollout/policies/stage-order";
import { versionJump } from "../../../policy-packs/mesh-rollout/policies/version-jump";
import { FixtureResource, runResourcePolicy, runStackPolicy } from "../support/policy";
import { MESH_LEDGER_TYPE } from "../../../provider/tokens";

const LEDGER = MESH_LEDGER_TYPE;
const NS = "kubernetes:core/v1:Namespace";

const mesh: MeshSpecInput = {
    version: "1.12.4",
    tags: [{ name: "stable" }, { name: "canary", follows: "upgrade" }],
    namespaces: [{ name: "shop" }, { name: "payments", tag: "stable" }],
    gateways: [{ name: "ingress", namespace: "istio-ingress" }],
};

function state(overrides: Partial<MeshSpecInput> = {}): MeshLedgerState {
    const spec = parseMeshSpec({ ...mesh, ...overrides });
    return ledgerStateOf(spec, layoutMesh(spec), "install");
}
const at = (stage: "controlPlane" | "dataPlane" | "finalize" | "rollback", to = "1.14.5", extra: Partial<MeshSpecInput> = {}) => state({ upgrade: { to, stage }, ...extra });

function ledger(next: MeshLedgerState, prior: MeshLedgerState | null): FixtureResource {
    return { type: LEDGER, name: "mesh-ledger", props: { key: "mesh", state: next, prior } };
}
const namespace = (name: string, labels: Record<string, string>): FixtureResource => ({ type: NS, name, props: { metadata: { name, labels } } });

describe("policy pack: mesh-rollout (MeshRevision policies)", () => {
    it("lists every policy once, with its enforcement level", () => {
        assert.deepEqual(
            meshRolloutPolicies.map((p) => `${p.name}:${p.enforcementLevel}`),
            [
                "mesh-rollout-version-jump:mandatory",
                "mesh-rollout-stage-order:mandatory",
                "mesh-rollout-stage-completed:mandatory",
                "mesh-rollout-namespace-labels-exclusive:mandatory",
                "mesh-rollout-rev-label-known:mandatory",
                "mesh-rollout-finalize-nothing-on-old-revision:mandatory",
                "mesh-rollout-rollback-nothing-on-new-revision:mandatory",
                "mesh-rollout-control-plane-not-older:mandatory",
                "mesh-rollout-analysis-passed:mandatory",
                "mesh-rollout-hooks-passed:mandatory",
                "mesh-rollout-data-plane-report:advisory",
                "mesh-rollout-in-place-keeps-running-istiod:mandatory",
                "mesh-rollout-namespace-injection-removed:advisory",
                "mesh-rollout-sidecar-version-immutable-in-use:mandatory",
                "mesh-rollout-sidecar-version-in-catalog:mandatory",
                "mesh-rollout-sidecar-mosn-compatible:mandatory",
                "mesh-rollout-sidecarset-no-double-injection:mandatory",
                "mesh-rollout-canary-route-weights:mandatory",
                "mesh-rollout-canary-mirror-not-routed:mandatory",
                "mesh-rollout-canary-after-ready-probe:advisory",
                "mesh-rollout-canary-no-steps-left:advisory",
                "mesh-rollout-sidecar-baseline-not-weakened:advisory",
                "mesh-rollout-images-pinned-by-digest:disabled",
            ],
        );
        for (const p of meshRolloutPolicies) {
            assert.match(p.description, /^(Checks|Warns) /);
        }
    });

    describe("mesh-rollout-version-jump", () => {
        it("passes a canary the planner allows, and no-upgrade states", async () => {
            assert.deepEqual(await runResourcePolicy(versionJump, ledger(at("controlPlane"), state())), []);
            assert.deepEqual(await runResourcePolicy(versionJump, ledger(state(), null)), []);
            assert.deepEqual(await runResourcePolicy(versionJump, ledger(state({ version: "1.12.5" }), state())), []);
        });
        const refusals: [string, MeshLedgerState, MeshLedgerState | null, string][] = [
            [
                "more than one minor skipped",
                at("controlPlane", "1.15.0"),
                state(),
                "Mesh mesh-ledger: 'upgrade.to' 1.15.0 skips minor versions 1.13 and 1.14 from 1.12.4; canary upgrades may skip at most one. Upgrade through 1.12.4 -> 1.14.x -> 1.15.0, one hop per upgrade.",
            ],
            [
                "a major change",
                at("controlPlane", "2.0.0"),
                state(),
                "Mesh mesh-ledger: 'upgrade.to' 2.0.0 changes the major version from 1.12.4; upgrades never cross a major version. Install 2.0.0 as a new mesh and migrate workloads to it, following the vendor's major-version guide.",
            ],
            [
                "a downgrade",
                at("controlPlane", "1.11.0"),
                state(),
                "Mesh mesh-ledger: 'upgrade.to' 1.11.0 is older than the installed 1.12.4; an upgrade never goes back. To return to the old version during a canary upgrade, set the stage to rollback before finalize; after finalize, upgrade forward to a fixed release instead.",
            ],
            [
                "an ASM source below the canary minimum",
                state({ version: "1.12.4.40", upgrade: { to: "1.13.4", stage: "controlPlane" } }),
                null,
                "Mesh mesh-ledger: 'version' 1.12.4.40 is below 1.12.4.58, the oldest ASM version that can be canary-upgraded. Upgrade in place to 1.12.4.58 or later first, then canary from there.",
            ],
            [
                "an in-place change of two minors",
                state({ version: "1.14.5" }),
                state(),
                `Mesh mesh-ledger: 'version' 1.14.5 changes the running 1.12.4 in place by more than one minor version; in-place upgrades move at most one. Declare upgrade { to: "1.14.5", stage: "controlPlane" } with 'version' 1.12.4 for a canary upgrade, or change 'version' to 1.13.x first.`,
            ],
            [
                "an in-place downgrade",
                state({ version: "1.12.3" }),
                state(),
                "Mesh mesh-ledger: 'version' 1.12.3 is older than the installed 1.12.4; an upgrade never goes back. To return to the old version during a canary upgrade, set the stage to rollback before finalize; after finalize, upgrade forward to a fixed release instead.",
            ],
        ];
        for (const [what, next, prior, message] of refusals) {
            it(`refuses ${what}`, async () => {
                assert.deepEqual(await runResourcePolicy(versionJump, ledger(next, prior)), [{ message, urn: undefined }]);
            });
        }
        it("ignores resources that are not a ledger", async () => {
            assert.deepEqual(await runResourcePolicy(versionJump, namespace("x", {})), []);
        });
    });

    describe("mesh-rollout-stage-order", () => {
        const passes: [string, MeshLedgerState, MeshLedgerState | null][] = [
            ["first install", state(), null],
            ["none -> controlPlane", at("controlPlane"), state()],
            ["controlPlane -> dataPlane", at("dataPlane"), at("controlPlane")],
            ["dataPlane -> finalize", at("finalize"), at("dataPlane")],
            ["re-applying dataPlane", at("dataPlane"), at("dataPlane")],
            ["controlPlane -> rollback", at("rollback"), at("controlPlane")],
            ["dataPlane -> rollback", at("rollback"), at("dataPlane")],
            ["finalize -> upgrade removed, version moved on", state({ version: "1.14.5" }), at("finalize")],
            ["rollback -> upgrade removed", state(), at("rollback")],
        ];
        for (const [what, next, prior] of passes) {
            it(`allows ${what}`, async () => {
                assert.deepEqual(await runResourcePolicy(stageOrder, ledger(next, prior)), []);
            });
        }
        const refusals: [string, MeshLedgerState, MeshLedgerState | null, string][] = [
            [
                "controlPlane -> finalize",
                at("finalize"),
                at("controlPlane"),
                "Mesh mesh-ledger (applied: controlPlane of 1.12.4 -> 1.14.5): 'stage' finalize skips dataPlane: the applied stage is controlPlane. Apply stage dataPlane first, or rollback to cancel the upgrade.",
            ],
            [
                "starting at dataPlane",
                at("dataPlane"),
                state(),
                "Mesh mesh-ledger (applied: no upgrade stage): 'stage' dataPlane skips controlPlane: no upgrade stage has been applied yet. Apply stage controlPlane first.",
            ],
            [
                "rollback after finalize",
                at("rollback"),
                at("finalize"),
                "Mesh mesh-ledger (applied: finalize of 1.12.4 -> 1.14.5): 'stage' rollback comes after finalize: the old revision is already offline. Rollback is only possible before finalize; upgrade forward to a fixed release instead.",
            ],
            [
                "dropping the upgrade half-way",
                state(),
                at("dataPlane"),
                "Mesh mesh-ledger (applied: dataPlane of 1.12.4 -> 1.14.5): 'upgrade' (missing) is removed while the upgrade 1.12.4 -> 1.14.5 is at stage dataPlane. Set the stage to rollback (or carry on to finalize) before removing 'upgrade'.",
            ],
            [
                "returning to the old version after finalize",
                state(),
                at("finalize"),
                "Mesh mesh-ledger (applied: finalize of 1.12.4 -> 1.14.5): 'version' 1.12.4 is not 1.14.5, the version finalized by the last upgrade. Set 'version' to 1.14.5 when removing 'upgrade'.",
            ],
            [
                "changing the target mid-upgrade",
                at("dataPlane", "1.13.4"),
                at("controlPlane"),
                "Mesh mesh-ledger (applied: controlPlane of 1.12.4 -> 1.14.5): 'to' 1.13.4 starts a new upgrade while 1.12.4 -> 1.14.5 is at stage controlPlane. Finish that upgrade (finalize) or roll it back first, with from 1.12.4 and to 1.14.5.",
            ],
        ];
        for (const [what, next, prior, message] of refusals) {
            it(`refuses ${what}`, async () => {
                assert.deepEqual(await runResourcePolicy(stageOrder, ledger(next, prior)), [{ message, urn: undefined }]);
            });
        }
    });

    describe("mesh-rollout-namespace-labels-exclusive", () => {
        it("passes one label", async () => {
            assert.deepEqual(await runResourcePolicy(namespaceLabelsExclusive, namespace("shop", { "istio.io/rev": "1-12-4" })), []);
            assert.deepEqual(await runResourcePolicy(namespaceLabelsExclusive, namespace("shop", { "istio-injection": "enabled" })), []);
        });
        it("refuses both, on a Namespace or a NamespacePatch", async () => {
            const message =
                "Namespace legacy must not carry both istio-injection=enabled and istio.io/rev=1-12-4: istio-injection takes precedence and the revision label is silently ignored. Keep only istio.io/rev, e.g. istio.io/rev=1-14-5.";
            const labels = { "istio-injection": "enabled", "istio.io/rev": "1-12-4" };
            assert.deepEqual(await runResourcePolicy(namespaceLabelsExclusive, namespace("legacy", labels)), [{ message, urn: undefined }]);
            const patch = { ...namespace("legacy", labels), type: "kubernetes:core/v1:NamespacePatch" };
            assert.equal((await runResourcePolicy(namespaceLabelsExclusive, patch)).length, 1);
        });
    });

    describe("mesh-rollout-rev-label-known", () => {
        it("passes revisions and tags the stage installs", async () => {
            const resources = [ledger(at("controlPlane"), state()), namespace("a", { "istio.io/rev": "1-14-5" }), namespace("b", { "istio.io/rev": "canary" }), namespace("c", {})];
            assert.deepEqual(await runStackPolicy(revLabelKnown, resources), []);
        });
        it("refuses a namespace on a revision not installed, naming what is", async () => {
            const resources = [ledger(state(), null), namespace("a", { "istio.io/rev": "1-14-5" })];
            assert.deepEqual(await runStackPolicy(revLabelKnown, resources), [
                {
                    message: `Namespace a must name an installed revision or tag in istio.io/rev, not 1-14-5 ('metadata.labels["istio.io/rev"]'): its new pods would get no sidecar. Installed at this stage: 1-12-4, stable. Use one of them, or install that revision first.`,
                    urn: `urn:pulumi:unit::mesh-rollout-unit::${NS}::a`,
                },
            ]);
        });
        it("refuses a workload whose pods name an unknown revision", async () => {
            const deployment: FixtureResource = {
                type: "kubernetes:apps/v1:Deployment",
                name: "gw",
                props: { metadata: { name: "gw", namespace: "edge" }, spec: { template: { metadata: { labels: { "istio.io/rev": "canary" } } } } },
            };
            const reported = await runStackPolicy(revLabelKnown, [ledger(state(), null), deployment]);
            assert.equal(reported.length, 1);
            assert.match(
                reported[0].message,
                /^Deployment edge\/gw must name an installed revision or tag in istio\.io\/rev, not canary \('spec\.template\.metadata\.labels\["istio\.io\/rev"\]'\)/,
            );
        });
        it("has nothing to judge in a stack without a mesh", async () => {
            assert.deepEqual(await runStackPolicy(revLabelKnown, [namespace("a", { "istio.io/rev": "x" })]), []);
        });
    });

    describe("mesh-rollout-finalize-nothing-on-old-revision", () => {
        it("passes a finalize where everything moved", async () => {
            assert.deepEqual(await runStackPolicy(finalizeNothingOnOldRevision, [ledger(at("finalize"), at("dataPlane")), namespace("shop", { "istio.io/rev": "1-14-5" })]), []);
        });
        it("refuses a finalize while a namespace (held, or outside the component) is on the old revision", async () => {
            const held = at("finalize", "1.14.5", { namespaces: [{ name: "shop", hold: true }] });
            const reported = await runStackPolicy(finalizeNothingOnOldRevision, [ledger(held, at("dataPlane")), namespace("legacy", { "istio.io/rev": "1-12-4" })]);
            assert.deepEqual(reported, [
                {
                    message:
                        "Mesh mesh-ledger must not finalize while anything still points at the old revision 1-12-4: namespace legacy, namespace shop. Move them to 1.14.5 (apply dataPlane without 'hold'), or roll back.",
                    urn: `urn:pulumi:unit::mesh-rollout-unit::${LEDGER}::mesh-ledger`,
                },
            ]);
        });
        it("refuses a tag webhook still on the old revision", async () => {
            const webhook: FixtureResource = {
                type: "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
                name: "old-tag",
                props: { metadata: { name: "istio-revision-tag-prod", labels: { "istio.io/tag": "prod", "istio.io/rev": "1-12-4" } } },
            };
            const reported = await runStackPolicy(finalizeNothingOnOldRevision, [ledger(at("finalize"), at("dataPlane")), webhook]);
            assert.match(reported[0].message, /still points at the old revision 1-12-4: tag prod\./);
        });
        it("does not judge other stages", async () => {
            assert.deepEqual(
                await runStackPolicy(finalizeNothingOnOldRevision, [ledger(at("dataPlane"), at("controlPlane")), namespace("legacy", { "istio.io/rev": "1-12-4" })]),
                [],
            );
        });

        const pod = (ns: string, name: string, owner: string, revision: string) => ({ namespace: ns, name, owner, revision, image: `docker.io/istio/proxyv2:${revision}` });
        const live = (observed: unknown, gate: "refuse" | "warn") => {
            const l = ledger(at("finalize"), at("dataPlane"));
            return { ...l, props: { ...(l.props as Record<string, unknown>), observed, liveCheck: { finalizeGate: gate } } as Record<string, unknown> };
        };
        it("refuses a finalize while pods read from the cluster run the old revision's sidecar, naming them and the restart", async () => {
            const observed = {
                verified: true,
                at: "2026-11-24T06:00:00Z",
                pods: [
                    pod("shop", "reviews-7d4-abcde", "Deployment/reviews", "1-12-4"),
                    pod("shop", "cart-5f-xyz12", "Deployment/cart", "1-14-5"),
                    pod("payments", "ledger-0", "StatefulSet/ledger", "stable"),
                ],
            };
            const l = live(observed, "refuse");
            // The stable tag still names 1-12-4 in this ledger state: its pods count as the old revision.
            const reported = await runStackPolicy(finalizeNothingOnOldRevision, [
                { ...l, props: { ...l.props, state: { ...(l.props.state as object), tags: { stable: "1-12-4" } } } },
            ]);
            assert.deepEqual(
                reported.map((r) => r.message),
                [
                    "Mesh mesh-ledger must not finalize while 2 pods still run the sidecar of the old revision 1-12-4 (read from the cluster): 1 pod in payments (ledger-0): restart StatefulSet/ledger; 1 pod in shop (reviews-7d4-abcde): restart Deployment/reviews. Restart them onto 1.14.5 (list them in the namespace's restart, or kubectl rollout restart), then preview finalize again.",
                ],
            );
        });
        it("passes a finalize when every pod read runs the new revision", async () => {
            const observed = { verified: true, at: "2026-11-24T06:00:00Z", pods: [pod("shop", "cart-5f-xyz12", "Deployment/cart", "1-14-5")] };
            assert.deepEqual(await runStackPolicy(finalizeNothingOnOldRevision, [live(observed, "refuse")]), []);
        });
        it("an unverified data plane refuses with finalizeGate refuse, and passes with warn (the report policy warns)", async () => {
            const observed = { verified: false, reason: "no cluster (render mode: no kubeconfig given to liveCheck)", pods: [] };
            const refused = await runStackPolicy(finalizeNothingOnOldRevision, [live(observed, "refuse")]);
            assert.deepEqual(
                refused.map((r) => r.message),
                [
                    'Mesh mesh-ledger must not finalize unverified: no cluster (render mode: no kubeconfig given to liveCheck), so no one knows whether pods still run the old revision 1-12-4. Give liveCheck.kubeconfig of the cluster (read access to pods), or set liveCheck.finalizeGate: "warn" to accept the risk.',
                ],
            );
            assert.deepEqual(await runStackPolicy(finalizeNothingOnOldRevision, [live(observed, "warn")]), []);
            const warned = await runResourcePolicy(dataPlaneReport, live(observed, "warn"));
            assert.deepEqual(
                warned.map((r) => r.message),
                ["Mesh mesh-ledger: data plane not verified: no cluster (render mode: no kubeconfig given to liveCheck) (gate: warn)."],
            );
        });
        it("reads a malformed observation as not verified, never a crash", async () => {
            const reported = await runStackPolicy(finalizeNothingOnOldRevision, [live({ verified: "yes", pods: "many" }, "refuse")]);
            assert.match(reported[0].message, /must not finalize unverified: no cluster/);
        });
    });

    describe("mesh-rollout-in-place-keeps-running-istiod", () => {
        const inPlace = (observed: unknown, gate: "refuse" | "warn") => {
            const l = ledger(state({ version: "1.14.6" }), state({ version: "1.14.5" }));
            return { ...l, props: { ...(l.props as Record<string, unknown>), observed, liveCheck: { finalizeGate: gate } } as Record<string, unknown> };
        };
        const pod = (name: string, revision: string) => ({ namespace: "shop", name, owner: "Deployment/cart", revision, image: "docker.io/istio/proxyv2:1.14.5" });
        it("refuses an in-place change that removes the istiod running pods use, naming them and the canary to do instead", async () => {
            const reported = await runResourcePolicy(
                inPlaceKeepsRunningIstiod,
                inPlace({ verified: true, at: "t", pods: [pod("cart-1", "1-14-5"), pod("cart-2", "stable")] }, "refuse"),
            );
            assert.deepEqual(
                reported.map((r) => r.message),
                [
                    'Mesh mesh-ledger must not move in place from 1.14.5 to 1.14.6: this update removes istiod 1-14-5 while 2 pods run its sidecar (read from the cluster): 2 pods in shop (cart-1, cart-2): restart Deployment/cart. Upgrade as a canary instead: upgrade: { to: "1.14.6", stage: "controlPlane" } with version 1.14.5 (then dataPlane, the restarts, finalize).',
                ],
            );
        });
        it("passes when no pod runs the old revision, or unverified with the warn gate; refuses unverified with refuse", async () => {
            assert.deepEqual(await runResourcePolicy(inPlaceKeepsRunningIstiod, inPlace({ verified: true, at: "t", pods: [pod("cart-1", "1-14-6")] }, "refuse")), []);
            assert.deepEqual(await runResourcePolicy(inPlaceKeepsRunningIstiod, inPlace({ verified: false, reason: "no cluster", pods: [] }, "warn")), []);
            const refused = await runResourcePolicy(inPlaceKeepsRunningIstiod, inPlace({ verified: false, reason: "no cluster", pods: [] }, "refuse"));
            assert.match(refused[0].message, /must not move in place from 1\.14\.5 to 1\.14\.6 unverified: no cluster; this update removes istiod 1-14-5/);
        });
        it("does not judge a canary upgrade or its end", async () => {
            const l = ledger(state({ version: "1.14.5" }), at("finalize"));
            const ended = {
                ...l,
                props: { ...(l.props as Record<string, unknown>), observed: { verified: true, pods: [pod("x", "1-12-4")] }, liveCheck: { finalizeGate: "refuse" } } as Record<
                    string,
                    unknown
                >,
            };
            assert.deepEqual(await runResourcePolicy(inPlaceKeepsRunningIstiod, ended), []);
        });
    });

    describe("mesh-rollout-namespace-injection-removed (advisory)", () => {
        it("warns when a namespace leaves the mesh", async () => {
            const reported = await runResourcePolicy(namespaceInjectionRemoved, ledger(state({ namespaces: [{ name: "shop" }] }), state()));
            assert.deepEqual(reported, [
                {
                    message:
                        "Mesh mesh-ledger: namespace payments will be unbound: the mesh's labels (istio.io/rev and its extra labels) are removed and the Namespace and its workloads stay. Running pods keep their sidecars until they restart, then start without one. Keep the namespace in 'namespaces' if that is not intended.",
                    urn: undefined,
                },
            ]);
        });
        it("says DELETED for a namespace created with deleteWhenRemoved", async () => {
            const before = state({ namespaces: [{ name: "shop" }, { name: "payments", tag: "stable", deleteWhenRemoved: true }] });
            assert.deepEqual(before.deleteWhenRemoved, ["payments"]);
            assert.equal(state().deleteWhenRemoved, undefined, "absent when unused: older ledgers do not change");
            const reported = await runResourcePolicy(namespaceInjectionRemoved, ledger(state({ namespaces: [{ name: "shop" }] }), before));
            assert.deepEqual(
                reported.map((r) => r.message),
                [
                    "Mesh mesh-ledger: namespace payments will be DELETED with everything in it (deleteWhenRemoved). Keep the namespace in 'namespaces', or apply once with deleteWhenRemoved: false first to only unbind it.",
                ],
            );
        });
        it("is quiet when namespaces stay", async () => {
            assert.deepEqual(await runResourcePolicy(namespaceInjectionRemoved, ledger(at("dataPlane"), at("controlPlane"))), []);
            assert.deepEqual(await runResourcePolicy(namespaceInjectionRemoved, ledger(state(), null)), []);
        });
    });

    describe("mesh-rollout-rollback-nothing-on-new-revision", () => {
        const pod = (name: string, revision: string, image = "docker.io/istio/proxyv2:1.14.5") => ({ namespace: "shop", name, owner: "Deployment/cart", revision, image });
        const ending = (observed: unknown, gate: "refuse" | "warn", next = state(), prior = at("rollback")) => {
            const l = ledger(next, prior);
            return { ...l, props: { ...(l.props as Record<string, unknown>), observed, liveCheck: { finalizeGate: gate } } as Record<string, unknown> };
        };
        it("at stage rollback the new revision stays installed, nothing pointing at it", () => {
            const r = at("rollback");
            assert.deepEqual(r.revisions, ["1-12-4", "1-14-5"]);
            assert.equal(r.newRevision, "1-14-5");
            assert.deepEqual(r.tags, { stable: "1-12-4" });
            assert.deepEqual(Object.values(r.namespaces), ["1-12-4", "stable"]);
            assert.deepEqual(r.onOldRevision, []);
        });
        it("refuses removing 'upgrade' after rollback while pods run the new revision, naming them and the restart", async () => {
            const reported = await runResourcePolicy(
                rollbackNothingOnNewRevision,
                ending({ verified: true, at: "t", pods: [pod("cart-1", "1-14-5"), pod("web-1", "1-12-4", "docker.io/istio/proxyv2:1.12.4")] }, "refuse"),
            );
            assert.deepEqual(
                reported.map((r) => r.message),
                [
                    "Mesh mesh-ledger must not end the rollback yet: removing 'upgrade' removes istiod 1-14-5 while 1 pod still run its sidecar (read from the cluster): 1 pod in shop (cart-1): restart Deployment/cart. Restart them onto 1.12.4 (list them in the namespace's restart and apply stage rollback again, or kubectl rollout restart), then remove 'upgrade'.",
                ],
            );
        });
        it("passes once no pod runs it, or unverified with warn; refuses unverified with refuse; ignores other transitions", async () => {
            assert.deepEqual(await runResourcePolicy(rollbackNothingOnNewRevision, ending({ verified: true, at: "t", pods: [pod("web-1", "1-12-4")] }, "refuse")), []);
            assert.deepEqual(await runResourcePolicy(rollbackNothingOnNewRevision, ending({ verified: false, reason: "no cluster", pods: [] }, "warn")), []);
            const refused = await runResourcePolicy(rollbackNothingOnNewRevision, ending({ verified: false, reason: "no cluster", pods: [] }, "refuse"));
            assert.match(refused[0].message, /^Mesh mesh-ledger must not end the rollback unverified: no cluster, so no one knows whether pods still run the new revision 1-14-5/);
            assert.deepEqual(
                await runResourcePolicy(rollbackNothingOnNewRevision, ending({ verified: true, pods: [pod("cart-1", "1-14-5")] }, "refuse", at("rollback"), at("dataPlane"))),
                [],
            );
        });
    });

    describe("mesh-rollout-data-plane-report at rollback, its end and in-place changes (advisory)", () => {
        const pod = (name: string, revision: string) => ({ namespace: "shop", name, owner: "Deployment/cart", revision, image: "docker.io/istio/proxyv2:1.14.5" });
        const judged = (next: MeshLedgerState, prior: MeshLedgerState | null, observed: unknown) => {
            const l = ledger(next, prior);
            return { ...l, props: { ...(l.props as Record<string, unknown>), observed, liveCheck: { finalizeGate: "warn" } } as Record<string, unknown> };
        };
        it("names the pods still on the new revision at rollback and at its end, and is silent once none is", async () => {
            const pods = { verified: true, at: "t", pods: [pod("cart-1", "1-14-5")] };
            assert.deepEqual(
                (await runResourcePolicy(dataPlaneReport, judged(at("rollback"), at("dataPlane"), pods))).map((r) => r.message),
                [
                    "Mesh mesh-ledger: 1 pod still run 1-14-5: 1 pod in shop (cart-1): restart Deployment/cart to move them back to 1-12-4; the upgrade can be removed once none is left.",
                ],
            );
            assert.deepEqual(
                (await runResourcePolicy(dataPlaneReport, judged(state(), at("rollback"), pods))).map((r) => r.message),
                ["Mesh mesh-ledger: 1 pod still run 1-14-5: 1 pod in shop (cart-1): restart Deployment/cart to move them back to 1-12-4."],
            );
            assert.deepEqual(await runResourcePolicy(dataPlaneReport, judged(state(), at("rollback"), { verified: true, at: "t", pods: [pod("cart-1", "1-12-4")] })), []);
        });
        it("warns that an unverified in-place change removes the old istiod in the same update", async () => {
            const reported = await runResourcePolicy(
                dataPlaneReport,
                judged(state({ version: "1.14.6" }), state({ version: "1.14.5" }), { verified: false, reason: "no cluster", pods: [] }),
            );
            assert.deepEqual(
                reported.map((r) => r.message),
                [
                    'Mesh mesh-ledger: moving in place from 1.14.5 to 1.14.6 removes istiod 1-14-5 in this update, and the data plane is not verified (no cluster): any pod still running its sidecar loses its control plane. A canary upgrade (upgrade: { to: "1.14.6", stage: "controlPlane" }) keeps it until finalize (gate: warn).',
                ],
            );
        });
    });

    describe("mesh-rollout-stage-completed", () => {
        const applied = (next: MeshLedgerState, prior: MeshLedgerState | null): FixtureResource => ({
            type: "mesh-rollout:index:MeshStageApplied",
            name: "mesh-applied",
            props: { key: "mesh", state: next, prior },
        });
        const withKey = (l: FixtureResource): FixtureResource => ({ ...l, props: { ...(l.props as Record<string, unknown>), key: "mesh" } });
        it("after an interrupted controlPlane (ledger at controlPlane, completed still the install), refuses dataPlane and allows controlPlane again", async () => {
            const refused = await runStackPolicy(stageCompleted, [withKey(ledger(at("dataPlane"), at("controlPlane"))), applied(at("dataPlane"), state())]);
            assert.deepEqual(
                refused.map((r) => r.message),
                [
                    "Mesh mesh-ledger: the last update did not complete stage controlPlane of 1.12.4 -> 1.14.5 (it was interrupted: the last completed is version 1.12.4), so stage dataPlane of 1.12.4 -> 1.14.5 must wait. Apply stage controlPlane of 1.12.4 -> 1.14.5 again first (same config as the interrupted update), then move on.",
                ],
            );
            // The re-run: the ledger's state is unchanged (its prior stays the install), the record moves.
            assert.deepEqual(await runStackPolicy(stageCompleted, [withKey(ledger(at("controlPlane"), state())), applied(at("controlPlane"), state())]), []);
        });
        it("passes completed updates, and records new in this update (no history)", async () => {
            assert.deepEqual(await runStackPolicy(stageCompleted, [withKey(ledger(at("dataPlane"), at("controlPlane"))), applied(at("dataPlane"), at("controlPlane"))]), []);
            assert.deepEqual(await runStackPolicy(stageCompleted, [withKey(ledger(at("dataPlane"), at("controlPlane"))), applied(at("dataPlane"), null)]), []);
            assert.deepEqual(await runStackPolicy(stageCompleted, [withKey(ledger(at("dataPlane"), at("controlPlane")))]), []);
        });
    });

    describe("mesh-rollout-control-plane-not-older", () => {
        const pod = (name: string, image: string | null) => ({ namespace: "shop", name, owner: "Deployment/cart", revision: image === null ? null : "1-14-5", image });
        const judged = (next: MeshLedgerState, prior: MeshLedgerState | null, pods: unknown[]) => {
            const l = ledger(next, prior);
            return {
                ...l,
                props: { ...(l.props as Record<string, unknown>), observed: { verified: true, at: "t", pods }, liveCheck: { finalizeGate: "warn" } } as Record<string, unknown>,
            };
        };
        it("refuses leaving only an older control plane under newer proxies (the end of a rollback, an in-place downgrade), naming the pods", async () => {
            const reported = await runResourcePolicy(controlPlaneNotOlder, judged(state(), at("rollback"), [pod("cart-1", "docker.io/istio/proxyv2:1.14.5-distroless")]));
            assert.deepEqual(
                reported.map((r) => r.message),
                [
                    "Mesh mesh-ledger must not leave its control plane (1.12.4) older than its data plane: 1 pod run proxy 1.14.5 (read from the cluster): 1 pod in shop (cart-1): restart Deployment/cart. Restart them onto the older revision first (a rollback's stage rollback restarts the listed workloads), or keep the newer revision installed.",
                ],
            );
            const downgrade = await runResourcePolicy(
                controlPlaneNotOlder,
                judged(state({ version: "1.14.4" }), state({ version: "1.14.5" }), [pod("cart-1", "reg.example/istio/proxyv2:1.14.5@sha256:" + "a".repeat(64))]),
            );
            assert.equal(downgrade.length, 1);
        });
        it("passes while the newer revision stays installed, and for proxies no newer or of unknown version", async () => {
            assert.deepEqual(await runResourcePolicy(controlPlaneNotOlder, judged(at("rollback"), at("dataPlane"), [pod("cart-1", "docker.io/istio/proxyv2:1.14.5")])), []);
            assert.deepEqual(
                await runResourcePolicy(
                    controlPlaneNotOlder,
                    judged(state(), at("rollback"), [
                        pod("a", "docker.io/istio/proxyv2:1.12.4"),
                        pod("b", "proxy@sha256:" + "b".repeat(64)),
                        pod("c", "proxy:latest"),
                        pod("d", null),
                    ]),
                ),
                [],
            );
            assert.deepEqual(await runResourcePolicy(controlPlaneNotOlder, judged(at("finalize"), at("dataPlane"), [pod("a", "docker.io/istio/proxyv2:1.14.5")])), []);
        });
    });
});
