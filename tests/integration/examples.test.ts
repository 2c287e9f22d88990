import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { MESH_ROLLOUT_PACK, REPO_ROOT, TestStack } from "./harness";

const EXAMPLES = path.join(REPO_ROOT, "examples");
// The TypeScript examples (examples/yaml has its own test; python and go are compiled by scripts/sdk check).
const examples = fs
    .readdirSync(EXAMPLES)
    .filter((d) => fs.existsSync(path.join(EXAMPLES, d, "Pulumi.yaml")) && /^runtime:\s*\n\s+name:\s*nodejs/m.test(fs.readFileSync(path.join(EXAMPLES, d, "Pulumi.yaml"), "utf8")));

describe("every example previews cleanly on the real engine, with the policy pack", function () {
    it("has the four seed scenarios", () => {
        assert.deepEqual(examples.sort(), ["canary-release", "mesh-canary-upgrade", "sidecar-catalog", "sidecarset-hot-upgrade"]);
    });
    for (const example of examples) {
        it(`examples/${example}`, async () => {
            const s = await TestStack.create({ program: path.join(EXAMPLES, example) });
            try {
                const r = await s.preview({ policyPacks: [MESH_ROLLOUT_PACK] });
                assert.equal(r.ok, true, `${r.stderr}\n${r.errors.join("\n")}`);
                assert.deepEqual(
                    r.violations.filter((v) => v.level === "mandatory"),
                    [],
                );
                assert.ok(r.changes.filter((c) => c.op === "create").length > 3, "the preview plans the example's resources");
                assert.ok(fs.existsSync(path.join(EXAMPLES, example, "README.md")), "each example has a README");
            } finally {
                s.dispose();
            }
        });
    }
});
