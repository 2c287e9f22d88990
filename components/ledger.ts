import * as pulumi from "@pulumi/pulumi";
import type { MeshLedgerState } from "../domain";
import type { DataPlaneObservation, LiveGate } from "../domain/data-plane";
import type { AnalysisSpec, AnalysisVerdict } from "../domain/analysis";
import type { HooksSpec, HooksVerdict } from "../domain/hooks";
import { CANARY_PROGRESS_KIND, MESH_LEDGER_KIND, MESH_STAGE_APPLIED_KIND, StateRecord } from "../provider";
import type { CanaryProgress } from "../domain/analysis";

export { MESH_LEDGER_KIND, MESH_LEDGER_TYPE, MESH_STAGE_APPLIED_TYPE } from "../provider";

/**
 * What the mesh's last update completed (`mesh-rollout:index:MeshStageApplied`): the ledger's state, registered
 * after every child of the stage, so it changes only once they are all applied. After a crash it still
 * names the stage before, and the policy pack refuses moving on until the interrupted stage is applied again.
 */
export class MeshStageApplied extends StateRecord {
    constructor(name: string, args: { mesh: string; state: MeshLedgerState; hooks?: HooksSpec }, opts?: pulumi.CustomResourceOptions) {
        // With hooks, the provider calls the stage's post hooks when this record is written (the stage applied).
        super(MESH_STAGE_APPLIED_KIND, name, { key: args.mesh, state: args.state as unknown as Record<string, unknown>, extra: args.hooks ? { hooks: args.hooks } : {} }, opts);
    }
}

/** The upgrade ledger of one mesh (`mesh-rollout:index:MeshUpgradeLedger`): the applied stage and versions, and what the stage binds. */
export class MeshUpgradeLedger extends StateRecord {
    /** What the provider read of the live data plane when the stage was checked (null without an upgrade). */
    declare readonly observed: pulumi.Output<DataPlaneObservation | null>;
    /** The metric analysis's verdict before finalize (set by the provider's check; null at other stages, absent without analysis). */
    declare readonly verdict: pulumi.Output<AnalysisVerdict | null | undefined>;
    /** The pre hooks' answers for the stage requested (set by the provider's check; null when the stage calls none). */
    declare readonly preHooks: pulumi.Output<HooksVerdict | null | undefined>;

    constructor(
        name: string,
        args: {
            mesh: string;
            state: MeshLedgerState;
            liveCheck?: { kubeconfig?: string; finalizeGate: LiveGate };
            /** The checks and Prometheus's address; the credentials beside them, as a secret. */
            analysis?: { spec: AnalysisSpec; credentials: pulumi.Input<Record<string, string>> };
            /** Stage hooks: the provider calls the stage's pre hooks when it checks the ledger. */
            hooks?: HooksSpec;
        },
        opts?: pulumi.CustomResourceOptions,
    ) {
        super(
            MESH_LEDGER_KIND,
            name,
            {
                key: args.mesh,
                state: args.state as unknown as Record<string, unknown>,
                extra: {
                    ...(args.liveCheck ? { liveCheck: args.liveCheck } : {}),
                    observed: undefined,
                    ...(args.analysis ? { analysis: args.analysis, verdict: undefined } : {}),
                    ...(args.hooks ? { hooks: args.hooks, preHooks: undefined } : {}),
                },
            },
            opts,
        );
    }
}

/**
 * How far a canary release has got (`mesh-rollout:index:CanaryProgressRecord`), with its metric analysis:
 * the provider runs the checks when the new version's share grows or it is promoted, and the policy pack
 * refuses the change when they fail. The routes wait for it.
 */
export class CanaryProgressRecord extends StateRecord {
    /** The analysis verdict before this change (null when the change needs none). */
    declare readonly verdict: pulumi.Output<AnalysisVerdict | null | undefined>;

    constructor(
        name: string,
        args: { key: string; state: CanaryProgress; analysis: { spec: AnalysisSpec; credentials: pulumi.Input<Record<string, string>> } },
        opts?: pulumi.CustomResourceOptions,
    ) {
        super(CANARY_PROGRESS_KIND, name, { key: args.key, state: args.state as unknown as Record<string, unknown>, extra: { analysis: args.analysis, verdict: undefined } }, opts);
    }
}
