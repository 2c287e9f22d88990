// What MeshRevision and CanaryRelease share about their metric analysis: Prometheus's credentials from
// the stack config, and the verdict as an output in words (printed by the preview).
import * as pulumi from "@pulumi/pulumi";
import { AnalysisVerdict, verdictWords } from "../domain/analysis";

/** Prometheus credentials from the stack config, as one secret (whether or not each was stored as one). */
export function prometheusCredentials(config: pulumi.Config): pulumi.Output<Record<string, string>> {
    const token = config.getSecret("prometheusBearerToken");
    const username = config.get("prometheusUsername");
    const password = config.getSecret("prometheusPassword");
    return pulumi.secret(
        pulumi.all([token, password]).apply(([t, p]): Record<string, string> => ({
            ...(t !== undefined ? { bearerToken: t } : {}),
            ...(username !== undefined ? { username } : {}),
            ...(p !== undefined ? { password: p } : {}),
        })),
    );
}

/**
 * A record's verdict in words (`none` when the change runs no analysis), logged on `owner` so that the
 * preview prints it: as info when it passed, as a warning when not.
 */
export function verdictOutput(verdict: pulumi.Output<AnalysisVerdict | null | undefined>, owner: pulumi.Resource, none: string): pulumi.Output<string> {
    return verdict.apply((v) => {
        if (v === null || v === undefined) {
            return none;
        }
        (v.passed ? pulumi.log.info : pulumi.log.warn)(`mesh-rollout: ${verdictWords(v)}`, owner);
        return verdictWords(v);
    });
}
