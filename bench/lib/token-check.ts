// Proves that Secrets hold tokens that work: each one is presented to Unleash's
// GET /api/admin/user, which must name the token's own service account. Token values are
// never printed or stored.
import { Pool } from "undici";
import { forEachConcurrently, type KubeHttp } from "./kube-http.js";
import type { TokenRef } from "./workload.js";
import { key } from "./workload.js";

export interface TokenCheck {
  checked: number;
  working: number;
  /** "namespace/name: why" of each Secret whose token did not work (never the token). */
  failures: string[];
}

interface SecretItem {
  metadata?: { name?: string; namespace?: string };
  data?: Record<string, string>;
}

/** Checks the Secret of every token in `tokens` (Secret name = token resource name). */
export async function checkTokens(http: KubeHttp, tokens: readonly TokenRef[], unleashUrl: string): Promise<TokenCheck> {
  const wanted = new Map(tokens.map((token) => [key(token), token]));
  const secrets = new Map<string, SecretItem>();
  for (const namespace of new Set(tokens.map((token) => token.namespace))) {
    const answer = await http.expect("GET", `/api/v1/namespaces/${namespace}/secrets?labelSelector=${encodeURIComponent("app.kubernetes.io/managed-by=unleash-accounts-operator")}`);
    for (const item of (answer.body as { items?: SecretItem[] }).items ?? []) {
      const secretKey = `${item.metadata?.namespace}/${item.metadata?.name}`;
      if (wanted.has(secretKey)) secrets.set(secretKey, item);
    }
  }
  const url = new URL(unleashUrl);
  const pool = new Pool(url.origin, { connections: 10 });
  const failures: string[] = [];
  try {
    await forEachConcurrently([...wanted.entries()], 20, async ([secretKey, token]) => {
      const encoded = secrets.get(secretKey)?.data?.UNLEASH_API_TOKEN;
      if (!encoded) return void failures.push(`${secretKey}: no Secret or no UNLEASH_API_TOKEN`);
      const answer = await pool.request({
        method: "GET",
        path: `${url.pathname.replace(/\/$/, "")}/api/admin/user`,
        headers: { authorization: Buffer.from(encoded, "base64").toString("utf8") },
      });
      const body = (await answer.body.json()) as { user?: { username?: string } };
      if (answer.statusCode !== 200) failures.push(`${secretKey}: Unleash answered ${answer.statusCode}`);
      else if (body.user?.username !== token.account) failures.push(`${secretKey}: token belongs to ${body.user?.username}, not ${token.account}`);
    });
  } finally {
    await pool.close();
  }
  return { checked: wanted.size, working: wanted.size - failures.length, failures };
}
