import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { OperationResult, REPO_ROOT, TestStack } from "./harness";

// The package as users get it: `npm pack`, installed into a project of its own. The plugin is found
// by the path in that project's Pulumi.yaml, and the policy pack runs from inside the installed package.
const explain = (r: OperationResult) => `${r.errors.join("\n")}\n${r.stderr}`;

/** `npm pack` of this checkout (dist/ is built by the test command), unpacked as node_modules/pulumi-mesh-rollout. */
function installTarball(project: string): string {
    const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", project], { cwd: REPO_ROOT, encoding: "utf8" });
    const [{ filename, files }] = JSON.parse(out) as [{ filename: string; files: { path: string }[] }];
    const paths = files.map((f) => f.path);
    for (const needed of [
        "bin/pulumi-resource-mesh-rollout",
        "schema.json",
        "dist/provider/main.js",
        "policy-packs/mesh-rollout/index.js",
        "policy-packs/mesh-rollout/package.json",
        "policy-packs/mesh-rollout/PulumiPolicy.yaml",
    ]) {
        assert.ok(paths.includes(needed), `${needed} in the tarball`);
    }
    assert.ok(!paths.some((p) => p.startsWith("tests/") || p.startsWith("node_modules/")), "no tests or node_modules in the tarball");
    const modules = path.join(project, "node_modules");
    const pkg = path.join(modules, "pulumi-mesh-rollout");
    fs.mkdirSync(pkg, { recursive: true });
    execFileSync("tar", ["-xzf", path.join(project, path.basename(filename)), "-C", pkg, "--strip-components=1"]);
    // The package's dependencies, as npm would have installed them (the test runs offline): links to
    // this checkout's node_modules, without the checkout itself.
    for (const entry of fs.readdirSync(path.join(REPO_ROOT, "node_modules"))) {
        if (!entry.startsWith(".") && !fs.existsSync(path.join(modules, entry))) {
            fs.symlinkSync(path.join(REPO_ROOT, "node_modules", entry), path.join(modules, entry));
        }
    }
    return pkg;
}

describe("the npm tarball in a project of its own: plugin by path, policy pack from the package", function () {
    this.timeout(15 * 60_000);
    let project: string;
    let pkg: string;
    before(() => {
        project = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-rollout-npm-"));
        pkg = installTarball(project);
        fs.writeFileSync(
            path.join(project, "Pulumi.yaml"),
            [
                "name: uses-mesh-rollout",
                "runtime:",
                "  name: nodejs",
                "  options:",
                "    typescript: false",
                "main: index.js",
                "plugins:",
                "  providers:",
                "    - name: mesh-rollout",
                "      path: node_modules/pulumi-mesh-rollout/bin",
                "",
            ].join("\n"),
        );
        fs.writeFileSync(
            path.join(project, "package.json"),
            JSON.stringify({ name: "uses-mesh-rollout", private: true, dependencies: { "pulumi-mesh-rollout": "0.2.0" } }, null, 2),
        );
        fs.writeFileSync(
            path.join(project, "index.js"),
            [
                '"use strict";',
                'const pulumi = require("@pulumi/pulumi");',
                'const k8s = require("@pulumi/kubernetes");',
                'const { MeshRevision } = require("pulumi-mesh-rollout");',
                "const config = new pulumi.Config();",
                'const provider = new k8s.Provider("render", { renderYamlToDirectory: config.require("renderDir") });',
                'const to = config.get("upgradeTo");',
                'const mesh = new MeshRevision("mesh", {',
                '    version: config.get("version") || "1.12.4",',
                '    ...(to ? { upgrade: { to, stage: "controlPlane" } } : {}),',
                '    chart: { chart: require("path").join(__dirname, "node_modules/pulumi-mesh-rollout/charts/istiod-minimal") },',
                '    namespaces: [{ name: "shop" }],',
                "}, { providers: { kubernetes: provider } });",
                "exports.revisions = mesh.revisions;",
                "",
            ].join("\n"),
        );
    });
    after(() => fs.rmSync(project, { recursive: true, force: true }));

    it("an install applies with the pack from node_modules; a jump is refused by mesh-rollout-version-jump", async () => {
        assert.ok(fs.existsSync(path.join(pkg, "charts/istiod-minimal/Chart.yaml")), "the fixture chart ships with the package");
        const policyPack = path.join(pkg, "policy-packs", "mesh-rollout");
        const s = await TestStack.create({ program: project });
        try {
            await s.setConfig({ "uses-mesh-rollout:renderDir": s.renderDir, "uses-mesh-rollout:version": "1.14.5" });
            const up = await s.up({ policyPacks: [policyPack] });
            assert.equal(up.ok, true, explain(up));
            assert.deepEqual(await s.outputs(), { revisions: ["1-14-5"] });
            assert.ok(up.steps.some((st) => st.type === "mesh-rollout:index:MeshUpgradeLedger"));
            await s.setConfig({ "uses-mesh-rollout:upgradeTo": "1.17.0" });
            const refused = await s.preview({ policyPacks: [policyPack] });
            assert.equal(refused.ok, false);
            assert.deepEqual(
                refused.violations.filter((v) => v.level === "mandatory").map((v) => `${v.policyPack} ${v.policyName}`),
                ["mesh-rollout mesh-rollout-version-jump"],
            );
        } finally {
            s.dispose();
        }
    });
});
