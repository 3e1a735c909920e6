import type { V1Secret } from "@kubernetes/client-node";
import { z } from "zod";

/**
 * A managed Secret as the informer keeps it: without metadata.managedFields,
 * which the operator never reads and which can outweigh the rest of the object.
 */
export function cachedSecret(raw: unknown): V1Secret | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const secret = raw as V1Secret;
  if (secret.metadata?.managedFields === undefined) return secret;
  const { managedFields: _dropped, ...metadata } = secret.metadata;
  return { ...secret, metadata };
}

const namespaceSchema = z.object({
  metadata: z.object({ name: z.string(), labels: z.record(z.string(), z.string()).default({}) }),
});

/** A namespace as the operator needs it: its name and labels, for ClusterUnleashConnection selectors. */
export type CachedNamespace = z.infer<typeof namespaceSchema>;

export function cachedNamespace(raw: unknown): CachedNamespace | undefined {
  const parsed = namespaceSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
