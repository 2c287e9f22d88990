import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE_INJECTION_SWAP_TYPE, PACKAGE_VERSION, recordProvider } from "../provider";

/**
 * Binding an existing namespace that may carry `istio-injection` (`mesh-rollout:index:NamespaceInjectionSwap`):
 * mesh-rollout's provider removes `istio-injection` and sets `istio.io/rev` in one merge patch, with the
 * liveCheck kubeconfig, before the binding patch (server-side apply) takes `istio.io/rev` over. Nothing is
 * written when the namespace carries no `istio-injection`. Output `removed`: the value removed, or null.
 */
export class NamespaceInjectionSwap extends pulumi.CustomResource {
    declare readonly removed: pulumi.Output<string | null>;

    constructor(name: string, args: { namespace: string; revLabel: string; kubeconfig: string }, opts?: pulumi.CustomResourceOptions) {
        super(NAMESPACE_INJECTION_SWAP_TYPE, name, { ...args, removed: undefined }, { ...opts, provider: recordProvider(), version: PACKAGE_VERSION });
    }
}
