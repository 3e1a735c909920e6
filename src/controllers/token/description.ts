/**
 * Unleash keeps no labels on tokens: the description is the only place to
 * mark a token as this operator's. It carries the cluster identity (so that
 * clusters sharing one Unleash never touch each other's tokens), the
 * resource's namespace, name and UID, and a serial that keeps descriptions
 * unique per account as Unleash requires.
 */
export interface TokenIdentity {
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
  serial: number;
}

const MARKER = /\[k8s ([A-Za-z0-9._-]+) ([a-z0-9.-]+)\/([a-z0-9.-]+) uid=([0-9a-fA-F-]{1,64}) #(\d{1,9})\]$/;

export function tokenDescription(prefix: string | undefined, id: TokenIdentity): string {
  const human = prefix ?? `${id.namespace}/${id.name}`;
  return `${human} [k8s ${id.cluster} ${id.namespace}/${id.name} uid=${id.uid} #${id.serial}]`;
}

export function parseTokenDescription(description: string): TokenIdentity | undefined {
  const match = MARKER.exec(description);
  if (!match) return undefined;
  const [, cluster, namespace, name, uid, serial] = match;
  if (!cluster || !namespace || !name || !uid || !serial) return undefined;
  return { cluster, namespace, name, uid, serial: Number(serial) };
}
