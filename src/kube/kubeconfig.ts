import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";

export class NoClusterConfiguredError extends Error {
  constructor() {
    super(
      "no Kubernetes cluster configured: set KUBECONFIG (or --kubeconfig) to a kubeconfig file, or run in a pod with a service account",
    );
    this.name = "NoClusterConfiguredError";
  }
}

const IN_CLUSTER_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * Loads a kubeconfig from an explicit path, $KUBECONFIG, or the in-cluster
 * service account, and fails at once otherwise: client-node's loadFromDefault
 * silently falls back to http://localhost:8080.
 */
export function loadKubeConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kubeConfig = new KubeConfig();
  const file = path ?? env.KUBECONFIG?.split(":").find((candidate) => candidate && existsSync(candidate));
  if (file) {
    kubeConfig.loadFromFile(file);
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(IN_CLUSTER_TOKEN)) {
    kubeConfig.loadFromCluster();
  } else {
    throw new NoClusterConfiguredError();
  }
  if (!kubeConfig.getCurrentCluster()) throw new NoClusterConfiguredError();
  return kubeConfig;
}
