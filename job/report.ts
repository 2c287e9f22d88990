import type { OperationResult } from "../cli/engine";

export interface StepOutcome {
    readonly n: number;
    readonly slug: string;
    readonly result: "applied" | "refused" | "failed";
    readonly expected: "applied" | "refused";
    readonly operation: OperationResult;
    readonly manifests: string;
}

const SYMBOL: Record<string, string> = { create: "+", update: "~", delete: "-", replace: "+-", "create-replacement": "+-", "delete-replaced": "+-" };

/** The resources an update changed, counted by operation and listed. */
export function describeChanges(r: OperationResult): string {
    const changes = r.changes.filter((c) => c.type !== "pulumi:pulumi:Stack" && !c.op.startsWith("read") && c.op !== "refresh");
    if (changes.length === 0) {
        return "   changes: none";
    }
    const counts = new Map<string, number>();
    changes.forEach((c) => counts.set(c.op, (counts.get(c.op) ?? 0) + 1));
    const lines = [`   changes${r.ok ? "" : " (planned)"}: ${[...counts].map(([op, n]) => `${n} ${op}`).join(", ")}`];
    for (const c of changes) {
        lines.push(`     ${(SYMBOL[c.op] ?? c.op).padEnd(2)} ${c.type} ${c.name}${c.diffs.length > 0 && c.op === "update" ? ` [${c.diffs.join(", ")}]` : ""}`);
    }
    return lines.join("\n");
}

/** The policy verdicts of an update. */
export function describeVerdicts(r: OperationResult): string {
    if (r.violations.length === 0) {
        return "   policies: all passed";
    }
    // The analyzer sends "<policy description>\n<violation message>"; the message is what matters here.
    const text = (message: string) => message.split("\n").slice(1).join(" ").trim() || message.trim();
    return ["   policies:", ...r.violations.map((v) => `     ${v.level === "mandatory" ? "REFUSED" : "advisory"} ${v.policyName}: ${text(v.message)}`)].join("\n");
}

/** The closing table: one row per update. */
export function renderSummary(outcomes: readonly StepOutcome[]): string {
    const rows = outcomes.map((o) => {
        const counts = o.operation.changes.filter((c) => c.type !== "pulumi:pulumi:Stack").length;
        const verdicts =
            o.operation.violations.length === 0 ? "passed" : o.operation.violations.map((v) => `${v.level === "mandatory" ? "refused" : "advisory"}: ${v.policyName}`).join("; ");
        return [String(o.n), o.slug, o.result, String(counts), verdicts, o.manifests];
    });
    const header = ["#", "step", "result", "changes", "policy verdicts", "manifests"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
    return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
