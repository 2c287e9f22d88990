import { ResourceValidationPolicy } from "@pulumi/policy";
import { describePods, podsNewerThan } from "../../../domain/data-plane";
import { isProblem } from "../fields";
import { ledgerOf, ledgerState, liveDataPlaneOf, recordViolation } from "../records";
import { listSome, shown } from "../values";

const NAME = "mesh-rollout-control-plane-not-older";

/**
 * No control plane older than its data plane: after this update, the newest istiod installed must be
 * at least as new as every proxy running in the mesh's namespaces (istio #51459: rolling the control
 * plane back under newer proxies broke them). Judged from the proxy images read from the cluster.
 */
export const controlPlaneNotOlder: ResourceValidationPolicy = {
    name: NAME,
    description:
        "Checks that no update leaves the mesh's control plane older than its data plane: every proxy image read from the cluster (liveCheck) must be no newer than the newest istiod that stays installed.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const ledger = ledgerOf(args);
        const live = ledger && liveDataPlaneOf(ledger);
        if (ledger === undefined || live === undefined || !live.observation.verified) {
            return;
        }
        const state = ledgerState(ledger, ["version", "upgrade", "revisions", "newRevision"]);
        if (isProblem(state)) {
            return reportViolation(recordViolation(ledger, state, NAME));
        }
        const installed = [
            ...(state.upgrade === null || state.upgrade.stage !== "finalize" ? [state.version] : []),
            ...(state.upgrade !== null && state.newRevision !== null && state.revisions.includes(state.newRevision) ? [state.upgrade.to] : []),
        ];
        const newer = podsNewerThan(live.observation.pods, installed);
        if (newer.length > 0) {
            const versions = [...new Set(newer.map((n) => n.version))];
            reportViolation(
                `Mesh ${ledger.name} must not leave its control plane (${listSome(installed.map(shown))}) older than its data plane: ${newer.length} pod${newer.length === 1 ? "" : "s"} run proxy ${listSome(versions.map(shown))} (read from the cluster): ${describePods(newer.map((n) => n.pod)).join("; ")}. Restart them onto the older revision first (a rollback's stage rollback restarts the listed workloads), or keep the newer revision installed.`,
            );
        }
    },
};
