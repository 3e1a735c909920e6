// promtool of the pinned Prometheus (PROMETHEUS_VERSION in hack/versions.env), built from the
// Go module proxy by hack/build-promtool.sh, and its rule checks and rule unit tests.
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { z } from "zod";
import { runBuildScript } from "../../harness/build-script.js";
import { alertRules, type RuleGroups } from "./rendered.js";

/** A cold build of promtool takes about six minutes on two busy cores. */
export const BUILD_PROMTOOL_TIMEOUT_MS = 20 * 60_000;

let binary: Promise<string> | undefined;

/** Path of promtool, built on first use and cached by the script. */
export function promtoolBinary(): Promise<string> {
  binary ??= runBuildScript("hack/build-promtool.sh").then((dir) => join(dir, "promtool"));
  return binary;
}

export interface PromtoolResult {
  code: number;
  output: string;
}

/** Runs promtool in `cwd`; a non-zero exit is a result (tests check failures too). */
export async function promtool(args: readonly string[], cwd: string): Promise<PromtoolResult> {
  const path = await promtoolBinary();
  return new Promise((resolveResult) => {
    execFile(path, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolveResult({ code, output: stdout + stderr });
    });
  });
}

const expectedAlertSchema = z.strictObject({
  exp_labels: z.record(z.string(), z.string()).optional(),
  exp_annotations: z.record(z.string(), z.string()).optional(),
});
const alertTestSchema = z.strictObject({
  eval_time: z.string(),
  alertname: z.string(),
  exp_alerts: z.array(expectedAlertSchema).optional(),
});
/** promtool's unit-test file, strictly: a misspelt key would otherwise be a test that tests nothing. */
export const ruleTestFileSchema = z.strictObject({
  rule_files: z.array(z.string()),
  evaluation_interval: z.string().optional(),
  tests: z.array(
    z.strictObject({
      name: z.string(),
      interval: z.string().optional(),
      start_timestamp: z.union([z.number(), z.string()]).optional(),
      input_series: z.array(z.strictObject({ series: z.string(), values: z.string() })),
      alert_rule_test: z.array(alertTestSchema),
    }),
  ),
});
export type RuleTestFile = z.infer<typeof ruleTestFileSchema>;
export type AlertTest = z.infer<typeof alertTestSchema>;

/** Annotations without a Prometheus template are the same for every alert of a rule. */
const STATIC_ANNOTATIONS = ["description", "runbook_url"] as const;

/**
 * Writes `groups` as rules.yaml and `tests` beside it, and runs `promtool test rules`. Each
 * expected alert that leaves out description or runbook_url gets the rule's own: the test
 * file spells out only what depends on the series (labels, summary).
 */
export async function testRules(groups: RuleGroups, tests: RuleTestFile): Promise<PromtoolResult> {
  const rules = new Map(alertRules(groups).map((rule) => [rule.alert, rule]));
  const completed = structuredClone(tests);
  for (const alertTest of completed.tests.flatMap((group) => group.alert_rule_test)) {
    const rule = rules.get(alertTest.alertname);
    if (!rule) throw new Error(`the test names ${alertTest.alertname}, which the rules do not have`);
    for (const expected of alertTest.exp_alerts ?? []) {
      const annotations = (expected.exp_annotations ??= {});
      for (const key of STATIC_ANNOTATIONS) {
        const value = rule.annotations[key];
        if (value?.includes("{{")) throw new Error(`${rule.alert}'s ${key} is a template: spell it out in the test`);
        if (value !== undefined) annotations[key] ??= value;
      }
    }
  }
  const dir = await mkdtemp(join(tmpdir(), "promtool-"));
  await writeFile(join(dir, "rules.yaml"), stringify(groups));
  await writeFile(join(dir, "tests.yaml"), stringify({ ...completed, rule_files: ["rules.yaml"] }));
  return promtool(["test", "rules", "tests.yaml"], dir);
}

/** Writes `groups` (alerting or recording rules) as a rule file and runs `promtool check rules` with every lint. */
export async function checkRules(groups: { groups: readonly object[] }): Promise<PromtoolResult> {
  const dir = await mkdtemp(join(tmpdir(), "promtool-"));
  await writeFile(join(dir, "rules.yaml"), stringify(groups));
  return promtool(["check", "rules", "--lint=all", "--lint-fatal", "rules.yaml"], dir);
}
