import assert from "node:assert/strict";
import {
    assertContainerName,
    assertLabelsExclusive,
    assertPortName,
    assertReleaseVersion,
    assertRevisionName,
    assertRevLabelTarget,
    assertTagName,
    assertTaskName,
    MeshRolloutValidationError,
} from "../../../domain";

function failsWith(fn: () => void, message: string, rule?: string): void {
    assert.throws(fn, (e: unknown) => {
        assert.ok(e instanceof MeshRolloutValidationError, String(e));
        assert.equal(e.message, message);
        if (rule !== undefined) {
            assert.equal(e.rule, rule);
        }
        return true;
    });
}

describe("namespace labels", () => {
    it("accepts one of istio-injection or istio.io/rev", () => {
        assertLabelsExclusive({ "istio-injection": "enabled" }, "namespaces[0].labels");
        assertLabelsExclusive({ "istio.io/rev": "1-14-5", team: "a" }, "namespaces[0].labels");
        assertLabelsExclusive(undefined, "namespaces[0].labels");
    });

    it("refuses both on one namespace (seed 002)", () => {
        failsWith(
            () => assertLabelsExclusive({ "istio-injection": "enabled", "istio.io/rev": "1-14-5" }, "namespaces[1].labels"),
            `'namespaces[1].labels' {"istio-injection":"enabled","istio.io/rev":"1-14-5"} sets both istio-injection and istio.io/rev; istio-injection takes precedence, so the revision label is silently ignored. Keep only istio.io/rev (a revision such as 1-14-5, or a tag such as stable) and remove istio-injection.`,
            "labels/exclusive",
        );
    });

    it("checks istio.io/rev targets against installed revisions and tags", () => {
        const known = { revisions: ["1-12-4", "1-14-5"], tags: ["stable", "canary"] };
        assertRevLabelTarget("1-14-5", known, "x");
        assertRevLabelTarget("stable", known, "x");
        failsWith(
            () => assertRevLabelTarget("1-13-4", known, "namespaces[0].revision"),
            "'namespaces[0].revision' 1-13-4 names no revision or tag this mesh installs (1-12-4, 1-14-5, stable, canary); new pods would get no sidecar. Use one of: 1-12-4, 1-14-5, stable, canary, or install that revision first.",
            "labels/unknown-revision",
        );
        failsWith(
            () => assertRevLabelTarget("stable", { revisions: [], tags: [] }, "r"),
            "'r' stable names no revision or tag this mesh installs; new pods would get no sidecar. Install a revision first.",
        );
    });

    it("revision names and tags are DNS labels", () => {
        assertRevisionName("1-14-5", "revision");
        assertTagName("prod-stable", "tags[0]");
        failsWith(
            () => assertRevisionName("1.14.5", "revision"),
            "'revision' 1.14.5 is not a revision name: it must be 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit. Use the version with dots as dashes, e.g. 1-14-5.",
            "labels/revision-name",
        );
        failsWith(
            () => assertTagName("Stable", "tags[0]"),
            "'tags[0]' Stable is not a revision tag: it must be 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit. Use lowercase letters, digits and '-', e.g. stable or prod-canary.",
        );
        assert.throws(() => assertTagName("a".repeat(64), "t"));
    });
});

describe("KubeSphere name rules (seed 003)", () => {
    it("task name: DNS-1123 subdomain, at most 253", () => {
        assertTaskName("reviews-v2-canary", "name");
        assertTaskName("a".repeat(253), "name");
        failsWith(
            () => assertTaskName("Reviews", "name"),
            "'name' Reviews must contain only lowercase letters, digits, '-' and '.', and start and end with a letter or digit (a DNS-1123 subdomain). Use a name such as reviews-v2-canary.",
            "names/task",
        );
        failsWith(
            () => assertTaskName("a".repeat(254), "name"),
            `'name' "${"a".repeat(80)}"… (254 characters) is 254 characters long; the limit is 253. Use a name such as reviews-v2-canary.`,
        );
        failsWith(() => assertTaskName("", "name"), `'name' "" is empty. Use a name such as reviews-v2-canary.`);
        assert.throws(() => assertTaskName("-x", "name"));
    });

    it("version: lowercase letters and digits, at most 16", () => {
        assertReleaseVersion("v2", "newVersion.version");
        assertReleaseVersion("a".repeat(16), "v");
        failsWith(
            () => assertReleaseVersion("v2.1", "newVersion.version"),
            "'newVersion.version' v2.1 must contain only lowercase letters and digits. Use a version such as v2 (no dots, dashes or capitals).",
            "names/version",
        );
        failsWith(
            () => assertReleaseVersion("a".repeat(17), "v"),
            `'v' ${"a".repeat(17)} is 17 characters long; the limit is 16. Use a version such as v2 (no dots, dashes or capitals).`,
        );
        failsWith(() => assertReleaseVersion(2, "v"), "'v' 2 is number, not a string. Use a version such as v2 (no dots, dashes or capitals).");
    });

    it("container name: DNS-1123 label, at most 63", () => {
        assertContainerName("reviews", "containers[0].name");
        failsWith(
            () => assertContainerName("reviews_v2", "containers[0].name"),
            "'containers[0].name' reviews_v2 must contain only lowercase letters, digits and '-', and start and end with a letter or digit (a DNS-1123 label). Use a name such as reviews.",
            "names/container",
        );
        assert.throws(() => assertContainerName("a".repeat(64), "c"), { message: /is 64 characters long; the limit is 63/ });
    });

    it("port names start with the lowercase protocol", () => {
        assertPortName("http", "HTTP", "ports[0].name");
        assertPortName("http-web", "HTTP", "ports[0].name");
        assertPortName("grpc-api", "GRPC", "ports[0].name");
        failsWith(
            () => assertPortName("web", "HTTP", "containers[0].ports[1].name"),
            "'containers[0].ports[1].name' web must be the protocol name http, or start with http- (the port's protocol is HTTP). Name it http-web.",
            "names/port",
        );
        failsWith(
            () => assertPortName("http2-web", "HTTP", "p"),
            "'p' http2-web must be the protocol name http, or start with http- (the port's protocol is HTTP). Name it http-http2-web.",
        );
        failsWith(
            () => assertPortName("tcp-a-very-long-name", "TCP", "p"),
            "'p' tcp-a-very-long-name is longer than 15 characters (an IANA service name). Name it tcp-a-very-long.",
        );
        failsWith(() => assertPortName("", "TCP", "p"), `'p' "" must be the protocol name tcp, or start with tcp- (the port's protocol is TCP). Name it tcp-port.`);
    });
});
