"""mesh-rollout from Python: a sidecar catalog entry, a SidecarSet that hot-upgrades into it, and an
Istio control-plane revision, through the generated SDK (sdk/python, package pulumi_mesh_rollout).

The components run in the mesh-rollout provider plugin (Pulumi.yaml, plugins.providers); the
Kubernetes objects they create go through the provider passed in ``providers=``. The Python
Kubernetes SDK is not needed for that: ``pulumi.ProviderResource`` declares the kubernetes provider
by package name, with the same settings as the TypeScript examples (examples/provider.ts).
"""

import pulumi
import pulumi_mesh_rollout as mesh

config = pulumi.Config("example")
kubeconfig = config.get("kubeconfig")

# No cluster: render manifests to example:renderDir (default ./out). With example:kubeconfig: that cluster.
k8s = pulumi.ProviderResource(
    "kubernetes",
    "cluster" if kubeconfig else "render",
    {"kubeconfig": kubeconfig} if kubeconfig else {"renderYamlToDirectory": config.get("renderDir") or "out"},
    opts=pulumi.ResourceOptions(version="4.25.0"),
)
on_k8s = pulumi.ResourceOptions(providers=[k8s])

# A catalog version of the istio-proxy sidecar (a ConfigMap in the catalog namespace).
proxy = mesh.SidecarVersion(
    "proxy-1-0-0",
    version=config.get("sidecarVersion") or "1.0.0",
    scenario="container",
    image=config.get("sidecarImage") or "registry.example.com/asm/asm-istio-proxy:1.6.8-1",
    description="ASM istio-proxy 1.6.8-1",
    catalog_namespace="mesh-catalog",
    opts=on_k8s,
)

# An OpenKruise SidecarSet that injects that version into nginx's pods and hot-upgrades it in place.
nginx_sidecar = mesh.SidecarSetUpgrade(
    "nginx-sidecar",
    sidecar_version=mesh.SidecarVersionRefArgs(version=proxy.version, image=proxy.image),
    deployments=[
        mesh.SidecarSetUpgradeDeploymentsArgs(name="nginx", namespace="nginx-hot", match_labels={"app": "nginx"}),
    ],
    upgrade_type="HotUpgrade",
    hot_upgrade_empty_image="registry.example.com/asm/asm-istio-proxy-empty:1.6.8",
    update_strategy=mesh.SidecarSetUpgradeUpdateStrategyArgs(partition=0, max_unavailable=1),
    opts=on_k8s,
)

# An Istio 1.14.5 control-plane revision, with one application namespace bound to it.
mesh_revision = mesh.MeshRevision(
    "mesh",
    version="1.14.5",
    # The repo's small fixture chart (no chart repository is reachable offline); leave `chart` out
    # for Istio's published istiod chart.
    chart=mesh.IstiodChartArgs(chart=config.get("istiodChart") or "../../charts/istiod-minimal"),
    namespaces=[mesh.MeshRevisionNamespacesArgs(name="shop", restart=["cart"])],
    opts=on_k8s,
)

pulumi.export("sidecarDigest", proxy.digest)
pulumi.export("sidecarSets", nginx_sidecar.sidecar_sets)
pulumi.export("injected", nginx_sidecar.version)
pulumi.export("revisions", mesh_revision.revisions)
pulumi.export("stage", mesh_revision.stage)
