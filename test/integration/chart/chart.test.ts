// The chart as helm and the real API server see it: lint, schema, rendering
// choices, and a server-side dry run of everything it renders.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { V1ClusterRole, V1ClusterRoleBinding, V1Container, V1Deployment, V1PodDisruptionBudget, V1Role, V1Service } from "@kubernetes/client-node";
import { parse } from "yaml";
import { repoRoot } from "../../harness/repo.js";
import { kubectl } from "../support/kubectl.js";
import { CHART_DIR, helm, helmBinary, renderChart, valuesFile, type Manifest } from "./helm.js";

const BUILD_HELM_TIMEOUT_MS = 20 * 60_000;
const namespacedValues = { watchNamespaces: ["team-a", "team-b"], clusterName: "prod-eu" };
/** Every optional part of the chart switched on. */
const everythingEnabled = {
  serviceMonitor: { enabled: true },
  prometheusRule: { enabled: true, labels: { release: "kube-prometheus-stack" }, additionalRuleLabels: { team: "platform" } },
  grafanaDashboard: { enabled: true, annotations: { grafana_folder: "Operators" } },
  defaultConnection: { enabled: true, url: "https://unleash.example.com", adminTokenSecretRef: { name: "unleash-admin" } },
};

const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
/** The one object of `kind`, typed as the caller reads it. */
function one<T>(manifests: Manifest[], kind: string): T {
  const found = ofKind(manifests, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, got ${found.length}`);
  return found[0] as unknown as T;
}
function containerOf(manifests: Manifest[]): V1Container {
  const container = one<V1Deployment>(manifests, "Deployment").spec?.template.spec?.containers[0];
  if (!container) throw new Error("the Deployment has no container");
  return container;
}
const grants = (role: V1Role | V1ClusterRole, resource: string, verb: string) =>
  (role.rules ?? []).some((rule) => rule.resources?.includes(resource) && rule.verbs.includes(verb));

interface ServiceMonitor {
  spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; honorLabels?: boolean }> };
}

beforeAll(() => helmBinary().then(() => undefined), BUILD_HELM_TIMEOUT_MS);

describe("helm lint", () => {
  it("passes with the default values, in namespaced mode and with everything enabled", async () => {
    const cluster = await helm(["lint", "--strict", CHART_DIR]);
    expect(cluster.code, cluster.stdout + cluster.stderr).toBe(0);
    const namespaced = await helm(["lint", "--strict", CHART_DIR, "-f", await valuesFile(namespacedValues)]);
    expect(namespaced.code, namespaced.stdout + namespaced.stderr).toBe(0);
    const everything = await helm(["lint", "--strict", CHART_DIR, "-f", await valuesFile(everythingEnabled)]);
    expect(everything.code, everything.stdout + everything.stderr).toBe(0);
  });

  it.each([
    ["a replica count that is not a number", { replicas: "two" }, "replicas"],
    ["an unknown top-level key", { replica: 2 }, "replica"],
    ["an unknown key in a sub-object", { image: { repository: "x", tga: "1" } }, "tga"],
    ["a log level the operator does not know", { logLevel: "verbose" }, "logLevel"],
    ["a resync period that is not a duration", { resyncPeriod: "ten minutes" }, "resyncPeriod"],
    ["namespaced mode without a cluster name", { watchNamespaces: ["team-a"] }, "clusterName"],
    ["several replicas without leader election", { leaderElection: { enabled: false } }, "replicas"],
    ["a default connection without a URL", { defaultConnection: { enabled: true, adminTokenSecretRef: { name: "admin" } } }, "url"],
    ["an alert threshold that is not a Prometheus duration", { prometheusRule: { thresholds: { stalledFor: "15" } } }, "stalledFor"],
    ["an alert label that Prometheus would refuse", { prometheusRule: { additionalRuleLabels: { "owning-team": "platform" } } }, "owning-team"],
    ["a token limit above Unleash's", { prometheusRule: { thresholds: { accountTokens: 11 } } }, "accountTokens"],
    ["an unknown key of the dashboard", { grafanaDashboard: { label: { grafana_dashboard: "1" } } }, "label"],
    ["a default connection in namespaced mode", { ...namespacedValues, defaultConnection: { enabled: true, url: "https://unleash.example.com", adminTokenSecretRef: { name: "admin" } } }, "watchNamespaces"],
  ])("rejects %s", async (_, values, offending) => {
    const result = await helm(["lint", CHART_DIR, "-f", await valuesFile(values)]);
    expect(result.code).not.toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toContain("values don't meet the specifications of the schema");
    expect(output).toContain(offending);
  });
});

describe("what the chart renders", () => {
  it("ships the CRDs of crds/ unchanged, kept on uninstall unless crds.keep is false", async () => {
    const expected = readdirSync(join(repoRoot, "crds"))
      .filter((file) => file.endsWith(".yaml"))
      .map((file) => parse(readFileSync(join(repoRoot, "crds", file), "utf8")) as Manifest)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const { manifests } = await renderChart({});
    const crds = ofKind(manifests, "CustomResourceDefinition").sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    expect(crds.map((crd) => crd.metadata.annotations?.["helm.sh/resource-policy"])).toEqual(expected.map(() => "keep"));
    const withoutChartMetadata = crds.map(({ metadata: { labels: _labels, annotations: _annotations, ...metadata }, ...rest }) => ({ ...rest, metadata }));
    expect(withoutChartMetadata, "run hack/sync-chart-crds.sh").toEqual(expected);

    const notKept = await renderChart({ crds: { keep: false } });
    expect(ofKind(notKept.manifests, "CustomResourceDefinition").map((crd) => crd.metadata.annotations)).toEqual(expected.map(() => undefined));
    const notInstalled = await renderChart({ crds: { install: false } });
    expect(ofKind(notInstalled.manifests, "CustomResourceDefinition")).toEqual([]);
  });

  it("runs two replicas under leader election, restricted and probed", async () => {
    const { manifests } = await renderChart({}, { namespace: "ops" });
    const deployment = one<V1Deployment>(manifests, "Deployment");
    const container = containerOf(manifests);
    expect(deployment.spec?.replicas).toBe(2);
    expect(container.args).toEqual(expect.arrayContaining(["--leader-elect", "--leader-election-namespace=ops"]));
    expect(container.args?.some((arg) => arg.startsWith("--namespaces"))).toBe(false);
    expect(container.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "probes" });
    expect(container.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "probes" });
    expect(container.env).toContainEqual({ name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } });
    expect(one<V1PodDisruptionBudget>(manifests, "PodDisruptionBudget").spec?.minAvailable).toBe(1);
    const single = await renderChart({ replicas: 1 });
    expect(ofKind(single.manifests, "PodDisruptionBudget")).toEqual([]);
  });

  it("grants cluster mode one ClusterRole, and namespaced mode Roles in the watched namespaces only", async () => {
    const cluster = await renderChart({}, { namespace: "ops" });
    const clusterRole = one<V1ClusterRole>(cluster.manifests, "ClusterRole");
    expect(grants(clusterRole, "clusterunleashconnections", "watch")).toBe(true);
    expect(grants(clusterRole, "namespaces", "get")).toBe(true);
    expect(one<V1ClusterRoleBinding>(cluster.manifests, "ClusterRoleBinding").subjects).toEqual([{ kind: "ServiceAccount", name: "uao-unleash-accounts-operator", namespace: "ops" }]);

    const namespaced = await renderChart(namespacedValues, { namespace: "ops" });
    expect(ofKind(namespaced.manifests, "ClusterRole")).toEqual([]);
    expect(ofKind(namespaced.manifests, "ClusterRoleBinding")).toEqual([]);
    const roles = ofKind(namespaced.manifests, "Role") as unknown as V1Role[];
    expect(roles.map((r) => r.metadata?.namespace).sort()).toEqual(["ops", "team-a", "team-b"]);
    for (const role of roles.filter((r) => r.metadata?.namespace !== "ops")) {
      expect(grants(role, "secrets", "create")).toBe(true);
      expect(grants(role, "namespaces", "get") || grants(role, "clusterunleashconnections", "list")).toBe(false);
    }
    const leaderElection = roles.find((r) => r.metadata?.namespace === "ops");
    expect(leaderElection?.rules?.flatMap((rule) => rule.resources)).toEqual(["leases", "leases"]);
    expect(containerOf(namespaced.manifests).args).toEqual(
      expect.arrayContaining(["--namespaces=team-a,team-b", "--no-watch-cluster-connections", "--cluster-name=prod-eu"]),
    );
  });

  it("monitors the metrics Service when serviceMonitor.enabled", async () => {
    const { manifests } = await renderChart({ serviceMonitor: { enabled: true } });
    const service = one<V1Service>(manifests, "Service");
    const monitor = one<ServiceMonitor>(manifests, "ServiceMonitor");
    expect(service.metadata?.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(service.spec?.ports?.map((port) => port.name)).toContain(monitor.spec.endpoints[0]?.port);
    // The per-resource metrics' namespace label is the resource's, which the alerts and the dashboard read.
    expect(monitor.spec.endpoints[0]?.honorLabels).toBe(true);
    expect(ofKind((await renderChart({})).manifests, "ServiceMonitor")).toEqual([]);
  });
});

describe("helm template | kubectl apply --dry-run=server", () => {
  const kubeconfigPath = inject("kubeconfigPath");
  const suffix = randomBytes(3).toString("hex");
  const releaseNamespace = `chart-dry-${suffix}`;
  const watched = [`chart-dry-a-${suffix}`, `chart-dry-b-${suffix}`];
  const admin = (args: readonly string[], stdin?: string) => kubectl(kubeconfigPath, args, stdin);

  beforeAll(async () => {
    // enforce=restricted: a Pod from the chart's template must pass the restricted Pod Security Standard.
    await admin(["create", "namespace", releaseNamespace]);
    await admin(["label", "namespace", releaseNamespace, "pod-security.kubernetes.io/enforce=restricted"]);
    for (const namespace of watched) await admin(["create", "namespace", namespace]);
  });
  afterAll(async () => {
    await admin(["delete", "namespace", releaseNamespace, ...watched, "--wait=false"]);
  });

  const dryRun = async (values: object) => {
    const { text, manifests } = await renderChart(values, { release: `dry-${suffix}`, namespace: releaseNamespace });
    const out = await admin(["apply", "--dry-run=server", "-f", "-"], text);
    return { out, manifests };
  };
  const expectAccepted = (out: string, manifests: Manifest[]) => {
    const accepted = out.split("\n").filter((line) => / (created|configured|unchanged) \(server dry run\)$/.test(line));
    expect(accepted.length, out).toBe(manifests.length);
  };

  // The Prometheus Operator's kinds (ServiceMonitor, PrometheusRule) need its CRDs, which this
  // control plane does not have: test/integration/observability runs promtool on the rules instead.
  it("accepts everything cluster mode renders, CRDs, the default connection and the dashboard included", async () => {
    const { out, manifests } = await dryRun({
      grafanaDashboard: { enabled: true },
      defaultConnection: {
        enabled: true,
        url: "https://unleash.example.com",
        adminTokenSecretRef: { name: "unleash-admin" },
        allowedNamespaces: { selector: { matchLabels: { team: "a" } } },
        allowedRootRoles: ["Viewer", "Editor"],
        allowAdoption: false,
        projectAccess: [{ namespaces: { names: ["team-a"] }, projects: ["team-a"], roles: ["*"] }, { projects: ["default"], roles: ["Member"] }],
      },
    });
    expect(manifests.map((m) => m.kind)).toEqual(expect.arrayContaining(["CustomResourceDefinition", "ClusterRole", "Deployment", "ClusterUnleashConnection", "ConfigMap"]));
    const connection = manifests.find((m) => m.kind === "ClusterUnleashConnection");
    expect(connection).toMatchObject({ spec: { allowAdoption: false, projectAccess: [{ projects: ["team-a"] }, { roles: ["Member"] }] } });
    expectAccepted(out, manifests);
  });

  it("accepts everything namespaced mode renders", async () => {
    const { out, manifests } = await dryRun({ watchNamespaces: watched, clusterName: "prod-eu", crds: { install: false } });
    expectAccepted(out, manifests);
  });

  it("renders a pod that the restricted Pod Security Standard admits", async () => {
    const { manifests } = await renderChart({}, { namespace: releaseNamespace });
    const podSpec = one<V1Deployment>(manifests, "Deployment").spec?.template.spec;
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: `pod-${suffix}`, namespace: releaseNamespace }, spec: podSpec };
    const out = await admin(["apply", "--dry-run=server", "-f", "-"], JSON.stringify(pod));
    expect(out).toContain("created (server dry run)");
  });
});
