// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["dist/**", "node_modules/**", "**/node_modules/**", "coverage/**", "out/**", "examples/**/bin/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { globals: { require: "readonly", module: "writable", process: "readonly", __dirname: "readonly", console: "readonly" } },
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            "@typescript-eslint/no-require-imports": "off",
            eqeqeq: ["error", "always"],
            "no-console": "off",
        },
    },
    {
        // The domain is pure: no Pulumi, no I/O.
        files: ["domain/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        { group: ["@pulumi/*"], message: "domain/ is pure: no Pulumi imports. Put Pulumi wiring in components/ or provider/." },
                        { group: ["node:fs", "fs", "node:child_process", "child_process"], message: "domain/ does no I/O." },
                    ],
                },
            ],
        },
    },
);
