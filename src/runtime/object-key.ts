/** Identifies one Kubernetes object; `namespace` is absent for cluster-scoped kinds. */
export interface ObjectKey {
  namespace?: string;
  name: string;
}

/** "namespace/name", or "name" for cluster-scoped objects (the client-go key format). */
export function keyToString(key: ObjectKey): string {
  return key.namespace ? `${key.namespace}/${key.name}` : key.name;
}

export function parseKey(key: string): ObjectKey {
  const parts = key.split("/");
  const [first, second] = parts;
  if (parts.length === 1 && first) return { name: first };
  if (parts.length === 2 && first && second) return { namespace: first, name: second };
  throw new Error(`invalid object key "${key}": expected "namespace/name" or "name"`);
}
