// The alerts and the dashboard against what the operator really exports: a real operator on
// the real control plane, with one healthy token and one Stalled token, scraped once. Every
// metric and label that a rule or a panel reads must be in that scrape (a renamed metric fails
// here), the Stalled token's series must say so, and the rules evaluated by promtool on exactly
// these series must raise UnleashResourceStalled for it and nothing else.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { eventually } from "../../harness/eventually.js";
import { helmBinary } from "../chart/helm.js";
import { scrape, type Sample } from "../support/metrics.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { connectionYaml, createWorld, tokenOf, type World } from "../support/world.js";
import { METRIC_CONTRACT, SYNTHETIC_METRICS, TARGET_LABELS } from "./contract.js";
import { analyseQuery, legendLabels, templateLabels, type LabelsOf } from "./promql.js";
import { BUILD_PROMTOOL_TIMEOUT_MS, promtoolBinary, testRules, type AlertTest, type RuleTestFile } from "./promtool.js";
import { alertRules, DASHBOARD_FILE, dashboardQueries, dashboardSchema, JOB, renderRuleGroups, type RuleGroups } from "./rendered.js";

const HEALTHY = "healthy";
const STALLED = "taken";
const INSTANCE = "10.0.0.1:8080";

/** Label names of each metric in the scrape, with those Prometheus adds to every series. */
function labelsIn(samples: readonly Sample[]): LabelsOf {
  const index = new Map<string, Set<string>>();
  for (const sample of samples) {
    const labels = index.get(sample.name) ?? new Set(TARGET_LABELS);
    for (const label of Object.keys(sample.labels)) labels.add(label);
    index.set(sample.name, labels);
  }
  return (metric) => (SYNTHETIC_METRICS.has(metric) ? TARGET_LABELS : index.get(metric));
}

/** What `expr` reads and what it prints (`printed` labels) that the scrape does not have, prefixed with `where`. */
function gaps(where: string, expr: string, printed: readonly string[], labelsOf: LabelsOf): string[] {
  const analysis = analyseQuery(expr, labelsOf);
  // A missing metric explains the labels its series lack.
  if (analysis.missing.length > 0) return analysis.missing.map((gap) => `${where}: ${gap}`);
  const unprinted = printed.filter((label) => !analysis.output.has(label)).map((label) => `prints the label ${label}, which its result does not carry`);
  return [...analysis.problems, ...unprinted].map((gap) => `${where}: ${gap}`);
}

/** The scraped series as promtool input, as Prometheus would store them, unchanged for `minutes`. */
function asInputSeries(samples: readonly Sample[], minutes: number): RuleTestFile["tests"][number]["input_series"] {
  const withTarget = [...samples, { name: "up", labels: {}, value: 1 }];
  return withTarget
    .filter((sample) => Number.isFinite(sample.value))
    .map((sample) => {
      const labels = { job: JOB, instance: INSTANCE, ...sample.labels };
      // JSON's string escapes are PromQL's (Go's) for everything a label value holds here.
      const text = Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
      return { series: `${sample.name}{${text.join(",")}}`, values: `${sample.value}x${minutes}` };
    });
}

