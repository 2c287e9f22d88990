// Kubernetes label selectors as a SidecarSet gives them, and an index of pods by label so that
// matching a selector against a stack costs the pods it may select, not every pod in the stack.
import { field, FieldProblem, isObject, isProblem, joinKey, listOf, oneOf, optional, optionalLabels, Read, readFields, string, Path } from "./fields";

export interface LabelSelector {
    readonly matchLabels: Readonly<Record<string, string>>;
    readonly matchExpressions: readonly { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values: readonly string[] }[];
}

const expression = (value: unknown, path: Path) =>
    readFields(
        value,
        path,
        {
            key: string("a label name", '"app"'),
            operator: oneOf(["In", "NotIn", "Exists", "DoesNotExist"] as const, "In"),
            values: optional(listOf(string("a label value", '"cart"', { min: 0 }), "a list of label values", '["cart"]')),
        },
        ["key", "operator", "values"],
        "a selector requirement",
        '{"key": "app", "operator": "In", "values": ["cart"]}',
    );

/** A selector at `path`; absent, it selects everything (as a SidecarSet without one does). */
export function readSelector(value: unknown, path: Path): Read<LabelSelector> {
    if (value === undefined || value === null) {
        return { matchLabels: {}, matchExpressions: [] };
    }
    if (!isObject(value)) {
        return new FieldProblem(path, value, "a label selector", '{"matchLabels": {"app": "cart"}}');
    }
    const matchLabels = optionalLabels(field(value, "matchLabels"), joinKey(path, "matchLabels"));
    const matchExpressions = optional(listOf(expression, "a list of selector requirements", '[{"key": "app", "operator": "Exists"}]'))(
        field(value, "matchExpressions"),
        joinKey(path, "matchExpressions"),
    );
    if (isProblem(matchLabels)) {
        return matchLabels;
    }
    if (isProblem(matchExpressions)) {
        return matchExpressions;
    }
    return { matchLabels, matchExpressions: (matchExpressions ?? []).map((e) => ({ ...e, values: e.values ?? [] })) };
}

const has = (labels: Readonly<Record<string, string>>, key: string) => Object.prototype.hasOwnProperty.call(labels, key);

export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
    for (const key of Object.keys(selector.matchLabels)) {
        if (!has(labels, key) || labels[key] !== selector.matchLabels[key]) {
            return false;
        }
    }
    for (const e of selector.matchExpressions) {
        const present = has(labels, e.key);
        const inValues = present && e.values.includes(labels[e.key]);
        const ok = e.operator === "In" ? inValues : e.operator === "NotIn" ? !inValues : e.operator === "Exists" ? present : !present;
        if (!ok) {
            return false;
        }
    }
    return true;
}

/** Items (pods, workloads) indexed by their labels. */
export class LabelIndex<T extends { readonly labels: Readonly<Record<string, string>> }> {
    readonly all: T[] = [];
    private readonly byPair = new Map<string, T[]>();
    private readonly byKey = new Map<string, T[]>();

    add(item: T): void {
        this.all.push(item);
        for (const key of Object.keys(item.labels)) {
            push(this.byKey, key, item);
            push(this.byPair, pair(key, item.labels[key]), item);
        }
    }

    /** The items the selector selects, looked up through its narrowest requirement. */
    select(selector: LabelSelector): T[] {
        let narrowest: T[] = this.all;
        const consider = (items: T[]) => {
            if (items.length < narrowest.length) {
                narrowest = items;
            }
        };
        for (const key of Object.keys(selector.matchLabels)) {
            consider(this.byPair.get(pair(key, selector.matchLabels[key])) ?? []);
        }
        for (const e of selector.matchExpressions) {
            if (e.operator === "Exists") {
                consider(this.byKey.get(e.key) ?? []);
            } else if (e.operator === "In" && e.values.length === 1) {
                consider(this.byPair.get(pair(e.key, e.values[0])) ?? []);
            }
        }
        return narrowest.filter((item) => selects(selector, item.labels));
    }
}

function pair(key: string, value: string): string {
    return `${key}\u0000${value}`;
}

function push<T>(map: Map<string, T[]>, key: string, item: T): void {
    const list = map.get(key);
    if (list === undefined) {
        map.set(key, [item]);
    } else {
        list.push(item);
    }
}
