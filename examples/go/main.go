// mesh-rollout from Go: a sidecar catalog entry, a SidecarSet that hot-upgrades into it, and an Istio
// control-plane revision, through the generated SDK (sdk/go, package meshrollout).
//
// The components run in the mesh-rollout provider plugin (Pulumi.yaml, plugins.providers); the
// Kubernetes objects they create go through the provider passed with pulumi.Providers. The Go
// Kubernetes SDK is not needed for that: the kubernetes provider is registered by its type token,
// with the same settings as the TypeScript examples (examples/provider.ts).
package main

import (
	"github.com/mesh-rollout/pulumi-mesh-rollout/sdk/go/meshrollout"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// kubernetesVersion is the kubernetes provider plugin the repo's engine ships (scripts/engine).
const kubernetesVersion = "4.25.0"

func getOr(ctx *pulumi.Context, key, fallback string) string {
	if v := config.Get(ctx, "example:"+key); v != "" {
		return v
	}
	return fallback
}

// kubernetesProvider renders manifests to example:renderDir (default ./out) when no cluster is given,
// or targets the cluster of example:kubeconfig.
func kubernetesProvider(ctx *pulumi.Context) (pulumi.ProviderResource, error) {
	name, props := "render", pulumi.Map{"renderYamlToDirectory": pulumi.String(getOr(ctx, "renderDir", "out"))}
	if kubeconfig := getOr(ctx, "kubeconfig", ""); kubeconfig != "" {
		name, props = "cluster", pulumi.Map{"kubeconfig": pulumi.String(kubeconfig)}
	}
	var provider pulumi.ProviderResourceState
	err := ctx.RegisterResource("pulumi:providers:kubernetes", name, props, &provider, pulumi.Version(kubernetesVersion))
	return &provider, err
}

func program(ctx *pulumi.Context) error {
	k8s, err := kubernetesProvider(ctx)
	if err != nil {
		return err
	}
	onK8s := pulumi.Providers(k8s)

	// A catalog version of the istio-proxy sidecar (a ConfigMap in the catalog namespace).
	proxy, err := meshrollout.NewSidecarVersion(ctx, "proxy-1-0-0", &meshrollout.SidecarVersionArgs{
		Version:          pulumi.String(getOr(ctx, "sidecarVersion", "1.0.0")),
		Scenario:         pulumi.String("container"),
		Image:            pulumi.String(getOr(ctx, "sidecarImage", "registry.example.com/asm/asm-istio-proxy:1.6.8-1")),
		Description:      pulumi.String("ASM istio-proxy 1.6.8-1"),
		CatalogNamespace: pulumi.String("mesh-catalog"),
	}, onK8s)
	if err != nil {
		return err
	}

	// An OpenKruise SidecarSet that injects that version into nginx's pods and hot-upgrades it in place.
	nginxSidecar, err := meshrollout.NewSidecarSetUpgrade(ctx, "nginx-sidecar", &meshrollout.SidecarSetUpgradeArgs{
		SidecarVersion: meshrollout.SidecarVersionRefArgs{
			Version: proxy.Version.Elem(),
			Image:   proxy.Image,
		},
		Deployments: meshrollout.SidecarSetUpgradeDeploymentsArray{
			meshrollout.SidecarSetUpgradeDeploymentsArgs{
				Name:        pulumi.String("nginx"),
				Namespace:   pulumi.String("nginx-hot"),
				MatchLabels: pulumi.StringMap{"app": pulumi.String("nginx")},
			},
		},
		UpgradeType:          pulumi.String("HotUpgrade"),
		HotUpgradeEmptyImage: pulumi.String("registry.example.com/asm/asm-istio-proxy-empty:1.6.8"),
		UpdateStrategy: meshrollout.SidecarSetUpgradeUpdateStrategyArgs{
			Partition:      pulumi.Float64(0),
			MaxUnavailable: pulumi.Float64(1),
		},
	}, onK8s)
	if err != nil {
		return err
	}

	// An Istio 1.14.5 control-plane revision, with one application namespace bound to it.
	mesh, err := meshrollout.NewMeshRevision(ctx, "mesh", &meshrollout.MeshRevisionArgs{
		Version: pulumi.String("1.14.5"),
		// The repo's small fixture chart (no chart repository is reachable offline); leave Chart out
		// for Istio's published istiod chart.
		Chart: meshrollout.IstiodChartArgs{Chart: pulumi.String(getOr(ctx, "istiodChart", "../../charts/istiod-minimal"))},
		Namespaces: meshrollout.MeshRevisionNamespacesArray{
			meshrollout.MeshRevisionNamespacesArgs{Name: pulumi.String("shop"), Restart: pulumi.Array{pulumi.String("cart")}},
		},
	}, onK8s)
	if err != nil {
		return err
	}

	ctx.Export("sidecarDigest", proxy.Digest)
	ctx.Export("sidecarSets", nginxSidecar.SidecarSets)
	ctx.Export("injected", nginxSidecar.Version)
	ctx.Export("revisions", mesh.Revisions)
	ctx.Export("stage", mesh.Stage)
	return nil
}

func main() {
	pulumi.Run(program)
}
