// Validates objects this project renders against the real CRD schemas in crds/ (Istio,
// OpenKruise), as a kube-apiserver would: the version's openAPIV3Schema, by apiVersion and kind.
import Ajv, { ValidateFunction } from "ajv";
import fs from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";

export const CRDS_DIR = path.resolve(__dirname, "../../../crds");

const validators = new Map<string, ValidateFunction>();
let loaded = false;

function load(): void {
    if (loaded) {
        return;
    }
    if (!fs.existsSync(CRDS_DIR)) {
        throw new Error(`CRD schemas not found at ${CRDS_DIR}: they are part of the repository (crds/README.md)`);
    }
    // x-kubernetes-* keywords are the apiserver's; formats like int32 are not checked here either.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    for (const file of fs.readdirSync(CRDS_DIR).filter((f) => f.endsWith(".yaml"))) {
        for (const doc of parseAllDocuments(fs.readFileSync(path.join(CRDS_DIR, file), "utf8"))) {
            const crd = doc.toJS();
            if (crd?.kind !== "CustomResourceDefinition") {
                continue;
            }
            for (const version of crd.spec.versions) {
                const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
                validators.set(key, ajv.compile(version.schema.openAPIV3Schema));
            }
        }
    }
    loaded = true;
}

/** Schema errors of `obj` against its CRD (by apiVersion and kind); an empty list when valid. */
export function crdErrors(obj: { apiVersion: string; kind: string }): string[] {
    load();
    const key = `${obj.apiVersion}/${obj.kind}`;
    const validate = validators.get(key);
    if (validate === undefined) {
        throw new Error(`no CRD schema for ${key}; known: ${[...validators.keys()].join(", ")}`);
    }
    if (validate(obj)) {
        return [];
    }
    return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);
}
