// helm install into the real control plane; the operator runs under the
// chart's ServiceAccount and RBAC only, against the emulator, and the
// examples become Ready. Removing one permission shows up on the resource.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { V1ClusterRole } from "@kubernetes/client-node";
import { fetch } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GROUP, VERSION } from "../../../src/api/v1alpha1/common.js";
import { eventually } from "../../harness/eventually.js";
import { repoRoot } from "../../harness/repo.js";
import { startEmulator, type RunningEmulator } from "../../unleash-emulator/index.js";
import { kubectl, kubectlBinary } from "../support/kubectl.js";
import type { RunningOperator } from "../support/operator.js";
import { tokenOf } from "../support/world.js";
import { deleteClusterConnection } from "../support/cluster-connection.js";
import { helmBinary } from "./helm.js";
import { installRelease, startReleaseOperator, type Release } from "./release.js";

const BUILD_HELM_TIMEOUT_MS = 20 * 60_000;
const adminKubeconfig = inject("kubeconfigPath");
const admin = (args: readonly string[], stdin?: string) => kubectl(adminKubeconfig, args, stdin);

/** examples/ as a user applies them, pointed at `namespace` and the emulator. */
function examplesFor(namespace: string, emulator: RunningEmulator): string {
  return readdirSync(join(repoRoot, "examples"))
    .filter((file) => file.endsWith(".yaml") && !file.startsWith("00-"))
    .sort()
    .map((file) => readFileSync(join(repoRoot, "examples", file), "utf8"))
    .join("\n---\n")
    .replaceAll("namespace: team-a", `namespace: ${namespace}`)
    .replace("http://127.0.0.1:4242", emulator.url)
    .replace('"*:*.emulator-admin-token"', `"${emulator.adminToken}"`);
}

const EXAMPLE_RESOURCES = [
  "unleashconnection.accounts.unleash.dev/unleash",
  "serviceaccount.accounts.unleash.dev/checkout-service",
  "serviceaccounttoken.accounts.unleash.dev/checkout-service-token",
];

/** One watched namespace with an emulator, a release of the chart and the operator under its identity. */
interface Installation {
  namespace: string;
  emulator: RunningEmulator;
  release: Release;
  operator: RunningOperator;
}

/** Waits with kubectl as a user scripts it; no namespace for cluster-scoped resources. */
async function waitReady(namespace: string | undefined, resources: readonly string[]): Promise<void> {
  const out = await admin(["wait", ...(namespace ? ["-n", namespace] : []), "--for=condition=Ready", "--timeout=60s", ...resources]);
  expect(out.match(/condition met/g)).toHaveLength(resources.length);
}

/** The token in the example's Secret acts in Unleash as the example's account. */
async function expectSecretWorksAsAccount(installation: Installation, secretName: string, username: string): Promise<void> {
  const secret = JSON.parse(await admin(["get", "secret", secretName, "-n", installation.namespace, "-o", "json"])) as Parameters<typeof tokenOf>[0];
  const response = await fetch(`${installation.emulator.url}/api/admin/user`, { headers: { authorization: tokenOf(secret) } });
  expect(response.status).toBe(200);
  expect(JSON.stringify(await response.json())).toContain(username);
}

async function teardown(installation: Partial<Installation>): Promise<void> {
  // Resources first, while the operator runs to release their finalizers.
  if (installation.namespace && installation.operator) {
    for (const kind of ["serviceaccounttokens", "serviceaccounts", "unleashconnections"]) {
      await admin(["delete", "-n", installation.namespace, `${kind}.${GROUP}`, "--all", "--timeout=30s"]).catch(() => undefined);
    }
  }
  await installation.operator?.stop();
  await installation.release?.uninstall();
  if (installation.namespace) await admin(["delete", "namespace", installation.namespace, "--wait=false"]).catch(() => undefined);
  await installation.emulator?.stop();
}

async function createNamespace(prefix: string): Promise<string> {
  const namespace = `${prefix}-${randomBytes(3).toString("hex")}`;
  await admin(["create", "namespace", namespace]);
  return namespace;
}

/** `kubectl auth can-i` as the identity of `kubeconfig`: it exits 0 for yes and 1 for no. */
async function canI(kubeconfig: string, args: readonly string[]): Promise<boolean> {
  const binary = await kubectlBinary();
  return new Promise((resolve, reject) => {
    execFile(binary, [`--kubeconfig=${kubeconfig}`, "auth", "can-i", "--quiet", ...args], (error) => {
      if (!error) resolve(true);
      else if (error.code === 1) resolve(false);
      else reject(error);
    });
  });
}

beforeAll(() => helmBinary().then(() => undefined), BUILD_HELM_TIMEOUT_MS);

