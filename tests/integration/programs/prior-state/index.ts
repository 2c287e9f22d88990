import * as pulumi from "@pulumi/pulumi";
import { StateRecord } from "../../../../provider";

/** A record whose `level` a policy never lets go down. */
class SmokeLevel extends StateRecord {
    constructor(name: string, level: number) {
        super("SmokeLevel", name, { key: name, state: { level } });
    }
}

const config = new pulumi.Config("mesh-rollout-test");
const record = new SmokeLevel("level", config.requireNumber("level"));
export const state = record.state;
export const prior = record.prior;
