import * as pulumi from "@pulumi/pulumi";
import type { MeshLedgerState } from "../domain";
import { MESH_LEDGER_KIND, StateRecord } from "../provider";

export { MESH_LEDGER_KIND, MESH_LEDGER_TYPE } from "../provider";

/** The upgrade ledger of one mesh (`mesh-rollout:index:MeshUpgradeLedger`): the applied stage and versions, and what the stage binds. */
export class MeshUpgradeLedger extends StateRecord {
    constructor(name: string, args: { mesh: string; state: MeshLedgerState }, opts?: pulumi.CustomResourceOptions) {
        super(MESH_LEDGER_KIND, name, { key: args.mesh, state: args.state as unknown as Record<string, unknown> }, opts);
    }
}
