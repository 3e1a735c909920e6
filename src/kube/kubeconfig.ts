import { existsSync } from "node:fs";
import { KubeConfig, type RequestContext } from "@kubernetes/client-node";

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/** Long enough to matter, short enough that a rotated client certificate or CA is picked up. */
const POOL_LIFETIME_MS = 10 * 60_000;

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
 * client-node 2.0 builds a new undici Agent for every request, so every call
 * pays a fresh TCP and TLS handshake (on both sides). This reuses one Agent,
 * with its keep-alive connections, for every request and watch, and replaces
 * it every few minutes so that credentials re-read from files take effect.
 */
export class PooledKubeConfig extends KubeConfig {
  #pool: { dispatcher: Dispatcher; createdAt: number } | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh !== undefined) context.setDispatcher(this.#pooled(fresh));
  }

  #pooled(fresh: Dispatcher): Dispatcher {
    const now = Date.now();
    if (this.#pool && now - this.#pool.createdAt < POOL_LIFETIME_MS) return this.#pool.dispatcher;
    // close() lets requests in flight, watches included, finish first.
    this.#pool?.dispatcher.close().catch(() => {});
    this.#pool = { dispatcher: fresh, createdAt: now };
    return fresh;
  }
}

/**
 * Loads a kubeconfig from an explicit path, $KUBECONFIG, or the in-cluster
 * service account, and fails at once otherwise: client-node's loadFromDefault
 * silently falls back to http://localhost:8080.
 */
export function loadKubeConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kubeConfig = new PooledKubeConfig();
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
