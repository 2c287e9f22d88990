import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { MeshRevisionArgs } from "../../../components/mesh-revision";
import { capture, find, installMocks, valueOf } from "../support/mocks";
import { assertRefused } from "./refusal";

async function load() {
    await installMocks();
    return (await import("../../../components/mesh-revision")).MeshRevision;
}
const mesh = (args: unknown) => async () => {
    const MeshRevision = await load();
    return () => new MeshRevision("contract", args as MeshRevisionArgs);
};
const refuses = async (args: unknown, message: string | RegExp) => assertRefused(await (await mesh(args))(), message);

describe("MeshRevision: every argument checked before anything is registered (issue 11)", () => {
    it("args null or undefined: our error, not a TypeError", async () => {
        await refuses(null, `'args' null must be an object holding MeshRevision's arguments. Give them as an object, e.g. new MeshRevision("name", { version: "1.14.5" }).`);
        await refuses(undefined, "'args' (missing) must be an object holding MeshRevision's arguments.");
        await refuses("1.14.5", "'args' 1.14.5 must be an object");
    });

    it("chart: { chart: 5 } is refused before the ledger or a Namespace is registered", async () => {
        await refuses(
            { version: "1.14.5", chart: { chart: 5 } },
            "'args.chart.chart' 5 must be a string. Give a chart name such as istiod (from 'repository'), an oci:// reference, or a local chart directory such as ./charts/istiod-minimal.",
        );
    });

    it('mode: "Install" is refused (it silently behaved as managed)', async () => {
        await refuses(
            { version: "1.14.5", mode: "Install" },
            `'args.mode' Install is not an allowed value. Use one of: install, managed. install runs istiod per revision from a Helm chart; managed leaves the control plane to a cloud (ASM). E.g. mode: "install".`,
        );
    });

    it('createIstioNamespace: "no" is refused (it created the namespace)', async () => {
        await refuses(
            { version: "1.14.5", createIstioNamespace: "no" },
            "'args.createIstioNamespace' no must be a boolean. Give true or false (a boolean, not a string), e.g. createIstioNamespace: false.",
        );
    });

    it("chart.repository over http is refused", async () => {
        await refuses(
            { version: "1.14.5", chart: { repository: "http://charts.example.com" } },
            "'args.chart.repository' http://charts.example.com is not an https:// address without credentials. Give the chart repository's https address, e.g. https://istio-release.storage.googleapis.com/charts;",
        );
        await refuses(
            { version: "1.14.5", chart: { repository: "https://user:pw@charts.example.com" } },
            /^'args\.chart\.repository' .* is not an https:\/\/ address without credentials/,
        );
    });

    it("chart.version 7 is refused, and a non-SemVer string too", async () => {
        await refuses(
            { version: "1.14.5", chart: { version: 7 } },
            "'args.chart.version' 7 must be a string. Give the chart's SemVer version, e.g. 1.14.5, or leave it unset to use the revision's version.",
        );
        await refuses(
            { version: "1.14.5", chart: { version: "latest" } },
            "'args.chart.version' latest is not a chart version (SemVer x.y.z). Give the chart's SemVer version, e.g. 1.14.5",
        );
    });

    it("a chart in managed mode is refused (it was silently ignored)", async () => {
        await refuses({ version: "1.14.5", mode: "managed", chart: { chart: "istiod" } }, '\'args.chart\' {"chart":"istiod"} does not apply in managed mode');
    });

    it("deeply nested chart values are refused, not a stack overflow", async () => {
        let deep: Record<string, unknown> = {};
        for (let i = 0; i < 100000; i++) {
            deep = { a: deep };
        }
        await refuses(
            { version: "1.14.5", chart: { values: deep } },
            /^'args\.chart\.values(\.a){33}' \{"a":\{"a":\{"a":\{…\}\}\}\} is nested more than 32 levels deep\. Give chart values as a plain JSON object/,
        );
        await refuses({ version: "1.14.5", chart: { values: { __proto__: null, x: NaN } } }, "'args.chart.values.x' (not a number) is not a finite number.");
    });

    it("chart values that are an Output (unknown at preview) are still accepted", async () => {
        const MeshRevision = await load();
        const resources = await capture(
            () => new MeshRevision("vals", { version: "1.14.5", chart: { chart: "./charts/istiod-minimal", values: pulumi.output({ pilot: { env: { A: "1" } } }) } }),
        );
        const chart = find(resources, "kubernetes:helm.sh/v4:Chart", "vals-istiod-1-14-5").inputs;
        assert.deepEqual(chart.values, { pilot: { env: { A: "1" } }, revision: "1-14-5", global: { tag: "1.14.5", istioNamespace: "istio-system" } });
    });

    it("upgrade.to 1.999999999.0 answers at once (it looped until out of memory); the warning names args.upgrade.to", async () => {
        const MeshRevision = await load();
        const start = Date.now();
        let comp: InstanceType<typeof MeshRevision> | undefined;
        await capture(() => (comp = new MeshRevision("far", { version: "1.12.4", upgrade: { to: "1.999999999.0", stage: "controlPlane" } })));
        assert.ok(Date.now() - start < 5000);
        const plan = await valueOf(comp!.plan);
        assert.match(plan!, /^'args\.upgrade\.to' 1\.999999999\.0 skips 999999986 minor versions \(1\.13 to 1\.999999998\) from 1\.12\.4;/);
        assert.match(plan!, /\(499999994 hops in all; the first 5 are listed\)/);
    });

    it("a bad label key or value, a bad port name, a bad tag reference: refused with an example", async () => {
        await refuses(
            { version: "1.14.5", namespaces: [{ name: "shop", labels: { "bad key!": "x" } }] },
            "'args.namespaces[0].labels.bad key!' \"bad key!\" is not a label key. Give labels as { key: value }",
        );
        await refuses(
            { version: "1.14.5", gateways: [{ name: "ingress", namespace: "istio-ingress", ports: [{ name: "HTTP", port: 80, targetPort: 8080 }] }] },
            "'args.gateways[0].ports[0].name' HTTP is not a port name",
        );
        await refuses(
            { version: "1.14.5", namespaces: [{ name: "Shop" }] },
            "'args.namespaces[0].name' Shop is not a namespace name: a DNS-1123 label. Use lowercase letters, digits and '-', at most 63, starting and ending with a letter or digit, e.g. shop-v2.",
        );
        await refuses(
            { version: "1.14.5", gateways: [{ name: "ingress", namespace: "istio-ingress", replicas: 1e9 }] },
            "'args.gateways[0].replicas' 1000000000 must be at most 1000. Give a whole number from 1 to 1000, e.g. 2.",
        );
    });
});
