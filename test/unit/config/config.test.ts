import { describe, expect, it } from "vitest";
import { ConfigError, helpText, loadConfig } from "../../../src/config.js";

/** Every flag the operator documents, with a valid value and what it becomes. */
const FLAGS: Array<{ flag: string; value: string | undefined; key: string; parsed: unknown }> = [
  { flag: "kubeconfig", value: "/etc/kube/config", key: "kubeconfig", parsed: "/etc/kube/config" },
  { flag: "namespaces", value: "team-a, team-b,,", key: "namespaces", parsed: ["team-a", "team-b"] },
  { flag: "leader-elect", value: undefined, key: "leaderElect", parsed: true },
  { flag: "leader-election-namespace", value: "ops", key: "leaderElectionNamespace", parsed: "ops" },
  { flag: "leader-election-id", value: "my-lease", key: "leaderElectionId", parsed: "my-lease" },
  { flag: "metrics-bind-address", value: "127.0.0.1:9090", key: "metricsBindAddress", parsed: "127.0.0.1:9090" },
  { flag: "health-probe-bind-address", value: ":9091", key: "healthProbeBindAddress", parsed: ":9091" },
  { flag: "max-concurrent-reconciles", value: "4", key: "maxConcurrentReconciles", parsed: 4 },
  { flag: "resync-period", value: "1h30m", key: "resyncPeriodMs", parsed: 90 * 60_000 },
  { flag: "unleash-timeout", value: "2500ms", key: "unleashTimeoutMs", parsed: 2_500 },
  { flag: "unleash-poll-interval", value: "30s", key: "unleashPollIntervalMs", parsed: 30_000 },
  { flag: "cluster-name", value: "prod-eu.1", key: "clusterName", parsed: "prod-eu.1" },
  { flag: "log-level", value: "debug", key: "logLevel", parsed: "debug" },
  { flag: "watch-inactivity-timeout", value: "45s", key: "watchInactivityTimeoutMs", parsed: 45_000 },
  { flag: "watch-cluster-connections", value: undefined, key: "watchClusterConnections", parsed: true },
  { flag: "help", value: undefined, key: "help", parsed: true },
  { flag: "version", value: undefined, key: "version", parsed: true },
];

