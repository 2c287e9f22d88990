// Generates schema.json (the Pulumi package schema of mesh-rollout) from the TypeScript argument and
// output types of the components, read with the TypeScript compiler. The TypeScript types are the
// source of truth; tests/unit/provider/schema.test.ts regenerates the schema and fails when the
// checked-in file differs, so the two cannot drift.
//
//   npx ts-node --transpile-only scripts/schema.ts          write schema.json
//   npx ts-node --transpile-only scripts/schema.ts --check  exit 1 if schema.json is stale
//
// Mapping: string/number/boolean (and their literal unions) -> the scalar, arrays -> array, records and
// index signatures -> maps, `unknown` -> Any, named interfaces and anonymous object types -> object types
// under `types` (anonymous ones named after where they occur), a union of object types (a discriminated
// union such as `traffic`) -> one object type with every member's properties (those required by all
// members stay required), a union of scalars and arrays -> `oneOf`. `pulumi.Input<T>` is T. A component
// class among the members of a union (a SidecarVersion given as `main`) is left out: other languages pass
// its plain form.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const SCHEMA_PATH = path.join(ROOT, "schema.json");

type Spec = Record<string, unknown>;

interface ComponentEntry {
    readonly token: string;
    readonly className: string;
    readonly argsName: string;
    readonly module: string;
}

const COMPONENTS: readonly ComponentEntry[] = [
    { token: "MeshRevision", className: "MeshRevision", argsName: "MeshRevisionArgs", module: "components/mesh-revision.ts" },
    { token: "CanaryRelease", className: "CanaryRelease", argsName: "CanaryReleaseArgs", module: "components/canary-release.ts" },
    { token: "SidecarVersion", className: "SidecarVersion", argsName: "SidecarVersionArgs", module: "components/sidecar-version.ts" },
    { token: "SidecarSetUpgrade", className: "SidecarSetUpgrade", argsName: "SidecarSetUpgradeArgs", module: "components/sidecar-set-upgrade.ts" },
];

/** Class members that are not outputs of a component. */
const NOT_OUTPUTS = new Set(["urn", "spec"]);

class Generator {
    readonly types: Record<string, Spec> = {};
    private readonly shapes = new Map<string, string>();

    constructor(
        private readonly checker: ts.TypeChecker,
        private readonly pkg: string,
    ) {}

    private doc(symbol: ts.Symbol | undefined): string | undefined {
        if (symbol === undefined) {
            return undefined;
        }
        const text = ts.displayPartsToString(symbol.getDocumentationComment(this.checker)).trim();
        const def = symbol
            .getJsDocTags(this.checker)
            .filter((t) => t.name === "default")
            .map((t) => ts.displayPartsToString(t.text).trim());
        const all = [text, ...def.map((d) => `Default: ${d}.`)].filter((s) => s !== "").join("\n\n");
        return all === "" ? undefined : all;
    }

