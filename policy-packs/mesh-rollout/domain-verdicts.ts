// The domain's verdicts as the policies report them. A domain check may answer (allowed or refused,
// with a reason) or refuse by throwing its own validation error (a version it cannot parse); both
// become a reason. Any other error is a bug and goes to the guard.
import { MeshRolloutValidationError, StageVerdict } from "../../domain";

export function verdictOf(check: () => StageVerdict): { readonly allowed: boolean; readonly reason: string } {
    try {
        return check();
    } catch (e) {
        if (e instanceof MeshRolloutValidationError) {
            return { allowed: false, reason: e.message };
        }
        throw e;
    }
}
