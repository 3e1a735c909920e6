// The chart's PrometheusRule, proven with a real PromQL engine: `promtool check rules` on what
// `helm template` renders, and `promtool test rules` (alerts.promtool.yaml) making every alert
// fire on synthetic series and stay silent on healthy ones.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../../harness/repo.js";
import { helmBinary } from "../chart/helm.js";
import { selectorsOf } from "./promql.js";
import { BUILD_PROMTOOL_TIMEOUT_MS, checkRules, promtoolBinary, ruleTestFileSchema, testRules, type RuleTestFile } from "./promtool.js";
import { alertRules, JOB, renderRuleGroups, type RuleGroups } from "./rendered.js";

const UNIT_TESTS = join(import.meta.dirname, "alerts.promtool.yaml");

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

let groups: RuleGroups;
let unitTests: RuleTestFile;

beforeAll(async () => {
  await Promise.all([promtoolBinary(), helmBinary()]);
  groups = (await renderRuleGroups()).groups;
  unitTests = ruleTestFileSchema.parse(parse(await readFile(UNIT_TESTS, "utf8")));
}, BUILD_PROMTOOL_TIMEOUT_MS);

describe("the chart's alerts", () => {
  it("pass promtool check rules with every lint", async () => {
    const result = await checkRules(groups);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${alertRules(groups).length} rules found`);
  });

  it("pass their promtool unit tests", async () => {
    const result = await testRules(groups, unitTests);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("SUCCESS");
  });

  it("each have a unit test where they fire and one where they stay silent", () => {
    const cases = unitTests.tests.flatMap((group) => group.alert_rule_test);
    const coverage = alertRules(groups).map((rule) => {
      const own = cases.filter((test) => test.alertname === rule.alert);
      return { alert: rule.alert, fires: own.some((test) => (test.exp_alerts ?? []).length > 0), silent: own.some((test) => (test.exp_alerts ?? []).length === 0) };
    });
    expect(coverage).toEqual(coverage.map(({ alert }) => ({ alert, fires: true, silent: true })));
  });

  it("fail those unit tests when a threshold moves", async () => {
    const moved = await renderRuleGroups({ thresholds: { accountTokens: 10, stalledFor: "20m", renewalOverdue: "1h30m" } });
    const result = await testRules(moved.groups, unitTests);
    expect(result.code).not.toBe(0);
    for (const alert of ["UnleashServiceAccountTokenLimitNear", "UnleashResourceStalled", "UnleashTokenRenewalOverdue"]) expect(result.output).toContain(alert);
    expect(alertRules(moved.groups).find((rule) => rule.alert === "UnleashTokenRenewalOverdue")?.expr).toMatch(/> 5400$/);
  });

  it("read only the operator's job: the metrics Service's name, or prometheusRule.job", async () => {
    const jobsOf = (rules: RuleGroups) =>
      new Set(alertRules(rules).flatMap((rule) => selectorsOf(rule.expr).map((s) => s.matchers.find((m) => m.name === "job")?.value ?? `no job in ${rule.alert}`)));
    expect(jobsOf(groups)).toEqual(new Set([JOB]));
    expect(jobsOf((await renderRuleGroups({ job: "unleash-operator" })).groups)).toEqual(new Set(["unleash-operator"]));
  });

  it("carry prometheusRule.labels, additionalRuleLabels on every alert, and their own severity", async () => {
    const { manifest, groups: labelled } = await renderRuleGroups({ labels: { release: "kube-prometheus-stack" }, additionalRuleLabels: { team: "platform", severity: "none" } });
    expect(manifest.metadata.labels?.release).toBe("kube-prometheus-stack");
    for (const rule of alertRules(labelled)) {
      expect(rule.labels.team, rule.alert).toBe("platform");
      expect(["warning", "critical"], rule.alert).toContain(rule.labels.severity);
    }
  });

  it("say what they mean and what to do, and point at a section of the README", async () => {
    const readme = await readFile(join(repoRoot, "README.md"), "utf8");
    const anchors = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] ?? "")));
    for (const rule of alertRules(groups)) {
      const { summary = "", description = "", runbook_url: runbook = "" } = rule.annotations;
      expect(summary.length, rule.alert).toBeGreaterThan(20);
      expect(description.length, rule.alert).toBeGreaterThan(100);
      expect(runbook, rule.alert).toMatch(/^https:\/\/github\.com\/.+\/README\.md#/);
      expect(anchors, `${rule.alert}: ${runbook}`).toContain(runbook.split("#")[1]);
    }
  });
});
