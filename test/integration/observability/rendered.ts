// The chart's PrometheusRule and Grafana dashboard as `helm template` renders them, typed,
// and every PromQL query the dashboard runs.
import { join } from "node:path";
import { z } from "zod";
import { repoRoot } from "../../harness/repo.js";
import { CHART_DIR, renderChart, type Manifest } from "../chart/helm.js";

/** The release the promtool tests assume: its metrics Service, and so its job, is unleash-accounts-operator-metrics. */
export const RELEASE = "unleash-accounts-operator";
export const JOB = `${RELEASE}-metrics`;

export const DASHBOARD_FILE = join(CHART_DIR, "dashboards", "unleash-accounts-operator.json");
export const DOCS_DASHBOARD_FILE = join(repoRoot, "docs", "observability", "grafana-dashboard.json");

const alertRuleSchema = z.strictObject({
  alert: z.string(),
  expr: z.string(),
  for: z.string().optional(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
});
export const ruleGroupsSchema = z.strictObject({
  groups: z.array(z.strictObject({ name: z.string(), rules: z.array(alertRuleSchema) })),
});
export type RuleGroups = z.infer<typeof ruleGroupsSchema>;
export type AlertRule = z.infer<typeof alertRuleSchema>;

function only(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, got ${found.length}`);
  return found[0] as Manifest;
}

/** The rule groups of the PrometheusRule, rendered with prometheusRule.enabled plus `prometheusRule`. */
export async function renderRuleGroups(prometheusRule: Record<string, unknown> = {}): Promise<{ manifest: Manifest; groups: RuleGroups }> {
  const { manifests } = await renderChart({ prometheusRule: { enabled: true, ...prometheusRule } }, { release: RELEASE });
  const manifest = only(manifests, "PrometheusRule");
  return { manifest, groups: ruleGroupsSchema.parse(manifest["spec"]) };
}

export const alertRules = (groups: RuleGroups): AlertRule[] => groups.groups.flatMap((group) => group.rules);

/** The dashboard ConfigMap, rendered with grafanaDashboard.enabled plus `grafanaDashboard`. */
export async function renderDashboardConfigMap(grafanaDashboard: Record<string, unknown> = {}): Promise<Manifest & { data: Record<string, string> }> {
  const { manifests } = await renderChart({ grafanaDashboard: { enabled: true, ...grafanaDashboard } }, { release: RELEASE });
  const configMap = only(manifests, "ConfigMap");
  return { ...configMap, data: z.record(z.string(), z.string()).parse(configMap["data"]) };
}

const targetSchema = z.looseObject({ refId: z.string(), expr: z.string(), legendFormat: z.string().optional() });
interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Array<z.infer<typeof targetSchema>> | undefined;
  panels?: Panel[] | undefined;
}
const panelSchema: z.ZodType<Panel> = z.looseObject({
  id: z.number(),
  type: z.string(),
  title: z.string(),
  targets: z.array(targetSchema).optional(),
  // Panels inside a collapsed row.
  get panels() {
    return z.array(panelSchema).optional();
  },
});
const variableSchema = z.looseObject({
  name: z.string(),
  type: z.string(),
  query: z.union([z.string(), z.looseObject({ query: z.string() })]).optional(),
});
export const dashboardSchema = z.looseObject({
  uid: z.string(),
  title: z.string(),
  panels: z.array(panelSchema),
  templating: z.looseObject({ list: z.array(variableSchema) }),
});
export type Dashboard = z.infer<typeof dashboardSchema>;

export interface DashboardQuery {
  /** The panel (or variable) and refId, for messages. */
  where: string;
  /** PromQL, Grafana's interval variables replaced by a duration. */
  expr: string;
  /** The panel's legend ({{label}}s), or {{label}} for the label a variable lists. */
  legend: string;
}

// Grafana fills these in before the query reaches Prometheus; any other $variable must sit inside a string.
const grafanaIntervals = (expr: string) => expr.replace(/\$\{?__(rate_interval|interval|range)\}?/g, "5m");

/** Every PromQL query of the dashboard: each panel target, and each label_values() variable. */
export function dashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  const flatten = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...flatten(panel.panels ?? [])]);
  const targets = flatten(dashboard.panels).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      where: `panel "${panel.title}" ${target.refId}`,
      expr: grafanaIntervals(target.expr),
      legend: target.legendFormat ?? "",
    })),
  );
  const variables = dashboard.templating.list.flatMap((variable) => {
    const query = typeof variable.query === "object" ? variable.query.query : variable.query;
    const labelValues = /^label_values\((.+),\s*([a-zA-Z_]\w*)\)$/.exec(query ?? "");
    if (variable.type !== "query") return [];
    if (!labelValues?.[1] || !labelValues[2]) throw new Error(`variable ${variable.name}: only label_values(selector, label) is checked, not ${query}`);
    return [{ where: `variable ${variable.name}`, expr: grafanaIntervals(labelValues[1]), legend: `{{${labelValues[2]}}}` }];
  });
  return [...targets, ...variables];
}