    /** Drops `undefined`, `null`, promises and Outputs from a type (`pulumi.Input<T>` is T). */
    private members(type: ts.Type): ts.Type[] {
        const list = type.isUnion() ? type.types : [type];
        return list.filter((t) => {
            if (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)) {
                return false;
            }
            const name = (t.aliasSymbol ?? t.getSymbol())?.getName();
            return name !== "Promise" && name !== "OutputInstance" && name !== "Output" && name !== "OutputConstructor";
        });
    }

    private isResourceClass(t: ts.Type): boolean {
        return t.getProperty("urn") !== undefined && t.getProperty("getProvider") !== undefined;
    }

    private scalar(t: ts.Type): "string" | "number" | "boolean" | undefined {
        if (t.flags & (ts.TypeFlags.String | ts.TypeFlags.StringLiteral | ts.TypeFlags.TemplateLiteral)) {
            return "string";
        }
        if (t.flags & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)) {
            return "number";
        }
        if (t.flags & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral)) {
            return "boolean";
        }
        return undefined;
    }

    spec(type: ts.Type, hint: string): Spec {
        const members = this.members(type).filter((t) => !this.isResourceClass(t));
        if (members.length === 0 || members.some((t) => t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) {
            return { $ref: "pulumi.json#/Any" };
        }
        const scalars = new Set(members.map((t) => this.scalar(t)));
        if (!scalars.has(undefined) && scalars.size === 1) {
            const kind = [...scalars][0] as string;
            const literals = members.filter((t) => t.isStringLiteral()).map((t) => (t as ts.StringLiteralType).value);
            return literals.length > 1 && literals.length === members.length ? { type: kind, description: `One of: ${literals.map((l) => `"${l}"`).join(", ")}.` } : { type: kind };
        }
        if (members.every((t) => this.scalar(t) === undefined)) {
            return this.objectSpec(members, hint);
        }
        // A mix (a command as a string or a list): oneOf its forms.
        const forms = new Map<string, Spec>();
        for (const t of members) {
            const s = this.scalar(t) !== undefined ? { type: this.scalar(t) } : this.objectSpec([t], hint);
            forms.set(JSON.stringify(s), s);
        }
        return forms.size === 1 ? [...forms.values()][0] : { oneOf: [...forms.values()] };
    }

    private objectSpec(objects: ts.Type[], hint: string): Spec {
        if (objects.length === 1) {
            const t = objects[0];
            if (this.checker.isArrayType(t) || this.checker.isTupleType(t)) {
                const item = this.checker.getTypeArguments(t as ts.TypeReference)[0];
                return { type: "array", items: this.spec(item, hint) };
            }
            const index = this.checker.getIndexInfosOfType(t).find((i) => i.keyType.flags & ts.TypeFlags.String);
            if (index !== undefined && t.getProperties().length === 0) {
                return { type: "object", additionalProperties: this.spec(index.type, `${hint}Value`) };
            }
        }
        if (objects.some((t) => this.checker.isArrayType(t))) {
            const arrays = objects.filter((t) => this.checker.isArrayType(t));
            return { type: "array", items: this.spec(this.checker.getTypeArguments(arrays[0] as ts.TypeReference)[0], hint) };
        }
        // One object type, or a union of them merged into one.
        const named = objects.length === 1 ? (objects[0].aliasSymbol ?? objects[0].getSymbol()) : undefined;
        const ownName = named !== undefined && !named.getName().startsWith("__") ? named.getName() : undefined;
        const name = objects.length > 1 ? (objects[0].aliasSymbol === undefined ? hint : objects[0].aliasSymbol.getName()) : (ownName ?? hint);
        const properties: Record<string, Spec> = {};
        const requiredBy = new Map<string, number>();
        const docs: string[] = [];
        for (const t of objects) {
            const d = this.doc(t.aliasSymbol ?? t.getSymbol());
            if (d !== undefined && objects.length === 1) {
                docs.push(d);
            }
            for (const p of t.getProperties()) {
                const decl = p.valueDeclaration ?? p.declarations?.[0];
                if (decl === undefined) {
                    continue;
                }
                const pt = this.checker.getTypeOfSymbolAtLocation(p, decl);
                if (pt.getCallSignatures().length > 0) {
                    continue;
                }
                const child = this.spec(pt, `${typeName(name)}${capitalize(p.getName())}`);
                const description = this.doc(p);
                const prev = properties[p.getName()];
                properties[p.getName()] = mergeSpecs(prev, { ...child, ...(description !== undefined && child.description === undefined ? { description } : {}) });
                if (!(p.flags & ts.SymbolFlags.Optional)) {
                    requiredBy.set(p.getName(), (requiredBy.get(p.getName()) ?? 0) + 1);
                }
            }
        }
        const required = [...requiredBy].filter(([, n]) => n === objects.length).map(([k]) => k);
        const spec: Spec = {
            type: "object",
            ...(docs.length > 0 ? { description: docs.join("\n\n") } : {}),
            properties: sortKeys(properties),
            ...(required.length > 0 ? { required: required.sort() } : {}),
        };
        return { $ref: `#/types/${this.register(typeName(name), spec)}` };
    }

    private register(name: string, spec: Spec): string {
        const body = JSON.stringify(spec);
        for (let i = 1; ; i++) {
            const candidate = `${this.pkg}:index:${i === 1 ? name : `${name}${i}`}`;
            const known = this.shapes.get(candidate);
            if (known === undefined) {
                this.shapes.set(candidate, body);
                this.types[candidate] = spec;
                return candidate;
            }
            if (known === body) {
                return candidate;
            }
        }
    }

    /** Input properties of an args type; the properties' own object types go to `types`. */
    properties(type: ts.Type, owner: string): { properties: Record<string, Spec>; required: string[] } {
        const properties: Record<string, Spec> = {};
        const required: string[] = [];
        for (const p of type.getProperties()) {
            const decl = p.valueDeclaration ?? p.declarations?.[0];
            if (decl === undefined) {
                continue;
            }
            const pt = this.checker.getTypeOfSymbolAtLocation(p, decl);
            const spec = this.spec(pt, `${owner}${capitalize(p.getName())}`);
            const description = this.doc(p);
            properties[p.getName()] = { ...spec, ...(description !== undefined && spec.description === undefined ? { description } : {}) };
            if (!(p.flags & ts.SymbolFlags.Optional)) {
                required.push(p.getName());
            }
        }
        return { properties: sortKeys(properties), required: required.sort() };
    }
}

