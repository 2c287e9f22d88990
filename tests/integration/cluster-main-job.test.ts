import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./harness";
import { podRevisions, startCluster, TestCluster } from "./cluster/cluster";

/** Runs `npm start -- <args>` as a user would; resolves with its exit code and output. */
function npmStart(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("npm", ["start", "--", ...args], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, output }));
    });
}

describe("the main job (npm start -- --kubeconfig) against a real API server", function () {
    this.timeout(30 * 60_000);
    let c: TestCluster;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-rollout-story-cluster-"));
    before(async () => {
        c = await startCluster("main-job");
    });
    after(async () => {
        await c?.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("applies the story's six updates to the cluster and refuses the two it should (finalize on failing metrics, the jump)", async () => {
        const { code, output } = await npmStart(["--kubeconfig", c.kubeconfig, "--istiod-values", JSON.stringify(c.injectionValues)], {
            ...process.env,
            MESH_ROLLOUT_STORY_DIR: tmp,
            KUBECONFIG: "",
        });
        assert.equal(code, 0, output.slice(-6000));
        assert.match(output, /Target: the cluster of /);
        assert.match(output, /REFUSED mesh-rollout-version-jump/);
        assert.match(output, /REFUSED mesh-rollout-analysis-passed/);
        const kube = c.kube;
        // finalize ran: only the new control plane is left, and bookinfo is on it.
        const istiods = (await kube.list("/apis/apps/v1/namespaces/istio-system/deployments")).map((d) => d.metadata.name);
        assert.deepEqual(istiods, ["istiod-1-14-5"]);
        assert.equal((await kube.get("/api/v1/namespaces/bookinfo"))!.metadata.labels["istio.io/rev"], "1-14-5");
        const productpage = await kube.waitFor(
            "productpage on 1-14-5",
            () => podRevisions(kube, "bookinfo", "productpage"),
            (ps) => ps.length === 1 && ps[0].revision === "1-14-5",
        );
        assert.equal(productpage[0].proxyImage, "docker.io/istio/proxyv2:1.14.5");
        // the hot upgrade and the canary step
        const sets = await kube.list("/apis/apps.kruise.io/v1alpha1/sidecarsets");
        assert.deepEqual(
            sets.map((s) => s.spec.containers.find((x: { name: string }) => x.name === "istio-proxy").image),
            ["registry.example.com/mesh/proxy:1.0.1"],
        );
        const vs = await kube.get("/apis/networking.istio.io/v1/namespaces/reviews/virtualservices/reviews");
        assert.deepEqual(
            vs!.spec.http.at(-1).route.map((r: { destination: { subset: string }; weight: number }) => [r.destination.subset, r.weight]),
            [
                ["v1", 80],
                ["v2", 20],
            ],
        );
    });
});
