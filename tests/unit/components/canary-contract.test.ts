import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { CanaryReleaseArgs } from "../../../components/canary-release";
import { capture, find, installMocks } from "../support/mocks";
import { assertRefused } from "./refusal";

const DEPLOY = "kubernetes:apps/v1:Deployment";
const SECRET = "kubernetes:core/v1:Secret";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

const base: CanaryReleaseArgs = {
    namespace: "bookinfo",
    service: { name: "reviews", currentVersion: "v1" },
    newVersion: { version: "v2", containers: [{ name: "reviews", image: "reviews:2" }] },
    traffic: { kind: "canary", weight: 10 },
};

async function load() {
    await installMocks();
    return (await import("../../../components/canary-release")).CanaryRelease;
}
const refuses = async (args: unknown, message: string | RegExp) => {
    const CanaryRelease = await load();
    return assertRefused(() => new CanaryRelease("cr", args as CanaryReleaseArgs), message);
};
const withContainer = (extra: object): CanaryReleaseArgs => ({ ...base, newVersion: { ...base.newVersion, containers: [{ name: "reviews", image: "reviews:2", ...extra }] } });

describe("CanaryRelease: arguments checked first, hardened pods, secret env values (issue 11)", () => {
    it("args null or undefined: our error, not a TypeError", async () => {
        await refuses(null, `'args' null must be an object holding CanaryRelease's arguments. Give them as an object, e.g. new CanaryRelease("name", { namespace: "shop"`);
        await refuses(undefined, "'args' (missing) must be an object holding CanaryRelease's arguments.");
    });

    it("cpuLimit: 1e306 is refused with its bound (it rendered Infinitym)", async () => {
        await refuses(
            withContainer({ resources: { cpuLimit: 1e306 } }),
            "'args.newVersion.containers[0].resources.cpuLimit' 1e+306 is more than 4096 cores, the bound for one container.",
        );
    });

    it("memoryLimit: 1e300 is refused with its bound (it rendered 1e+300Mi)", async () => {
        await refuses(
            withContainer({ resources: { memoryLimit: 1e300 } }),
            "'args.newVersion.containers[0].resources.memoryLimit' 1e+300 is more than 16777216 MiB (16 TiB), the bound for one container.",
        );
    });

    it("quantities render canonically: cores to m, MiB to Mi", async () => {
        const CanaryRelease = await load();
        const resources = await capture(
            () => new CanaryRelease("q", withContainer({ resources: { cpuRequest: 0.25, cpuLimit: 4096, memoryRequest: 256, memoryLimit: 16777216 } })),
        );
        assert.deepEqual(find(resources, DEPLOY, "q-deployment").inputs.spec.template.spec.containers[0].resources, {
            requests: { cpu: "250m", memory: "256Mi" },
            limits: { cpu: "4096", memory: "16777216Mi" },
        });
    });

    it("canary pods: pod securityContext (non-root, seccomp RuntimeDefault), no service account token unless asked", async () => {
        const CanaryRelease = await load();
        const off = await capture(() => new CanaryRelease("h1", base));
        const pod = find(off, DEPLOY, "h1-deployment").inputs.spec.template.spec;
        assert.equal(pod.automountServiceAccountToken, false);
        assert.deepEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepEqual(pod.containers[0].securityContext.seccompProfile, { type: "RuntimeDefault" });
        const on = await capture(() => new CanaryRelease("h2", { ...base, newVersion: { ...base.newVersion, automountServiceAccountToken: true } }));
        assert.equal(find(on, DEPLOY, "h2-deployment").inputs.spec.template.spec.automountServiceAccountToken, true);
        await refuses(
            { ...base, newVersion: { ...base.newVersion, automountServiceAccountToken: "yes" } },
            "'args.newVersion.automountServiceAccountToken' yes must be a boolean. Give true or false (a boolean, not a string), e.g. automountServiceAccountToken: true.",
        );
    });

    it("an env value given as a Pulumi secret is a Secret reference, never a plain value (it failed with toJSON on an Output)", async () => {
        const CanaryRelease = await load();
        const resources = await capture(
            () =>
                new CanaryRelease(
                    "sec",
                    withContainer({
                        env: [
                            { name: "MODE", value: "canary" },
                            { name: "DB_PASSWORD", value: pulumi.secret("s3cr3t") },
                        ],
                    }),
                ),
        );
        const env = find(resources, DEPLOY, "sec-deployment").inputs.spec.template.spec.containers[0].env;
        assert.deepEqual(env, [
            { name: "MODE", value: "canary" },
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "reviews-v2-env", key: "reviews.DB_PASSWORD" } } },
        ]);
        assert.ok(!JSON.stringify(find(resources, DEPLOY, "sec-deployment").inputs).includes("s3cr3t"));
        const secret = find(resources, SECRET, "sec-env").inputs;
        assert.equal(secret.metadata.name, "reviews-v2-env");
        assert.equal(secret.metadata.namespace, "bookinfo");
        // The whole stringData is registered as a Pulumi secret (encrypted in the state).
        assert.deepEqual(secret.stringData, { [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value: { "reviews.DB_PASSWORD": "s3cr3t" } });
    });

    it("an Output env value with a bad variable name is still refused with its path", async () => {
        await refuses(
            withContainer({ env: [{ name: "1BAD", value: pulumi.output("x") }] }),
            /^'args\.newVersion\.containers\[0\]\.env\[0\]\.name' 1BAD is not an environment variable name/,
        );
    });
});
