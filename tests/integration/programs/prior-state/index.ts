import * as pulumi from "@pulumi/pulumi";
import { MeshUpgradeLedger } from "../../../../components/ledger";

// A record whose `level` the test's policy pack never lets go down (the ledger's record type, with a
// state of the test's own: the provider's `check` carries any state into `prior`).
const config = new pulumi.Config("mesh-rollout-test");
const record = new MeshUpgradeLedger("level", { mesh: "smoke", state: { level: config.requireNumber("level") } as never });
export const state = record.state;
export const prior = record.prior;