describe("cluster mode: ClusterRole, and a default ClusterUnleashConnection from values", () => {
  const installation: Partial<Installation> = {};
  const connectionName = `chart-${randomBytes(3).toString("hex")}`;

  beforeAll(async () => {
    const emulator = (installation.emulator = await startEmulator());
    const namespace = (installation.namespace = await createNamespace("chart-cluster"));
    await admin(["label", "namespace", namespace, `unleash-chart-test=${connectionName}`]);
    // The admin token lives beside the operator, where adminTokenSecretRef.namespace defaults to.
    const adminTokenSecret = async (releaseNamespace: string) => {
      const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "unleash-admin" }, stringData: { token: emulator.adminToken } };
      await admin(["create", "-n", releaseNamespace, "-f", "-"], JSON.stringify(secret));
    };
    const release = (installation.release = await installRelease(
      adminKubeconfig,
      {
        crds: { install: false }, // the shared control plane has them already
        defaultConnection: {
          enabled: true,
          name: connectionName,
          url: emulator.url,
          adminTokenSecretRef: { name: "unleash-admin" },
          allowedNamespaces: { selector: { matchLabels: { "unleash-chart-test": connectionName } } },
          allowedRootRoles: ["Viewer"],
        },
      },
      adminTokenSecret,
    ));
    installation.operator = await startReleaseOperator(release, namespace);
    await admin(["apply", "-f", "-"], examplesFor(namespace, emulator));
  });
  afterAll(async () => {
    await teardown(installation);
    // Kept on uninstall (defaultConnection.keep), as a user's resources might still use it.
    await deleteClusterConnection(admin, connectionName);
  });

  it("gets the examples Ready, and their Secret works as the account", async () => {
    const namespace = installation.namespace ?? "";
    await waitReady(namespace, EXAMPLE_RESOURCES);
    await expectSecretWorksAsAccount(installation as Installation, "checkout-unleash", "checkout-service");
  });

  it("serves an account through the chart's ClusterUnleashConnection, admitted by namespace label", async () => {
    const namespace = installation.namespace ?? "";
    await admin(
      ["apply", "-n", namespace, "-f", "-"],
      `apiVersion: ${GROUP}/${VERSION}
kind: ServiceAccount
metadata: { name: cluster-connected }
spec:
  connectionRef: { kind: ClusterUnleashConnection, name: ${connectionName} }
  rootRole: Viewer
`,
    );
    await waitReady(namespace, ["serviceaccount.accounts.unleash.dev/cluster-connected"]);
    await waitReady(undefined, [`clusterunleashconnection.accounts.unleash.dev/${connectionName}`]);
  });

  it("without `create` on Secrets, says on the token which permission is missing", async () => {
    const namespace = installation.namespace ?? "";
    const roles = JSON.parse(await admin(["get", "clusterroles", "-l", `app.kubernetes.io/instance=${installation.release?.name}`, "-o", "json"])) as { items: V1ClusterRole[] };
    expect(roles.items).toHaveLength(1);
    const role = roles.items[0] as V1ClusterRole;
    for (const rule of role.rules ?? []) if (rule.resources?.includes("secrets")) rule.verbs = rule.verbs.filter((verb) => verb !== "create");
    await admin(["replace", "-f", "-"], JSON.stringify(role));

    await admin(
      ["apply", "-n", namespace, "-f", "-"],
      `apiVersion: ${GROUP}/${VERSION}
kind: ServiceAccountToken
metadata: { name: second-token }
spec:
  serviceAccountRef: { name: checkout-service }
  secret: { name: second-unleash }
`,
    );
    const condition = await eventually(
      async () => {
        const token = JSON.parse(await admin(["get", "serviceaccounttoken", "second-token", "-n", namespace, "-o", "json"])) as {
          status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> };
        };
        const ready = token.status?.conditions?.find((c) => c.type === "Ready");
        if (ready?.reason !== "KubernetesError") throw new Error(`Ready is ${JSON.stringify(ready)}`);
        return ready;
      },
      { timeoutMs: 30_000 },
    );
    expect(condition.status).toBe("False");
    expect(condition.message).toContain('cannot create resource "secrets"');
    expect(condition.message).toContain(`system:serviceaccount:${installation.release?.namespace}:`);
  });
});

describe("namespaced mode: Roles in the watched namespace only", () => {
  const installation: Partial<Installation> = {};

  beforeAll(async () => {
    const emulator = (installation.emulator = await startEmulator());
    const namespace = (installation.namespace = await createNamespace("chart-namespaced"));
    const release = (installation.release = await installRelease(adminKubeconfig, {
      crds: { install: false },
      watchNamespaces: [namespace],
      clusterName: "chart-namespaced",
    }));
    installation.operator = await startReleaseOperator(release, namespace, "chart-namespaced");
    await admin(["apply", "-f", "-"], examplesFor(namespace, emulator));
  });
  afterAll(() => teardown(installation));

  it("gets the examples Ready, and their Secret works as the account", async () => {
    await waitReady(installation.namespace ?? "", EXAMPLE_RESOURCES);
    await expectSecretWorksAsAccount(installation as Installation, "checkout-unleash", "checkout-service");
  });

  it("gives the operator no Secret access outside the watched namespace", async () => {
    const operatorCan = (args: readonly string[]) => canI(installation.release?.serviceAccountKubeconfig ?? "", args);
    expect(await operatorCan(["create", "secrets", "-n", installation.namespace ?? ""])).toBe(true);
    expect(await operatorCan(["get", "secrets", "-n", "kube-system"])).toBe(false);
    expect(await operatorCan(["list", "secrets", "--all-namespaces"])).toBe(false);
    expect(await operatorCan(["get", "namespaces"])).toBe(false);
    expect(await operatorCan(["list", "clusterunleashconnections.accounts.unleash.dev"])).toBe(false);
  });
});
