import * as pulumi from "@pulumi/pulumi";
import type { MeshLedgerState } from "../domain";
import { StateRecord, stateRecordType } from "../provider";

export const MESH_LEDGER_KIND = "MeshUpgradeLedger";
/** The resource type the policies match: `pulumi-nodejs:dynamic/mesh-rollout:MeshUpgradeLedger`. */
export const MESH_LEDGER_TYPE = stateRecordType(MESH_LEDGER_KIND);

/** The upgrade ledger of one mesh: the applied stage and versions, and what the stage binds. */
export class MeshUpgradeLedger extends StateRecord {
    constructor(name: string, args: { mesh: string; state: MeshLedgerState }, opts?: pulumi.CustomResourceOptions) {
        super(MESH_LEDGER_KIND, name, { key: args.mesh, state: args.state as unknown as Record<string, unknown> }, opts);
    }
}