function capitalize(s: string): string {
    return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Type names drop the `Args`/`Input` suffixes of the TypeScript names (`ContainerArgs` -> `Container`). */
function typeName(name: string): string {
    return name.replace(/(SpecInput|Input|Args)$/, "") || name;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
    return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function mergeSpecs(a: Spec | undefined, b: Spec): Spec {
    if (a === undefined || JSON.stringify(a) === JSON.stringify(b)) {
        return b;
    }
    if (a.type !== undefined && a.type === b.type && a.$ref === undefined) {
        const literals = [a, b].map((s) => /^One of: (.*)\.$/.exec(String(s.description ?? ""))?.[1]).filter((x) => x !== undefined);
        return literals.length === 2 ? { type: a.type, description: `One of: ${literals.join(", ")}.` } : { type: a.type };
    }
    return { oneOf: [a, b] };
}

function outputProperties(checker: ts.TypeChecker, gen: Generator, cls: ts.ClassDeclaration, owner: string): { properties: Record<string, Spec>; required: string[] } {
    const properties: Record<string, Spec> = {};
    for (const member of cls.members) {
        if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name) || NOT_OUTPUTS.has(member.name.text)) {
            continue;
        }
        const symbol = checker.getSymbolAtLocation(member.name);
        if (symbol === undefined) {
            continue;
        }
        // `pulumi.Output<T>` (an intersection type) is read from its type node: T.
        const node = member.type;
        const isOutput = node !== undefined && ts.isTypeReferenceNode(node) && /(^|\.)Output$/.test(node.typeName.getText()) && node.typeArguments?.length === 1;
        const t = isOutput ? checker.getTypeFromTypeNode(node.typeArguments[0]) : checker.getTypeOfSymbolAtLocation(symbol, member);
        const spec = gen.spec(t, `${owner}${capitalize(member.name.text)}`);
        const description = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
        properties[member.name.text] = { ...spec, ...(description !== "" && spec.description === undefined ? { description } : {}) };
    }
    return { properties: sortKeys(properties), required: [] };
}

