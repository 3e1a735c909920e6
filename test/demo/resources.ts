// The operator's resources and Secrets as kubectl shows them, parsed down to what the demo shows.
import { z } from "zod";
import { kubectl } from "../integration/support/kubectl.js";

const tokenResource = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    serviceAccountRef: z.object({ name: z.string() }),
    secret: z.object({ keys: z.object({ token: z.string().optional() }).optional() }).optional(),
  }),
  status: z.object({ secretName: z.string().optional(), expiresAt: z.string().optional() }).optional(),
});

const accountResource = z.object({
  status: z.object({ username: z.string().optional(), rootRole: z.object({ name: z.string() }).optional() }).optional(),
});

const secretObject = z.object({
  metadata: z.object({ annotations: z.record(z.string(), z.string()).default({}) }),
  data: z.record(z.string(), z.string()).default({}),
});

/** The CRD's default for spec.secret.keys.token. */
const DEFAULT_TOKEN_KEY = "UNLEASH_API_TOKEN";
const TOKEN_HASH_ANNOTATION = "accounts.unleash.dev/token-sha256";

export interface IssuedToken {
  resource: string;
  expiresAt: string | undefined;
  account: { resource: string; username: string; rootRole: string | undefined };
  secret: { name: string; tokenKey: string; keys: Map<string, string>; recordedSha256: string | undefined };
}

/** Every ServiceAccountToken in the namespace, with its account and its Secret's contents. */
export async function issuedTokens(kubeconfigPath: string, namespace: string): Promise<IssuedToken[]> {
  const get = async (what: string) => JSON.parse(await kubectl(kubeconfigPath, ["get", "-n", namespace, "-o", "json", what])) as unknown;
  const { items } = z.object({ items: z.array(tokenResource) }).parse(await get("serviceaccounttokens.accounts.unleash.dev"));
  return Promise.all(
    items.map(async (token) => {
      const accountName = token.spec.serviceAccountRef.name;
      const account = accountResource.parse(await get(`serviceaccounts.accounts.unleash.dev/${accountName}`));
      const secretName = token.status?.secretName ?? token.metadata.name;
      const secret = secretObject.parse(await get(`secret/${secretName}`));
      const decoded = Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")] as const);
      return {
        resource: token.metadata.name,
        expiresAt: token.status?.expiresAt,
        account: { resource: accountName, username: account.status?.username ?? accountName, rootRole: account.status?.rootRole?.name },
        secret: {
          name: secretName,
          tokenKey: token.spec.secret?.keys?.token ?? DEFAULT_TOKEN_KEY,
          keys: new Map(decoded),
          recordedSha256: secret.metadata.annotations[TOKEN_HASH_ANNOTATION],
        },
      };
    }),
  );
}
