import type { V1Secret } from "@kubernetes/client-node";
import type { EventSink } from "../../kube/events.js";
import type { SecretClient } from "../../kube/secrets.js";
import { TOKEN_KIND, type TokenContext } from "./context.js";
import type { Execution } from "./execute.js";
import { Annotations, ownershipOf } from "./secret-record.js";
import { secretNameOf } from "./secret-writer.js";

export interface TokenSecretsDeps {
  secrets: Pick<SecretClient, "get" | "delete">;
  /** The Secrets whose ownerReference names this resource UID (an index over the Secret cache). */
  ownedSecrets(ownerUid: string): V1Secret[];
  events: EventSink;
}

export interface ObservedSecret {
  secret: V1Secret | undefined;
  /** The Secret the resource used before spec.secret.name changed, while the new one does not exist yet. */
  renamedFrom?: V1Secret;
}

/**
 * The Secret the spec names, and, when it does not exist yet because spec.secret.name changed, the
 * Secret the resource used before: its token is the current one until the rotation into the new name.
 */
export async function observeSecret(context: TokenContext, read: (name: string) => Promise<V1Secret | undefined> | V1Secret | undefined): Promise<ObservedSecret> {
  const name = secretNameOf(context.meta, context.spec);
  const secret = await read(name);
  const before = context.status.current.secretName;
  if (secret || before === undefined || before === name) return { secret };
  const previous = await read(before);
  return ownershipOf(previous, context.meta.uid) === "owned" ? { secret, renamedFrom: previous } : { secret };
}

/** Secrets of this resource that its spec no longer names go once the token they hold is out of its grace period. */
export async function deleteStaleSecrets(deps: TokenSecretsDeps, context: TokenContext, execution: Execution): Promise<void> {
  const current = secretNameOf(context.meta, context.spec);
  const held = new Set(execution.held.map((h) => h.id));
  for (const stale of deps.ownedSecrets(context.meta.uid)) {
    const name = stale.metadata?.name;
    const uid = stale.metadata?.uid;
    if (!name || !uid || name === current || held.has(Number(stale.metadata?.annotations?.[Annotations.tokenId]))) continue;
    await deps.secrets.delete(context.namespace, name, uid);
    deps.events.record(TOKEN_KIND, context.meta, "Normal", "SecretDeleted", `Deleted Secret ${name}, which spec.secret.name no longer names, once its token's grace period ended`);
  }
}

/** Every Secret the resource owns: the one it names (`name`, read live), and any it named before. */
export async function deleteOwnedSecrets(deps: TokenSecretsDeps, context: Pick<TokenContext, "meta" | "namespace">, name: string): Promise<void> {
  const { meta, namespace } = context;
  const current = await deps.secrets.get(namespace, name);
  const owned = [current, ...deps.ownedSecrets(meta.uid)].filter((secret) => ownershipOf(secret, meta.uid) === "owned");
  const byUid = new Map(owned.flatMap((secret) => (secret?.metadata?.uid && secret.metadata.name ? [[secret.metadata.uid, secret.metadata.name] as const] : [])));
  for (const [uid, secretName] of byUid) await deps.secrets.delete(namespace, secretName, uid);
}
