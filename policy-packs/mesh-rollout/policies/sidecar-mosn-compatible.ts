import { StackValidationPolicy } from "@pulumi/policy";
import { isProblem } from "../fields";
import { RecordResource, recordViolation, sidecarRecordOf, sidecarState, SidecarRecordFields } from "../records";
import { shown } from "../values";

const NAME = "mesh-rollout-sidecar-mosn-compatible";

type Pins = SidecarRecordFields<"mosn">["mosn"];

/** Seed 000: a plugin has the same mosn.api and mosn.pkg as the main MOSN. */
export const sidecarMosnCompatible: StackValidationPolicy = {
    name: NAME,
    description: "Checks that a sidecar plugin's mosn.api and mosn.pkg equal those of the main MOSN version it plugs into.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const records: RecordResource[] = [];
        const versions = new Map<string, RecordResource>();
        for (const r of args.resources) {
            const record = sidecarRecordOf(r);
            const state = record && sidecarState(record, ["version"]);
            if (record === undefined || state === undefined) {
                continue;
            }
            if (isProblem(state)) {
                reportViolation(recordViolation(record, state, NAME), record.urn);
                continue;
            }
            records.push(record);
            versions.set(state.version, record);
        }
        // A main's pins are read only when a plugin needs them, each at most once.
        const mainPins = new Map<string, Pins | undefined>();
        const pinsOf = (main: string): Pins | undefined => {
            if (!mainPins.has(main)) {
                const record = versions.get(main);
                const state = record && sidecarState(record, ["mosn"]);
                if (record !== undefined && isProblem(state)) {
                    reportViolation(recordViolation(record, state, NAME), record.urn);
                }
                mainPins.set(main, state === undefined || isProblem(state) ? undefined : state.mosn);
            }
            return mainPins.get(main);
        };
        for (const record of records) {
            const plugin = sidecarState(record, ["main"]);
            if (!isProblem(plugin) && plugin.main === undefined) {
                continue; // Not a plugin.
            }
            const state = sidecarState(record, ["version", "main", "mosn", "mainMosn"]);
            if (isProblem(state) || state.main === undefined) {
                if (isProblem(state)) {
                    reportViolation(recordViolation(record, state, NAME), record.urn);
                }
                continue;
            }
            const main = versions.has(state.main) ? pinsOf(state.main) : state.mainMosn;
            for (const key of ["api", "pkg"] as const) {
                if (main !== undefined && state.mosn[key] !== main[key]) {
                    reportViolation(
                        `Sidecar plugin ${shown(state.version)} must use the main MOSN ${shown(state.main)}'s mosn.${key} ${shown(main[key])}, not ${shown(state.mosn[key])}; it would not load into it. Rebuild the plugin against ${shown(main[key])}.`,
                        record.urn,
                    );
                }
            }
        }
    },
};
