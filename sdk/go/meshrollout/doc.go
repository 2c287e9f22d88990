// Service-mesh rollouts as code: Istio revision canary upgrades, canary releases and sidecar hot upgrades as Pulumi components, guarded by a CrossGuard policy pack.
package meshrollout
