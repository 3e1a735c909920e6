// The Grafana dashboard: one JSON file in the chart (docs/ links to it), shipped by the chart in
// a ConfigMap for Grafana's sidecar, every query valid PromQL. scrape.test.ts checks that what
// the queries read is what the operator exports.
import { readFile, realpath } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { helmBinary, renderChart } from "../chart/helm.js";
import { analyseQuery } from "./promql.js";
import { BUILD_PROMTOOL_TIMEOUT_MS, checkRules, promtoolBinary } from "./promtool.js";
import { DASHBOARD_FILE, DOCS_DASHBOARD_FILE, dashboardQueries, dashboardSchema, RELEASE, renderDashboardConfigMap, type Dashboard } from "./rendered.js";

/** What the issue asks the dashboard to show, by the metrics that show it. */
const REQUIRED = {
  "fleet readiness": ["unleash_token_ready_status", "unleash_serviceaccount_ready_status", "unleash_connection_ready_status", "unleash_resource_stalled"],
  "tokens expiring soonest": ["unleash_token_expiration_timestamp_seconds"],
  "rotations over time": ["unleash_token_rotations_total"],
  "reconcile rate, errors and latency": ["controller_runtime_reconcile_total", "controller_runtime_reconcile_errors_total", "controller_runtime_reconcile_time_seconds_bucket"],
  "work queue depth and latency": ["workqueue_depth", "workqueue_queue_duration_seconds_bucket"],
  "Unleash request rate, latency and status codes": ["unleash_requests_total", "unleash_request_duration_seconds_bucket"],
  memory: ["process_resident_memory_bytes"],
};

let text: string;
let dashboard: Dashboard;

beforeAll(async () => {
  await Promise.all([promtoolBinary(), helmBinary()]);
  text = await readFile(DASHBOARD_FILE, "utf8");
  dashboard = dashboardSchema.parse(JSON.parse(text));
}, BUILD_PROMTOOL_TIMEOUT_MS);

describe("the Grafana dashboard", () => {
  it("is one file: docs/observability/grafana-dashboard.json is the chart's", async () => {
    expect(await realpath(DOCS_DASHBOARD_FILE)).toBe(await realpath(DASHBOARD_FILE));
  });

  it("is in the chart's ConfigMap byte for byte, labelled for Grafana's sidecar, only when enabled", async () => {
    const configMap = await renderDashboardConfigMap();
    expect(configMap.data["unleash-accounts-operator.json"]).toBe(text.trimEnd());
    expect(configMap.metadata.labels?.grafana_dashboard).toBe("1");
    expect(configMap.metadata.namespace).toBe("unleash-system");

    // A sidecar with another label: Helm merges maps, so null drops the default one.
    const custom = await renderDashboardConfigMap({ labels: { grafana_dashboard: null, dashboards: "operators" }, annotations: { grafana_folder: "Operators" }, namespace: "monitoring" });
    expect(custom.metadata.labels?.dashboards).toBe("operators");
    expect(custom.metadata.labels?.grafana_dashboard).toBeUndefined();
    expect(custom.metadata.annotations).toEqual({ grafana_folder: "Operators" });
    expect(custom.metadata.namespace).toBe("monitoring");

    const { manifests } = await renderChart({}, { release: RELEASE });
    expect(manifests.filter((m) => m.kind === "ConfigMap" || m.kind === "PrometheusRule")).toEqual([]);
  });

  it("has panels with unique ids, each with a query or a row", () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) expect(panel.type === "row" || (panel.targets ?? []).length > 0, panel.title).toBe(true);
  });

  it("queries only valid PromQL: Prometheus's grammar and promtool accept every query", async () => {
    const queries = dashboardQueries(dashboard);
    for (const query of queries) expect(() => analyseQuery(query.expr, () => new Set()), query.where).not.toThrow();
    const asRecordingRules = { groups: [{ name: "dashboard", rules: queries.map((query, i) => ({ record: `dashboard:query_${i}`, expr: query.expr })) }] };
    const result = await checkRules(asRecordingRules);
    expect(result.code, result.output).toBe(0);
  });

  it("shows what the issue asks for", () => {
    const used = new Set(dashboardQueries(dashboard).flatMap((query) => [...analyseQuery(query.expr, () => new Set()).metrics]));
    for (const [topic, metrics] of Object.entries(REQUIRED)) for (const metric of metrics) expect(used, `${topic}: ${metric}`).toContain(metric);
  });
});
