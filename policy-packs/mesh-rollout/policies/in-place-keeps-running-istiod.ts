import { ResourceValidationPolicy } from "@pulumi/policy";
import { describePods, podsOnRevision } from "../../../domain/data-plane";
import { isProblem } from "../fields";
import { ledgerOf, ledgerPrior, ledgerState, liveDataPlaneOf, recordViolation } from "../records";
import { shown } from "../values";

const NAME = "mesh-rollout-in-place-keeps-running-istiod";

/**
 * An in-place version change (1.14.5 -> 1.14.6 with no `upgrade`) installs the new revision and removes
 * the old one in the same update. Running proxies are connected to the old one: refused while any pod
 * runs its sidecar (read from the cluster), in favour of a canary upgrade.
 */
export const inPlaceKeepsRunningIstiod: ResourceValidationPolicy = {
    name: NAME,
    description:
        "Checks that an in-place version change (no upgrade declared) does not remove the istiod revision that running proxies use, as read from the cluster (liveCheck); refuses unverified changes when liveCheck.finalizeGate is refuse.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const ledger = ledgerOf(args);
        const live = ledger && liveDataPlaneOf(ledger);
        if (ledger === undefined || live === undefined) {
            return;
        }
        const state = ledgerState(ledger, ["version", "upgrade", "oldRevision"]);
        const prior = ledgerPrior(ledger, ["version", "upgrade", "oldRevision", "tags"]);
        if (isProblem(state) || isProblem(prior)) {
            return reportViolation(recordViolation(ledger, isProblem(state) ? state : (prior as never), NAME));
        }
        if (state.upgrade !== null || prior === null || prior.upgrade !== null || prior.oldRevision === state.oldRevision) {
            return; // Not an in-place change of revision.
        }
        const canary = `upgrade: { to: "${state.version}", stage: "controlPlane" } with version ${prior.version} (then dataPlane, the restarts, finalize)`;
        if (live.observation.verified) {
            const pods = podsOnRevision(live.observation.pods, prior.oldRevision, prior.tags);
            if (pods.length > 0) {
                reportViolation(
                    `Mesh ${ledger.name} must not move in place from ${shown(prior.version)} to ${shown(state.version)}: this update removes istiod ${shown(prior.oldRevision)} while ${pods.length} pod${pods.length === 1 ? "" : "s"} run its sidecar (read from the cluster): ${describePods(pods).join("; ")}. Upgrade as a canary instead: ${canary}.`,
                );
            }
        } else if (live.gate === "refuse") {
            reportViolation(
                `Mesh ${ledger.name} must not move in place from ${shown(prior.version)} to ${shown(state.version)} unverified: ${shown(live.observation.reason ?? "no cluster")}; this update removes istiod ${shown(prior.oldRevision)}, which running proxies may use. Upgrade as a canary instead (${canary}), or set liveCheck.finalizeGate: "warn".`,
            );
        }
    },
};
