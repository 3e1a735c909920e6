// A release of the chart installed into the shared control plane, and the
// operator run as a local process under the release's own ServiceAccount:
// no kubelet runs pods here, so the test plays the kubelet's part.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { KubeConfig, type V1Deployment } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { z } from "zod";
import { kubectl } from "../support/kubectl.js";
import { startOperator, type RunningOperator } from "../support/operator.js";
import { CHART_DIR, helm, helmOk, valuesFile } from "./helm.js";

export interface Release {
  name: string;
  namespace: string;
  /** Kubeconfig of the release's ServiceAccount, as a pod of the Deployment would have it. */
  serviceAccountKubeconfig: string;
  /** The operator's arguments from the installed Deployment. */
  deploymentArgs: readonly string[];
  uninstall(): Promise<void>;
}

/** Addresses and log level stay the test's: loopback ports of its own, debug logs. */
const TEST_OWNED_FLAGS = ["--metrics-bind-address", "--health-probe-bind-address", "--log-level", "--cluster-name", "--namespaces"];

const deploymentList = z.object({ items: z.array(z.unknown()).length(1) });

/** Installs the chart with `values` into a new namespace; `prepare` runs in between, as a user creates Secrets first. */
export async function installRelease(adminKubeconfig: string, values: object, prepare?: (namespace: string) => Promise<void>): Promise<Release> {
  const suffix = randomBytes(3).toString("hex");
  const name = `uao-${suffix}`;
  const namespace = `chart-release-${suffix}`;
  const admin = (args: readonly string[], stdin?: string) => kubectl(adminKubeconfig, args, stdin);
  /** `afterFailure`: the install may have left part of the release, or none; remove whatever is there. */
  const remove = async (afterFailure: boolean) => {
    const uninstall = ["uninstall", name, `--namespace=${namespace}`, `--kubeconfig=${adminKubeconfig}`, "--wait", "--timeout=60s"];
    await (afterFailure ? helm(uninstall) : helmOk(uninstall));
    await admin(["delete", "namespace", namespace, "--wait=false"]);
  };
  await admin(["create", "namespace", namespace]);
  try {
    await prepare?.(namespace);
    await helmOk(["install", name, CHART_DIR, `--namespace=${namespace}`, `--kubeconfig=${adminKubeconfig}`, "-f", await valuesFile(values)]);
    const list = deploymentList.parse(JSON.parse(await admin(["get", "deployments", "-n", namespace, "-l", `app.kubernetes.io/instance=${name}`, "-o", "json"])));
    const podSpec = (list.items[0] as V1Deployment).spec?.template.spec;
    const serviceAccount = podSpec?.serviceAccountName;
    if (!serviceAccount) throw new Error("the chart's Deployment names no ServiceAccount");
    const kubeconfig = await serviceAccountKubeconfig(adminKubeconfig, namespace, serviceAccount);
    return {
      name,
      namespace,
      serviceAccountKubeconfig: kubeconfig,
      deploymentArgs: podSpec.containers[0]?.args ?? [],
      uninstall: async () => {
        await remove(false);
        await rm(dirname(kubeconfig), { recursive: true, force: true });
      },
    };
  } catch (err) {
    await remove(true);
    throw err;
  }
}

/** A kubeconfig holding a TokenRequest token of the ServiceAccount: the identity the chart's RBAC binds. */
async function serviceAccountKubeconfig(adminKubeconfig: string, namespace: string, serviceAccount: string): Promise<string> {
  const token = (await kubectl(adminKubeconfig, ["create", "token", serviceAccount, "-n", namespace, "--duration=1h"])).trim();
  const admin = new KubeConfig();
  admin.loadFromFile(adminKubeconfig);
  const cluster = admin.getCurrentCluster();
  if (!cluster?.caData) throw new Error(`${adminKubeconfig} has no embedded CA`);
  const user = `system:serviceaccount:${namespace}:${serviceAccount}`;
  const document = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "control-plane", cluster: { server: cluster.server, "certificate-authority-data": cluster.caData } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: "sa", context: { cluster: "control-plane", user, namespace } }],
    "current-context": "sa",
  };
  const path = join(await mkdtemp(join(tmpdir(), "chart-sa-")), "kubeconfig");
  await writeFile(path, stringify(document), { mode: 0o600 });
  return path;
}

/** Starts the operator with the Deployment's arguments, under the release's ServiceAccount, watching `namespace`. */
export function startReleaseOperator(release: Release, namespace: string, clusterName?: string): Promise<RunningOperator> {
  const chartArgs = release.deploymentArgs.filter((arg) => !TEST_OWNED_FLAGS.some((flag) => arg.startsWith(`${flag}=`)));
  return startOperator({
    kubeconfigPath: release.serviceAccountKubeconfig,
    // Cluster mode watches all namespaces in a real cluster; here other tests' operators own
    // the other namespaces, so the operator stays in this test's one. Its RBAC stays cluster-wide.
    namespaces: [namespace],
    ...(clusterName ? { clusterName } : {}),
    extraArgs: chartArgs,
    env: { POD_NAMESPACE: release.namespace },
  });
}