const argv = (flag: string, value: string | undefined) => (value === undefined ? [`--${flag}`] : [`--${flag}`, value]);
const envName = (flag: string) => `UNLEASH_OPERATOR_${flag.replace(/-/g, "_").toUpperCase()}`;

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("has controller-runtime's defaults when nothing is set", () => {
    expect(loadConfig([], {})).toEqual({
      namespaces: [],
      leaderElect: false,
      leaderElectionId: "unleash-accounts-operator",
      metricsBindAddress: ":8080",
      healthProbeBindAddress: ":8081",
      maxConcurrentReconciles: 30,
      resyncPeriodMs: 10 * 60_000,
      unleashTimeoutMs: 10_000,
      unleashPollIntervalMs: 60_000,
      watchInactivityTimeoutMs: 120_000,
      watchClusterConnections: true,
      logLevel: "info",
      help: false,
      version: false,
    });
  });

  it.each(FLAGS)("reads --$flag", ({ flag, value, key, parsed }) => {
    expect(loadConfig(argv(flag, value), {})).toHaveProperty(key, parsed);
  });

  it.each(FLAGS)("reads --$flag from the environment too", ({ flag, value, key, parsed }) => {
    expect(loadConfig([], { [envName(flag)]: value ?? "true" })).toHaveProperty(key, parsed);
  });

  it("turns a boolean flag off with --no-<flag>", () => {
    expect(loadConfig(["--no-watch-cluster-connections"], {}).watchClusterConnections).toBe(false);
    expect(loadConfig([], { UNLEASH_OPERATOR_WATCH_CLUSTER_CONNECTIONS: "false" }).watchClusterConnections).toBe(false);
  });

  it("lets a flag win over the environment", () => {
    const env = { UNLEASH_OPERATOR_RESYNC_PERIOD: "5m", UNLEASH_OPERATOR_LOG_LEVEL: "warn", UNLEASH_OPERATOR_NAMESPACES: "x" };
    const config = loadConfig(["--resync-period", "1m", "--namespaces", "y"], env);
    expect(config.resyncPeriodMs).toBe(60_000);
    expect(config.namespaces).toEqual(["y"]);
    expect(config.logLevel).toBe("warn");
  });

  it("reads a boolean from the environment only as the word true", () => {
    expect(loadConfig([], { UNLEASH_OPERATOR_LEADER_ELECT: "false" }).leaderElect).toBe(false);
    expect(loadConfig([], { UNLEASH_OPERATOR_LEADER_ELECT: "true" }).leaderElect).toBe(true);
  });

  it("takes the Lease namespace from POD_NAMESPACE unless a flag names one", () => {
    expect(loadConfig([], { POD_NAMESPACE: "operators" }).leaderElectionNamespace).toBe("operators");
    expect(loadConfig(["--leader-election-namespace", "ops"], { POD_NAMESPACE: "operators" }).leaderElectionNamespace).toBe("ops");
  });

  it("accepts the IPv6 forms the health server listens on", () => {
    const config = loadConfig(["--metrics-bind-address", "[::]:8080", "--health-probe-bind-address", "[::1]:8081"], {});
    expect([config.metricsBindAddress, config.healthProbeBindAddress]).toEqual(["[::]:8080", "[::1]:8081"]);
  });

  it("disables an endpoint with the address 0", () => {
    const config = loadConfig(["--metrics-bind-address", "0", "--health-probe-bind-address", "0"], {});
    expect(config.metricsBindAddress).toBeUndefined();
    expect(config.healthProbeBindAddress).toBeUndefined();
  });

  it("ignores environment variables of other programs", () => {
    expect(loadConfig([], { RESYNC_PERIOD: "1s", UNLEASH_RESYNC_PERIOD: "1s", KUBECONFIG: "/x" })).toEqual(loadConfig([], {}));
  });

  it.each([
    ["resync-period", "ten minutes"],
    ["resync-period", "0s"],
    ["unleash-timeout", "10"],
    ["unleash-poll-interval", "500ms"],
    ["watch-inactivity-timeout", "20s"],
    ["metrics-bind-address", "localhost"],
    ["metrics-bind-address", "host:port"],
    ["health-probe-bind-address", ":99999999"],
    ["namespaces", "team-a,Team_B"],
    ["max-concurrent-reconciles", "many"],
    ["max-concurrent-reconciles", "0"],
    ["cluster-name", "prod eu"],
    ["log-level", "verbose"],
  ])("refuses --%s %j with a ConfigError that names the flag", (flag, value) => {
    expect(configError(() => loadConfig([`--${flag}`, value], {})).message).toContain(`--${flag}`);
  });

  it("refuses a port above 65535 instead of failing later at bind time", () => {
    expect(configError(() => loadConfig(["--metrics-bind-address", ":70000"], {})).message).toContain("--metrics-bind-address");
  });

  it("names the flag for an invalid value from the environment as well", () => {
    expect(configError(() => loadConfig([], { UNLEASH_OPERATOR_NAMESPACES: "Bad_Name" })).message).toContain("namespaces");
  });

  it("refuses unknown flags and positional arguments", () => {
    expect(configError(() => loadConfig(["--leader-elektion"], {})).message).toContain("--leader-elektion");
    expect(configError(() => loadConfig(["start"], {})).message).toContain("start");
  });

  it("refuses a value for a boolean flag rather than guessing", () => {
    configError(() => loadConfig(["--leader-elect=false"], {}));
  });
});

describe("helpText", () => {
  const text = helpText();
  const documented = [...text.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]);

  it("lists exactly the flags loadConfig accepts", () => {
    expect(documented.sort()).toEqual(FLAGS.map((f) => f.flag).sort());
  });

  it("names the environment variable of every flag", () => {
    for (const { flag } of FLAGS) expect(text).toContain(envName(flag));
  });

  it("documents flags that loadConfig really accepts", () => {
    for (const flag of documented) {
      const entry = FLAGS.find((f) => f.flag === flag);
      expect(() => loadConfig(argv(flag ?? "", entry?.value), {})).not.toThrow();
    }
  });
});
