// A minimal Kubernetes client for the benchmark itself: raw JSON over one keep-alive undici
// Agent with the kubeconfig's client certificate. The benchmark's own traffic (applying the
// workload, watching progress) and the floor client use it; it is what "no overhead" looks like.
import { Agent } from "undici";
import { endpointOf, type KubeEndpoint } from "../../test/harness/kube-endpoint.js";

export interface KubeAnswer {
  status: number;
  body: unknown;
}

export class KubeRequestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${method} ${path}: HTTP ${status} ${detail.slice(0, 300)}`);
    this.name = "KubeRequestError";
  }
}

export interface WatchEvent {
  type: string;
  object: unknown;
}

export class KubeHttp {
  readonly #agent: Agent;
  readonly #origin: string;

  constructor(readonly endpoint: KubeEndpoint) {
    this.#origin = new URL(endpoint.server).origin;
    // bodyTimeout 0: watches stay silent for minutes.
    this.#agent = new Agent({ connect: { ca: endpoint.ca, cert: endpoint.cert, key: endpoint.key }, bodyTimeout: 0, headersTimeout: 60_000 });
  }

  static fromKubeconfig(path: string): KubeHttp {
    return new KubeHttp(endpointOf(path));
  }

  async request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<KubeAnswer> {
    const response = await this.#agent.request({
      origin: this.#origin,
      path,
      method: method as "GET",
      headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": contentType }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** Like request, but throws unless the answer is 2xx (or one of `accept`). */
  async expect(method: string, path: string, body?: unknown, options: { contentType?: string; accept?: number[] } = {}): Promise<KubeAnswer> {
    const answer = await this.request(method, path, body, options.contentType);
    if ((answer.status < 200 || answer.status > 299) && !options.accept?.includes(answer.status)) {
      throw new KubeRequestError(method, path, answer.status, JSON.stringify(answer.body ?? ""));
    }
    return answer;
  }

  /**
   * Streams watch events of `path` (query included) until the server ends the watch or
   * `signal` aborts; resolves with the status of the answer.
   */
  async watch(path: string, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<number> {
    const response = await this.#agent.request({ origin: this.#origin, path, method: "GET", headers: { accept: "application/json" }, signal });
    if (response.statusCode !== 200) {
      await response.body.text();
      return response.statusCode;
    }
    let buffered = "";
    try {
      for await (const chunk of response.body) {
        buffered += (chunk as Buffer).toString("utf8");
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent);
          newline = buffered.indexOf("\n");
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
    return 200;
  }

  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
