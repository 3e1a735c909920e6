// What a PromQL query reads, from Prometheus's own grammar (@prometheus-io/lezer-promql, the
// parser of Prometheus's web UI): the metrics it selects, the labels its matchers and groupings
// name, and the labels its result carries (what a legend or an alert annotation can print).
// A query that does not parse is an error, not an empty answer.
import type { SyntaxNode } from "@lezer/common";
import { parser } from "@prometheus-io/lezer-promql";

/** The label names each metric has; undefined for a metric that is not exported. */
export type LabelsOf = (metric: string) => ReadonlySet<string> | undefined;

export interface Selector {
  metric: string;
  matchers: Array<{ name: string; value: string }>;
}

export interface QueryAnalysis {
  /** Every metric name a selector of the query names. */
  metrics: Set<string>;
  selectors: Selector[];
  /** Labels the query's result series carry. */
  output: Set<string>;
  /** Selectors of metrics that are not exported. */
  missing: string[];
  /** Labels that a matcher or a grouping names and its input lacks (meaningless while a metric is missing). */
  problems: string[];
}

const EXPRESSIONS = new Set([
  "AggregateExpr",
  "AnchoredExpr",
  "BinaryExpr",
  "FunctionCall",
  "MatrixSelector",
  "NumberDurationLiteral",
  "OffsetExpr",
  "ParenExpr",
  "SmoothedExpr",
  "StepInvariantExpr",
  "StringLiteral",
  "SubqueryExpr",
  "UnaryExpr",
  "VectorSelector",
]);
// These keep every label of their input, whatever their `by` says.
const SELECTING_AGGREGATIONS = new Set(["Topk", "Bottomk", "LimitK", "LimitRatio"]);
const LABELLESS_FUNCTIONS = new Set(["Absent", "AbsentOverTime", "Pi", "Scalar", "Time", "Vector"]);

interface Output {
  labels: Set<string>;
  /** A number rather than a vector: the other side of a binary operator keeps its labels. */
  scalar: boolean;
}

/** Parses `expr`, throwing on anything Prometheus's grammar does not accept. */
export function parsePromql(expr: string): SyntaxNode {
  const tree = parser.parse(expr);
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) throw new Error(`not PromQL at ${node.from}: ${expr.slice(0, node.from)}⚠${expr.slice(node.from)}`);
    },
  });
  return tree.topNode;
}

