import { StackValidationPolicy } from "@pulumi/policy";
import { REV_LABEL } from "../../../domain";
import { labelsOf, metadataName, NAMESPACE_TYPES, podTemplateRev, readLedger, WEBHOOK_TYPE, WORKLOAD_TYPES, workloadName } from "../resources";

/** Finalize takes the old revision offline: only when nothing points at it any more. */
export const finalizeNothingOnOldRevision: StackValidationPolicy = {
    name: "mesh-rollout-finalize-nothing-on-old-revision",
    description: "Checks that finalize (the old revision going offline) is applied only when no namespace, gateway, workload or revision tag still points at the old revision.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        for (const ledger of args.resources.map(readLedger)) {
            if (ledger === undefined || ledger.state.upgrade?.stage !== "finalize") {
                continue;
            }
            const old = ledger.state.oldRevision;
            // Tags that resolve to the old revision count as the old revision.
            const oldNames = new Set([old, ...Object.entries(ledger.state.tags).filter(([, rev]) => rev === old).map(([tag]) => tag)]);
            const still: string[] = [];
            for (const r of args.resources) {
                if (NAMESPACE_TYPES.includes(r.type) && oldNames.has(labelsOf(r)[REV_LABEL])) {
                    still.push(`namespace ${metadataName(r)}`);
                } else if (WORKLOAD_TYPES.includes(r.type) && oldNames.has(podTemplateRev(r) ?? "")) {
                    still.push(`workload ${workloadName(r)}`);
                } else if (r.type === WEBHOOK_TYPE && labelsOf(r)["istio.io/tag"] !== undefined && labelsOf(r)[REV_LABEL] === old) {
                    still.push(`tag ${labelsOf(r)["istio.io/tag"]}`);
                }
            }
            for (const entry of ledger.state.onOldRevision) {
                const [kind, ...rest] = entry.split("/");
                const label = `${kind === "gateway" ? "workload" : kind} ${rest.join("/")}`;
                if (!still.includes(label)) {
                    still.push(label);
                }
            }
            if (still.length > 0) {
                reportViolation(
                    `Mesh ${ledger.name} must not finalize while anything still points at the old revision ${old}: ${still.join(", ")}. Move them to ${ledger.state.upgrade.to} (apply dataPlane without 'hold'), or roll back.`,
                );
            }
        }
    },
};
