import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { stalled } from "../../api/v1alpha1/conditions.js";
import { isNotFound } from "../../kube/api-errors.js";
import { StalledError } from "../shared/outcomes.js";

export interface SecretKeyRef {
  namespace: string;
  name: string;
  key: string;
}

/** Reads one key of a Secret, as text; a missing Secret or key is a Stalled error that says which. */
export class SecretKeyReader {
  readonly #api: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(CoreV1Api);
  }

  async read(ref: SecretKeyRef, what: string): Promise<string> {
    const where = `Secret ${ref.namespace}/${ref.name}`;
    try {
      const secret = await this.#api.readNamespacedSecret({ namespace: ref.namespace, name: ref.name });
      const encoded = secret.data?.[ref.key];
      if (!encoded) throw new StalledError(stalled("AdminTokenSecretNotFound", `${where} has no key "${ref.key}" with the ${what}`));
      return Buffer.from(encoded, "base64").toString("utf8").trim();
    } catch (err) {
      if (isNotFound(err)) throw new StalledError(stalled("AdminTokenSecretNotFound", `${where} with the ${what} does not exist`));
      throw err;
    }
  }
}

/**
 * The admin token, read from its Secret on demand and kept only briefly, so
 * that a rotated token is used within seconds without a restart while a burst
 * of calls does not turn into a burst of Secret reads.
 */
export function cachedSecretKey(reader: SecretKeyReader, ref: SecretKeyRef, ttlMs: number, now = Date.now): () => Promise<string> {
  let cached: { value: Promise<string>; at: number } | undefined;
  return () => {
    if (!cached || now() - cached.at > ttlMs) {
      const value = reader.read(ref, "Unleash admin token");
      cached = { value, at: now() };
      value.catch(() => (cached = undefined));
    }
    return cached.value;
  };
}
