import { StackValidationPolicy } from "@pulumi/policy";
import { readSidecarRecord } from "../resources";

/** Seed 000: a plugin has the same mosn.api and mosn.pkg as the main MOSN. */
export const sidecarMosnCompatible: StackValidationPolicy = {
    name: "mesh-rollout-sidecar-mosn-compatible",
    description: "Checks that a sidecar plugin's mosn.api and mosn.pkg equal those of the main MOSN version it plugs into.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const records = args.resources.map((r) => ({ r, record: readSidecarRecord(r) })).filter((x) => x.record !== undefined);
        const byVersion = new Map(records.map(({ record }) => [record!.state.version, record!.state]));
        for (const { r, record } of records) {
            const state = record!.state;
            if (state.main === undefined) {
                continue;
            }
            const main = byVersion.get(state.main)?.mosn ?? state.mainMosn;
            for (const key of ["api", "pkg"] as const) {
                if (main !== undefined && state.mosn[key] !== main[key]) {
                    reportViolation(
                        `Sidecar plugin ${state.version} must use the main MOSN ${state.main}'s mosn.${key} ${main[key]}, not ${state.mosn[key]}; it would not load into it. Rebuild the plugin against ${main[key]}.`,
                        r.urn,
                    );
                }
            }
        }
    },
};