describe("the alerts and the dashboard on a real operator's /metrics", () => {
  let world: World;
  let samples: Sample[];
  let groups: RuleGroups;
  const ofMetric = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && s.labels.namespace === world.namespace && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const byCondition = (name: string, resource: string) => Object.fromEntries(ofMetric(name, { name: resource }).map((s) => [s.labels.condition, s.value]));

  beforeAll(async () => {
    await Promise.all([promtoolBinary(), helmBinary()]);
    groups = (await renderRuleGroups()).groups;
    world = await createWorld("observability", { resyncPeriod: "4s" });
    const foreignSecret = `apiVersion: v1
kind: Secret
metadata: { name: ${STALLED} }
stringData: { UNLEASH_API_TOKEN: not-the-operators }`;
    await world.apply(
      documents(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken), serviceAccountYaml("app"), tokenYaml(HEALTHY, "app"), foreignSecret, tokenYaml(STALLED, "app")),
    );
    await world.waitForCondition("ServiceAccountToken", HEALTHY, "Ready", "True");
    await world.waitForCondition("ServiceAccountToken", STALLED, "Stalled", "True");
    // One use of the healthy token a day after its issue (on Unleash's clock), so that Unleash has a last
    // use to report that the operator takes into status (it follows the last use a day at a time).
    await world.control.advanceClock(25 * 3_600_000);
    expect((await world.unleash(tokenOf(await world.secret(HEALTHY)), "GET", "/api/admin/user")).status).toBe(200);
    samples = await eventually(
      async () => {
        const scraped = await scrape(world.operator.metricsUrl);
        const seen = scraped.some((s) => s.name === "unleash_token_last_seen_timestamp_seconds" && s.labels.name === HEALTHY);
        if (!seen) throw new Error("no unleash_token_last_seen_timestamp_seconds for the used token yet");
        return scraped;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
  }, BUILD_PROMTOOL_TIMEOUT_MS);
  afterAll(() => world?.close());

  it("exports every metric of the contract, with exactly its labels", () => {
    const wrong = Object.entries(METRIC_CONTRACT)
      .filter(([, contract]) => !contract.onlyOnceSeen)
      .flatMap(([name, contract]) => {
        const sampled = contract.histogram ? `${name}_count` : name;
        const labelSets = new Set(samples.filter((s) => s.name === sampled).map((s) => Object.keys(s.labels).sort().join(",")));
        const expected = [...contract.labels].sort().join(",");
        if (labelSets.size === 0) return [`${sampled}: not exported`];
        return [...labelSets].filter((labels) => labels !== expected).map((labels) => `${sampled}: labels {${labels}}, not {${expected}}`);
      });
    expect(wrong).toEqual([]);
  });

  it("exports every metric and label the alerts read and print", () => {
    const labelsOf = labelsIn(samples);
    const found = alertRules(groups).flatMap((rule) => gaps(rule.alert, rule.expr, Object.values(rule.annotations).flatMap(templateLabels), labelsOf));
    expect(found).toEqual([]);
  });

  it("exports every metric and label the dashboard's panels and variables read and print", async () => {
    const labelsOf = labelsIn(samples);
    const dashboard = dashboardSchema.parse(JSON.parse(await readFile(DASHBOARD_FILE, "utf8")));
    const found = dashboardQueries(dashboard).flatMap((query) => gaps(query.where, query.expr, legendLabels(query.legend), labelsOf));
    expect(found).toEqual([]);
  });

  it("would notice a metric the operator does not export", () => {
    const renamed = alertRules(groups).map((rule) => rule.expr.replace("unleash_resource_stalled", "unleash_resource_stuck"));
    expect(renamed.flatMap((expr) => gaps("renamed", expr, [], labelsIn(samples)))).toEqual([
      expect.stringContaining("the metric unleash_resource_stuck is not exported"),
    ]);
    expect(gaps("legend", "sum by (controller) (controller_runtime_active_workers)", legendLabels("{{controller}} {{pod}}"), labelsIn(samples))).toEqual([
      "legend: prints the label pod, which its result does not carry",
    ]);
  });

  it("says the Stalled token is Stalled and not Ready, and the healthy one Ready, with its times", () => {
    const namespace = world.namespace;
    expect(ofMetric("unleash_resource_stalled").map((s) => ({ ...s.labels, value: s.value }))).toEqual([
      { kind: "ServiceAccountToken", namespace, name: STALLED, reason: "SecretConflict", value: 1 },
    ]);
    expect(byCondition("unleash_token_ready_status", STALLED)).toEqual({ True: 0, False: 1, Unknown: 0 });
    expect(byCondition("unleash_token_ready_status", HEALTHY)).toEqual({ True: 1, False: 0, Unknown: 0 });
    expect(byCondition("unleash_serviceaccount_ready_status", "app")).toEqual({ True: 1, False: 0, Unknown: 0 });
    expect(byCondition("unleash_connection_ready_status", "unleash")).toEqual({ True: 1, False: 0, Unknown: 0 });

    const now = Date.now() / 1000;
    const at = (name: string) => ofMetric(name, { name: HEALTHY }).map((s) => s.value);
    const [issued = Number.NaN] = at("unleash_token_issued_timestamp_seconds");
    const [renewal = Number.NaN] = at("unleash_token_renewal_timestamp_seconds");
    const [expiration = Number.NaN] = at("unleash_token_expiration_timestamp_seconds");
    const [lastSeen = Number.NaN] = at("unleash_token_last_seen_timestamp_seconds");
    expect(issued).toBeGreaterThan(now - 600);
    expect(issued).toBeLessThanOrEqual(now + 5);
    expect(renewal).toBeGreaterThan(now);
    expect(expiration).toBeGreaterThan(renewal);
    // The use a day after the issue, on Unleash's clock (advanced by 25 h).
    expect(lastSeen).toBeGreaterThanOrEqual(issued + 24 * 3600);
    expect(lastSeen).toBeLessThanOrEqual(now + 25 * 3600 + 5);
    // A token that never got an Unleash token has no times.
    expect(ofMetric("unleash_token_expiration_timestamp_seconds", { name: STALLED })).toEqual([]);
    expect(ofMetric("unleash_serviceaccount_tokens", { name: "app" }).map((s) => s.value)).toEqual([1]);
  });

  it("raises UnleashResourceStalled for the Stalled token, and no other alert, when promtool runs the rules on this scrape", async () => {
    const expected = new Map<string, AlertTest["exp_alerts"]>([
      [
        "UnleashResourceStalled",
        [
          {
            exp_labels: { severity: "warning", kind: "ServiceAccountToken", namespace: world.namespace, name: STALLED, reason: "SecretConflict" },
            exp_annotations: { summary: `ServiceAccountToken ${world.namespace}/${STALLED} is Stalled with reason SecretConflict.` },
          },
        ],
      ],
    ]);
    const result = await testRules(groups, {
      rule_files: ["rules.yaml"],
      evaluation_interval: "1m",
      tests: [
        {
          name: "the scrape, unchanged for 30 minutes",
          interval: "1m",
          // The scrape's timestamps are today's: time() must be too.
          start_timestamp: Math.floor(Date.now() / 1000),
          input_series: asInputSeries(samples, 30),
          alert_rule_test: alertRules(groups).map((rule) => ({ eval_time: "29m", alertname: rule.alert, exp_alerts: expected.get(rule.alert) ?? [] })),
        },
      ],
    });
    expect(result.code, result.output).toBe(0);
  });
});
