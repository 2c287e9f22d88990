import assert from "node:assert/strict";
import {
    compareVersions,
    formatVersion,
    isVersion,
    MeshRolloutValidationError,
    normalizeVersion,
    parseInput,
    parseVersion,
    revisionName,
    versionStringSchema,
} from "../../../domain";

describe("versions", () => {
    it("parses Istio versions with an optional v and pre-release", () => {
        assert.deepEqual(parseVersion("1.14.5"), { flavor: "istio", major: 1, minor: 14, patch: 5 });
        assert.deepEqual(parseVersion("v1.20.0-beta.1"), { flavor: "istio", major: 1, minor: 20, patch: 0, prerelease: "beta.1" });
    });

    it("parses ASM versions with and without their build suffix", () => {
        assert.deepEqual(parseVersion("1.12.4.58"), { flavor: "asm", major: 1, minor: 12, patch: 4, asmPatch: 58 });
        assert.deepEqual(parseVersion("1.12.4.58-3-aliyun"), { flavor: "asm", major: 1, minor: 12, patch: 4, asmPatch: 58, build: "3" });
        assert.deepEqual(parseVersion("v1.10.5.40-g2adf45be-aliyun"), {
            flavor: "asm",
            major: 1,
            minor: 10,
            patch: 5,
            asmPatch: 40,
            build: "g2adf45be",
        });
    });

    it("normalises: no v, no ASM suffix", () => {
        assert.equal(normalizeVersion("v1.10.5.40-g2adf45be-aliyun"), "1.10.5.40");
        assert.equal(normalizeVersion("v1.14.5"), "1.14.5");
        assert.equal(normalizeVersion("1.20.0-rc.0"), "1.20.0-rc.0");
    });

    it("formats canonically, keeping the ASM build", () => {
        assert.equal(formatVersion(parseVersion("v1.10.5.40-g2adf45be-aliyun")), "1.10.5.40-g2adf45be-aliyun");
        assert.equal(formatVersion(parseVersion("v1.14.5")), "1.14.5");
    });

    it("names revisions x-y-z (seed 002: 1-13-4)", () => {
        assert.equal(revisionName("1.13.4"), "1-13-4");
        assert.equal(revisionName("1.12.4.58-3-aliyun"), "1-12-4");
        assert.equal(revisionName("1.20.0-beta.1"), "1-20-0-beta-1");
        assert.equal(revisionName("1.20.0-RC.1"), "1-20-0-rc-1");
    });

    it("orders by core, pre-release, then ASM patch; ignores the ASM build", () => {
        const cmp = (a: string, b: string) => compareVersions(parseVersion(a), parseVersion(b));
        assert.equal(cmp("1.12.4", "1.14.5"), -1);
        assert.equal(cmp("1.14.5", "1.12.4"), 1);
        assert.equal(cmp("1.20.0-beta.1", "1.20.0"), -1);
        assert.equal(cmp("1.12.4.58", "1.12.4.60"), -1);
        assert.equal(cmp("1.12.4", "1.12.4.0"), 0);
        assert.equal(cmp("1.12.4.58-3-aliyun", "1.12.4.58-g2adf45be-aliyun"), 0);
    });

    const bad: [unknown, string][] = [
        ["banana", "is not a mesh version"],
        ["1.14", "is not a mesh version"],
        ["1.14.5.", "is not a mesh version"],
        ["01.14.5", "is not a mesh version"],
        ["1.12.4.58-aliyun", "is not a mesh version"],
        [" 1.14.5", "is not a mesh version"],
        ["1.20.0-beta.01", "has a numeric pre-release identifier with a leading zero"],
        [`1.20.0-${"a".repeat(41)}`, "has a pre-release longer than 40 characters"],
        [42, "is number, not a version string"],
        [null, "is null, not a version string"],
    ];
    for (const [input, problem] of bad) {
        it(`refuses ${JSON.stringify(input)}: ${problem}`, () => {
            assert.throws(
                () => parseVersion(input, "upgrade.to"),
                (e: unknown) => {
                    assert.ok(e instanceof MeshRolloutValidationError);
                    assert.equal(e.path, "upgrade.to");
                    assert.equal(e.rule, "version/format");
                    assert.equal(e.problem, problem);
                    assert.match(e.message, /^'upgrade\.to' .* Give an Istio version x\.y\.z \(e\.g\. 1\.14\.5, 1\.20\.0-beta\.1\) or an ASM version x\.y\.z\.p/);
                    return true;
                },
            );
            assert.equal(isVersion(input), false);
        });
    }

    it("quotes the bad value in the message exactly", () => {
        assert.throws(() => parseVersion("banana", "to"), {
            message:
                "'to' banana is not a mesh version. Give an Istio version x.y.z (e.g. 1.14.5, 1.20.0-beta.1) or an ASM version x.y.z.p with an optional -<sequence>-aliyun or -g<commit>-aliyun suffix (e.g. 1.12.4.58, v1.10.5.40-g2adf45be-aliyun).",
        });
        assert.throws(() => parseVersion("", "to"), { message: /^'to' "" is not a mesh version\./ });
    });

    it("has a zod schema that reports the parser's words at the input's path", () => {
        assert.equal(parseInput(versionStringSchema, "1.14.5", "to"), "1.14.5");
        assert.throws(
            () => parseInput(versionStringSchema, "1.x", "mesh.to"),
            (e: unknown) => {
                assert.ok(e instanceof MeshRolloutValidationError);
                assert.equal(e.path, "mesh.to");
                assert.equal(e.rule, "version/format");
                assert.match(e.message, /^'mesh\.to' 1\.x is not a mesh version\. Give an Istio version/);
                return true;
            },
        );
    });
});
