import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./harness";
import { KubeClient } from "./cluster/kube";

const SCRIPT = path.join(REPO_ROOT, "scripts", "cluster");
const run = (...args: string[]) => execFileSync("bash", [SCRIPT, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const pids = (dir: string) =>
    fs
        .readFileSync(path.join(dir, "pids"), "utf8")
        .trim()
        .split("\n")
        .map((l) => Number(l.split(" ")[1]));
const alive = (pid: number) => {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
};

describe("scripts/cluster", function () {
    this.timeout(10 * 60_000);
    const dir = path.join(os.tmpdir(), "mesh-rollout-test-clusters", "script");
    after(() => {
        try {
            run("down", "--dir", dir);
        } catch {
            // already down
        }
    });

    it("up prints the kubeconfig last; a second up stops the cluster left in its dir; down stops exactly its processes", async () => {
        const first = run("up", "--dir", dir).trim().split("\n").pop()!;
        assert.equal(first, path.join(dir, "kubeconfig"));
        const kube = new KubeClient(first);
        assert.equal((await kube.get("/api/v1/nodes/kwok-node-0"))!.status.conditions.find((c: { type: string }) => c.type === "Ready").status, "True");
        assert.ok((await kube.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/virtualservices.networking.istio.io")) !== undefined, "the CRDs are applied");
        const version = await kube.get("/version");
        assert.equal(version!.gitVersion, "v1.34.4", "the version is stamped into the binaries");
        const before = pids(dir);
        assert.equal(before.length, 5);
        assert.ok(before.every(alive));

        // As after a killed test run: the cluster is still up when the next run starts one in the same dir.
        run("up", "--dir", dir);
        assert.ok(
            before.every((p) => !alive(p)),
            "the left-over processes were stopped",
        );
        const after = pids(dir);
        assert.ok(after.every(alive));

        run("down", "--dir", dir);
        assert.ok(
            after.every((p) => !alive(p)),
            "down waited for every process to exit",
        );
        assert.equal(fs.existsSync(path.join(dir, "pids")), false);
    });

    it("runs with no network interface but loopback when the test command isolates it", function () {
        if (process.env.MESH_ROLLOUT_LOOPBACK_ONLY !== "1") {
            this.skip(); // scripts/test could not make a network namespace on this machine (it says so)
        }
        const addresses = Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
        assert.deepEqual(Object.keys(os.networkInterfaces()), ["lo"]);
        assert.ok(
            addresses.every((a) => a === "127.0.0.1" || a === "::1"),
            addresses.join(", "),
        );
    });
});
