import * as pulumi from "@pulumi/pulumi";
import type { MeshLedgerState } from "../domain";
import type { DataPlaneObservation, LiveGate } from "../domain/data-plane";
import { MESH_LEDGER_KIND, StateRecord } from "../provider";

export { MESH_LEDGER_KIND, MESH_LEDGER_TYPE } from "../provider";

/** The upgrade ledger of one mesh (`mesh-rollout:index:MeshUpgradeLedger`): the applied stage and versions, and what the stage binds. */
export class MeshUpgradeLedger extends StateRecord {
    /** What the provider read of the live data plane when the stage was checked (null without an upgrade). */
    declare readonly observed: pulumi.Output<DataPlaneObservation | null>;

    constructor(name: string, args: { mesh: string; state: MeshLedgerState; liveCheck?: { kubeconfig?: string; finalizeGate: LiveGate } }, opts?: pulumi.CustomResourceOptions) {
        super(
            MESH_LEDGER_KIND,
            name,
            { key: args.mesh, state: args.state as unknown as Record<string, unknown>, extra: { ...(args.liveCheck ? { liveCheck: args.liveCheck } : {}), observed: undefined } },
            opts,
        );
    }
}