export function analyseQuery(expr: string, labelsOf: LabelsOf): QueryAnalysis {
  const text = (node: SyntaxNode) => expr.slice(node.from, node.to);
  const metrics = new Set<string>();
  const selectors: Selector[] = [];
  const missing: string[] = [];
  const problems: string[] = [];

  const children = (node: SyntaxNode | null): SyntaxNode[] => {
    const found: SyntaxNode[] = [];
    for (let child = node?.firstChild ?? null; child; child = child.nextSibling) found.push(child);
    return found;
  };
  const expressions = (node: SyntaxNode | null) => children(node).filter((child) => EXPRESSIONS.has(child.type.name));
  // "..." and '...' with backslash escapes, or a raw `...`: what a label name or value needs.
  const unquote = (literal: string) => (literal.startsWith("`") ? literal.slice(1, -1) : literal.slice(1, -1).replace(/\\(.)/g, "$1"));
  const labelName = (node: SyntaxNode) => (node.type.name === "QuotedLabelName" ? unquote(text(node)) : text(node));
  const groupingLabels = (node: SyntaxNode | null) => children(node?.getChild("GroupingLabels") ?? null).map(labelName);
  const requireLabels = (labels: readonly string[], available: ReadonlySet<string>, where: string) => {
    for (const label of labels) if (!available.has(label)) problems.push(`${where}: no input series has the label ${label}`);
  };

  function selector(node: SyntaxNode): Output {
    const matchers = children(node.getChild("LabelMatchers")).map((matcher) => {
      const [name, , value] = children(matcher);
      return { name: name ? labelName(name) : "", value: value ? unquote(text(value)) : "" };
    });
    const identifier = node.getChild("Identifier");
    const metric = identifier ? text(identifier) : (matchers.find((m) => m.name === "__name__")?.value ?? "");
    metrics.add(metric);
    selectors.push({ metric, matchers });
    const labels = labelsOf(metric);
    if (labels === undefined) {
      missing.push(`${text(node)}: the metric ${metric} is not exported`);
      return { labels: new Set(), scalar: false };
    }
    const named = matchers.map((m) => m.name).filter((name) => name !== "__name__");
    for (const name of named) if (!labels.has(name)) problems.push(`${text(node)}: ${metric} has no label ${name}`);
    return { labels: new Set(labels), scalar: false };
  }

  function aggregate(node: SyntaxNode): Output {
    const op = node.getChild("AggregateOp")?.firstChild?.type.name ?? "";
    const args = expressions(node.getChild("FunctionCallBody")).map(output);
    const input = args.at(-1)?.labels ?? new Set<string>();
    const modifier = node.getChild("AggregateModifier");
    const grouped = groupingLabels(modifier);
    requireLabels(grouped, input, text(node));
    if (SELECTING_AGGREGATIONS.has(op)) return { labels: input, scalar: false };
    if (modifier?.getChild("Without")) return { labels: new Set([...input].filter((label) => !grouped.includes(label))), scalar: false };
    return { labels: new Set(grouped), scalar: false };
  }

  function call(node: SyntaxNode): Output {
    const name = node.getChild("FunctionIdentifier")?.firstChild?.type.name ?? "";
    const args = expressions(node.getChild("FunctionCallBody")).map(output);
    if (name === "Time" || name === "Scalar" || name === "Pi") return { labels: new Set(), scalar: true };
    if (LABELLESS_FUNCTIONS.has(name)) return { labels: new Set(), scalar: false };
    if (name === "HistogramQuantile") {
      const input = args[1]?.labels ?? new Set<string>();
      requireLabels(["le"], input, text(node));
      return { labels: new Set([...input].filter((label) => label !== "le")), scalar: false };
    }
    return { labels: new Set(args.flatMap((arg) => [...arg.labels])), scalar: false };
  }

  function binary(node: SyntaxNode): Output {
    const sides = expressions(node);
    const left = output(sides[0] ?? null);
    const right = output(sides.at(-1) ?? null);
    if (left.scalar && right.scalar) return { labels: new Set(), scalar: true };
    if (left.scalar) return right;
    if (right.scalar) return left;
    // on(...)/ignoring(...) first, then group_left(...)/group_right(...)'s labels, if any.
    const matching = node.getChild("MatchingModifierClause");
    const [matched = [], included = []] = (matching?.getChildren("GroupingLabels") ?? []).map((labels) => children(labels).map(labelName));
    requireLabels(matched, left.labels, `${text(node)} (left side)`);
    if (matching?.getChild("On")) requireLabels(matched, right.labels, `${text(node)} (right side)`);
    if (node.getChild("And") || node.getChild("Unless")) return left;
    if (node.getChild("Or")) return { labels: new Set([...left.labels, ...right.labels]), scalar: false };
    // Prometheus's resultMetric: group_left/right keep the many side's labels (plus the named
    // ones from the other side), on() keeps only its labels, ignoring() drops its.
    if (matching?.getChild("GroupLeft")) return { labels: new Set([...left.labels, ...included]), scalar: false };
    if (matching?.getChild("GroupRight")) return { labels: new Set([...right.labels, ...included]), scalar: false };
    if (matching?.getChild("On")) return { labels: new Set(matched), scalar: false };
    return { labels: new Set([...left.labels].filter((label) => !matched.includes(label))), scalar: false };
  }

  function output(node: SyntaxNode | null): Output {
    switch (node?.type.name) {
      case undefined:
        return { labels: new Set(), scalar: true };
      case "VectorSelector":
        return selector(node);
      case "AggregateExpr":
        return aggregate(node);
      case "FunctionCall":
        return call(node);
      case "BinaryExpr":
        return binary(node);
      case "NumberDurationLiteral":
      case "StringLiteral":
        return { labels: new Set(), scalar: true };
      default: {
        // Parentheses, offsets, subqueries, ranges, @ and unary minus: what their operand carries.
        const inner = expressions(node).map(output);
        return inner[0] ?? { labels: new Set(), scalar: true };
      }
    }
  }

  const top = parsePromql(expr);
  const result = output(expressions(top)[0] ?? null);
  return { metrics, selectors, output: result.labels, missing, problems };
}

/** The selectors of `expr`, whatever is exported. */
export const selectorsOf = (expr: string): Selector[] => analyseQuery(expr, () => new Set()).selectors;

/** Label names a Grafana legend prints: its {{label}}s. */
export const legendLabels = (legend: string): string[] => [...legend.matchAll(/\{\{\s*([a-zA-Z_]\w*)\s*\}\}/g)].map((m) => m[1] ?? "");

/** Label names a Prometheus alert template prints: its $labels.label. */
export const templateLabels = (template: string): string[] => [...template.matchAll(/\$labels\.([a-zA-Z_]\w*)/g)].map((m) => m[1] ?? "");