/** The schema as the TypeScript sources say it should be. */
export function generateSchema(): Record<string, unknown> {
    const pkgJson = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string; description: string; license: string };
    const tokens = fs.readFileSync(path.join(ROOT, "provider", "tokens.ts"), "utf8");
    const pkg = /PACKAGE_NAME = "([^"]+)"/.exec(tokens)?.[1] ?? "mesh-rollout";
    const files = COMPONENTS.map((c) => path.join(ROOT, c.module));
    const program = ts.createProgram(files, {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        strict: true,
        skipLibCheck: true,
        esModuleInterop: true,
        resolveJsonModule: true,
        noEmit: true,
    });
    const checker = program.getTypeChecker();
    const gen = new Generator(checker, pkg);
    const resources: Record<string, Spec> = {};
    for (const c of COMPONENTS) {
        const source = program.getSourceFile(path.join(ROOT, c.module));
        if (source === undefined) {
            throw new Error(`schema: cannot read ${c.module}`);
        }
        const moduleSymbol = checker.getSymbolAtLocation(source);
        const exports = moduleSymbol === undefined ? [] : checker.getExportsOfModule(moduleSymbol);
        const argsSymbol = exports.find((s) => s.getName() === c.argsName);
        const classSymbol = exports.find((s) => s.getName() === c.className);
        if (argsSymbol === undefined || classSymbol === undefined) {
            throw new Error(`schema: ${c.module} must export ${c.argsName} and ${c.className}`);
        }
        const argsType = checker.getDeclaredTypeOfSymbol(argsSymbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(argsSymbol) : argsSymbol);
        const cls = classSymbol.valueDeclaration;
        if (cls === undefined || !ts.isClassDeclaration(cls)) {
            throw new Error(`schema: ${c.className} is not a class`);
        }
        const inputs = gen.properties(argsType, c.token);
        const outputs = outputProperties(checker, gen, cls, c.token);
        resources[`${pkg}:index:${c.token}`] = {
            isComponent: true,
            description: ts.displayPartsToString(classSymbol.getDocumentationComment(checker)).trim(),
            inputProperties: inputs.properties,
            requiredInputs: inputs.required,
            properties: outputs.properties,
            required: outputs.required,
        };
    }
    const recordDoc = (what: string): string =>
        `A state-only record of ${what}, created by the components: it touches nothing outside the stack. Its checked inputs carry \`prior\`, the last different state applied, so that the policy pack can judge the transition.`;
    for (const [kind, what] of [
        ["MeshUpgradeLedger", "a mesh's upgrade (the applied stage and versions)"],
        ["SidecarVersionRecord", "a sidecar catalog version (its canonical spec and digest)"],
        ["MeshStageApplied", "what a mesh's last update completed (the ledger's state, written once every child of the stage is applied)"],
        [
            "CanaryProgressRecord",
            "how far a canary release's new version has got (routing kind and share), judged by its metric analysis before a larger share and before promotion",
        ],
    ] as const) {
        resources[`${pkg}:index:${kind}`] = {
            description: recordDoc(what),
            inputProperties: {
                key: {
                    type: "string",
                    description: "What the record is about: the mesh name, the sidecar version or the canary's namespace/service. A new key replaces the record.",
                },
                state: { type: "object", additionalProperties: { $ref: "pulumi.json#/Any" }, description: "The state being applied." },
            },
            requiredInputs: ["key", "state"],
            properties: {
                key: { type: "string" },
                state: { type: "object", additionalProperties: { $ref: "pulumi.json#/Any" } },
                prior: { type: "object", additionalProperties: { $ref: "pulumi.json#/Any" }, description: "The last different state applied before this one; null on creation." },
            },
            required: ["key", "state"],
        };
    }
    resources[`${pkg}:index:NamespaceInjectionSwap`] = {
        description:
            "Created by MeshRevision for an existing namespace (create: false) when liveCheck has a kubeconfig: removes the namespace's istio-injection label and sets istio.io/rev in one merge patch (nothing is written when it carries no istio-injection); on delete, removes the istio.io/rev it set when no one else holds it.",
        inputProperties: {
            namespace: { type: "string", description: "The existing namespace." },
            revLabel: { type: "string", description: "The istio.io/rev value (a revision or a tag)." },
            kubeconfig: { type: "string", description: "Path of the kubeconfig file (liveCheck.kubeconfig); its user needs get and patch on namespaces." },
        },
        requiredInputs: ["namespace", "revLabel", "kubeconfig"],
        properties: {
            namespace: { type: "string" },
            revLabel: { type: "string" },
            kubeconfig: { type: "string" },
            removed: { type: "string", description: "The istio-injection value removed, or null when there was none." },
        },
        required: ["namespace", "revLabel", "kubeconfig"],
    };
    return {
        name: pkg,
        displayName: "mesh-rollout",
        version: pkgJson.version,
        description: pkgJson.description,
        license: pkgJson.license,
        keywords: ["pulumi", "kubernetes", "istio", "service-mesh", "canary", "openkruise", "category/infrastructure", "kind/component"],
        meta: { moduleFormat: "(.*)" },
        language: {
            nodejs: { packageName: "pulumi-mesh-rollout", respectSchemaVersion: true },
            python: { packageName: "pulumi_mesh_rollout", respectSchemaVersion: true, requires: { pulumi: ">=3.0.0,<4.0.0" } },
            go: { importBasePath: "github.com/mesh-rollout/pulumi-mesh-rollout/sdk/go/meshrollout", generateResourceContainerTypes: false, respectSchemaVersion: true },
        },
        config: {},
        types: sortKeys(gen.types),
        resources: sortKeys(resources),
    };
}

export function schemaText(): string {
    return `${JSON.stringify(generateSchema(), null, 2)}\n`;
}

if (require.main === module) {
    const text = schemaText();
    if (process.argv.includes("--check")) {
        const current = fs.existsSync(SCHEMA_PATH) ? fs.readFileSync(SCHEMA_PATH, "utf8") : "";
        if (current !== text) {
            console.error("schema.json is stale: run `npm run schema` and commit it.");
            process.exit(1);
        }
        console.log("schema.json is up to date");
    } else {
        fs.writeFileSync(SCHEMA_PATH, text);
        console.log(`wrote ${path.relative(process.cwd(), SCHEMA_PATH)}`);
    }
}
