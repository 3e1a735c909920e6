import { existsSync } from "node:fs";
import type { AgentOptions, RequestOptions } from "node:https";
import { HttpMethod, KubeConfig, type RequestContext } from "@kubernetes/client-node";
import { fenceInterceptor, OPEN_FENCE, type WriteFence } from "../runtime/fence.js";
import { NoClusterConfiguredError } from "./no-cluster.js";
import { Agent } from "undici";

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/** Long enough to matter, short enough that a rotated client certificate or CA is picked up. */
const POOL_LIFETIME_MS = 10 * 60_000;
/**
 * Every request shares one HTTP/2 connection, so a connection that dies
 * silently (half-open) must be noticed fast: an unanswered PING resets it
 * within two intervals (client-go: 30 s read-idle + 15 s ping timeout).
 */
const H2_PING_INTERVAL_MS = 10_000;
/** A bound for every Kubernetes call; a watch answers its headers at once too. */
const HEADERS_TIMEOUT_MS = 30_000;

const LEASES = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/[^/]+\/leases(\/|$)/;


const IN_CLUSTER_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * client-node 2.0 builds a new undici Agent for every request, so every call
 * pays a fresh TCP and TLS handshake (on both sides). This shares one Agent,
 * with its kept-alive connections, among every request and watch, health-checks
 * it, and replaces it every few minutes so that credentials re-read from files
 * take effect.
 */
export class PooledKubeConfig extends KubeConfig {
  #pool: { dispatcher: Promise<Dispatcher | undefined>; createdAt: number } | undefined;
  #fence: WriteFence = OPEN_FENCE;

  /**
   * Every Kubernetes write goes through here just before it is sent, whichever client makes it: the one
   * place where a write can be refused for a lost lease. The Lease itself is exempt: renewing it is how
   * the lease is kept.
   */
  setWriteFence(fence: WriteFence): void {
    this.#fence = fence;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const pooled = context.getDispatcher() === undefined ? undefined : await this.#pooled();
    if (pooled) {
      // The pooled dispatcher checks the fence itself, at dispatch.
      context.setDispatcher(pooled);
      return;
    }
    // Clients that keep their own dispatcher (a proxy) are checked here, as late as this hook gets.
    const method = context.getHttpMethod();
    if (method !== HttpMethod.GET && method !== HttpMethod.HEAD) {
      const path = new URL(context.getUrl()).pathname;
      if (!LEASES.test(path)) this.#fence.assertCanWrite(`${method} ${path}`);
    }
  }


  #pooled(): Promise<Dispatcher | undefined> {
    const now = Date.now();
    if (this.#pool && now - this.#pool.createdAt < POOL_LIFETIME_MS) return this.#pool.dispatcher;
    const previous = this.#pool?.dispatcher;
    const dispatcher = this.#createAgent();
    this.#pool = { dispatcher, createdAt: now };
    // close() lets requests in flight, watches included, finish first.
    void previous?.then((old) => old?.close()).catch(() => {});
    return dispatcher;
  }

  /** An Agent with the connection options client-node would use; undefined for proxies, which keep client-node's own. */
  async #createAgent(): Promise<Dispatcher | undefined> {
    const tls: RequestOptions & AgentOptions = {};
    await this.applyToHTTPSOptions(tls);
    const options = this.createDispatcherOptions(this.getCurrentCluster(), tls);
    if (options.type !== "agent") return undefined;
    const agent = new Agent({ connect: options.connect, headersTimeout: HEADERS_TIMEOUT_MS, h2Options: { pingInterval: H2_PING_INTERVAL_MS } });
    return agent.compose(fenceInterceptor({ assertCanWrite: (what) => this.#fence.assertCanWrite(what) }, (path) => LEASES.test(new URL(path, "https://api").pathname)));
  }
}

/**
 * Loads a kubeconfig from an explicit path, $KUBECONFIG, or the in-cluster
 * service account, and fails at once otherwise: client-node's loadFromDefault
 * silently falls back to http://localhost:8080.
 */
export function loadKubeConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): PooledKubeConfig {
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
