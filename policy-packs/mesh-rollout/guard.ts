// The pack's safety net. Every policy reads its inputs defensively and reports what it cannot read;
// if one still throws, the SDK would fail the whole preview with a stack trace. The guard turns the
// error into a violation of that policy, naming it and the resource, at the policy's own level.
import type { Policies, ReportViolation, ResourceValidation, ResourceValidationPolicy, StackValidation, StackValidationPolicy } from "@pulumi/policy";
import { kindName } from "./resources";
import { describeError, shown } from "./values";

/** Errors the SDK handles itself: a value unknown during preview, a policy declaring itself not applicable. */
function handledBySdk(e: unknown): boolean {
    const name = typeof e === "object" && e !== null ? (e as { constructor?: { name?: unknown } }).constructor?.name : undefined;
    return name === "UnknownValueError" || name === "NotApplicableError";
}

function internalError(policy: string, what: string, e: unknown): string {
    return (
        `${policy} could not judge ${what}: internal error (${describeError(e)}). This is a bug in the mesh-rollout policy pack, not in the program; report it with this message. ` +
        `Until it is fixed, check the change by hand and run the update with {"${policy}": "advisory"} in --policy-pack-config.`
    );
}

function guarded<A>(run: (args: A, report: ReportViolation) => Promise<void> | void, onError: (args: A, report: ReportViolation, e: unknown) => void) {
    return (args: A, report: ReportViolation): Promise<void> | void => {
        const fail = (e: unknown): void => {
            if (handledBySdk(e)) {
                throw e;
            }
            onError(args, report, e);
        };
        try {
            const result = run(args, report);
            return result instanceof Promise ? result.catch(fail) : result;
        } catch (e) {
            fail(e);
        }
    };
}

export function guardResourcePolicy(policy: ResourceValidationPolicy): ResourceValidationPolicy {
    const wrap = (validate: ResourceValidation): ResourceValidation =>
        guarded(validate, (args, report, e) =>
            report(internalError(policy.name, `${kindName(args.type)} ${shown(args.name)} (${args.urn.length <= 400 ? args.urn : shown(args.urn)})`, e)),
        );
    const validate = policy.validateResource;
    if (validate === undefined) {
        return policy;
    }
    return { ...policy, validateResource: Array.isArray(validate) ? validate.map(wrap) : wrap(validate as ResourceValidation) };
}

export function guardStackPolicy(policy: StackValidationPolicy): StackValidationPolicy {
    const validate: StackValidation = policy.validateStack;
    return {
        ...policy,
        validateStack: guarded(validate, (args, report, e) => report(internalError(policy.name, `the stack (${args.resources.length} resources)`, e))),
    };
}

/** Every policy guarded, in the same order. */
export function guardPolicies(policies: Policies): Policies {
    return policies.map((p) => ("validateStack" in p ? guardStackPolicy(p as StackValidationPolicy) : guardResourcePolicy(p as ResourceValidationPolicy)));
}
