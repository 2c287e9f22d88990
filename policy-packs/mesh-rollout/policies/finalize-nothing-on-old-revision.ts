import { StackValidationPolicy } from "@pulumi/policy";
import { REV_LABEL } from "../../../domain";
import { isProblem } from "../fields";
import { describePods, podsOnRevision } from "../../../domain/data-plane";
import { LedgerFields, ledgerOf, ledgerState, liveDataPlaneOf, recordViolation, RecordResource } from "../records";
import { fieldViolation, readMetadata, resourceLabel, WEBHOOK_TYPE } from "../resources";
import { revLabelOf } from "../rev-labels";
import { listSome, shown } from "../values";

const TAG_LABEL = "istio.io/tag";
const NAME = "mesh-rollout-finalize-nothing-on-old-revision";

type Finalizing = { ledger: RecordResource; state: LedgerFields<"upgrade" | "oldRevision" | "tags" | "onOldRevision"> };

/** `istio.io/rev` value -> what points at it, each with its position in the stack (to list them in stack order). */
class PointersByRevision {
    private readonly byValue = new Map<string, [number, string][]>();
    add(value: string, position: number, what: string): void {
        const list = this.byValue.get(value);
        if (list === undefined) {
            this.byValue.set(value, [[position, what]]);
        } else {
            list.push([position, what]);
        }
    }
    get(value: string): readonly [number, string][] {
        return this.byValue.get(value) ?? [];
    }
}

/** Finalize takes the old revision offline: only when nothing points at it any more. */
export const finalizeNothingOnOldRevision: StackValidationPolicy = {
    name: NAME,
    description: "Checks that finalize (the old revision going offline) is applied only when no namespace, gateway, workload or revision tag still points at the old revision.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const finalizing: Finalizing[] = [];
        for (const r of args.resources) {
            const ledger = ledgerOf(r);
            const stage = ledger && ledgerState(ledger, ["upgrade"]);
            if (ledger === undefined || stage === undefined || (!isProblem(stage) && stage.upgrade?.stage !== "finalize")) {
                continue;
            }
            const state = ledgerState(ledger, ["upgrade", "oldRevision", "tags", "onOldRevision"]);
            if (isProblem(state)) {
                reportViolation(recordViolation(ledger, state, NAME), ledger.urn);
            } else {
                finalizing.push({ ledger, state });
            }
        }
        if (finalizing.length === 0) {
            return;
        }
        // One pass over the stack, indexed by revision; each ledger then looks up its old names.
        const labelled = new PointersByRevision();
        const tagWebhooks = new PointersByRevision();
        args.resources.forEach((r, position) => {
            if (r.type === WEBHOOK_TYPE) {
                const metadata = readMetadata(r, { labels: [TAG_LABEL, REV_LABEL] });
                if (isProblem(metadata)) {
                    return reportViolation(fieldViolation(resourceLabel(r, metadata), metadata), r.urn);
                }
                const tag = metadata.labels[TAG_LABEL];
                const rev = metadata.labels[REV_LABEL];
                if (tag !== undefined && rev !== undefined) {
                    tagWebhooks.add(rev, position, `tag ${shown(tag)}`);
                }
                return;
            }
            const rev = revLabelOf(r);
            if (rev !== undefined && "problem" in rev) {
                reportViolation(rev.problem, r.urn);
            } else if (rev !== undefined) {
                labelled.add(rev.value, position, `${rev.kind} ${rev.name}`);
            }
        });
        for (const { ledger, state } of finalizing) {
            const old = state.oldRevision;
            // Tags that resolve to the old revision count as the old revision.
            const oldNames = new Set([
                old,
                ...Object.entries(state.tags)
                    .filter(([, rev]) => rev === old)
                    .map(([tag]) => tag),
            ]);
            const found = [...oldNames].flatMap((name) => labelled.get(name)).concat(tagWebhooks.get(old));
            const still = new Set(found.sort((a, b) => a[0] - b[0]).map(([, what]) => what));
            for (const entry of state.onOldRevision) {
                const [kind, ...rest] = entry.split("/");
                still.add(`${kind === "gateway" ? "workload" : shown(kind)} ${shown(rest.join("/"))}`);
            }
            if (still.size > 0) {
                reportViolation(
                    `Mesh ${ledger.name} must not finalize while anything still points at the old revision ${shown(old)}: ${listSome([...still])}. Move them to ${shown(state.upgrade?.to ?? "the new version")} (apply dataPlane without 'hold'), or roll back.`,
                    ledger.urn,
                );
            }
            // What runs, not only what is declared: pods still on the old revision's sidecar.
            const live = liveDataPlaneOf(ledger);
            if (live === undefined) {
                continue;
            }
            if (live.observation.verified) {
                const pods = podsOnRevision(live.observation.pods, old, state.tags);
                if (pods.length > 0) {
                    reportViolation(
                        `Mesh ${ledger.name} must not finalize while ${pods.length} pod${pods.length === 1 ? "" : "s"} still run the sidecar of the old revision ${shown(old)} (read from the cluster): ${describePods(pods).join("; ")}. Restart them onto ${shown(state.upgrade?.to ?? "the new version")} (list them in the namespace's restart, or kubectl rollout restart), then preview finalize again.`,
                        ledger.urn,
                    );
                }
            } else if (live.gate === "refuse") {
                reportViolation(
                    `Mesh ${ledger.name} must not finalize unverified: ${shown(live.observation.reason ?? "no cluster")}, so no one knows whether pods still run the old revision ${shown(old)}. Give liveCheck.kubeconfig of the cluster (read access to pods), or set liveCheck.finalizeGate: "warn" to accept the risk.`,
                    ledger.urn,
                );
            }
        }
    },
};
