import { isDeepStrictEqual } from "node:util";
import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";
import type { Mapper, ObjectKey } from "../../runtime/controller.js";
import { FINALIZER, hasFinalizer } from "./status.js";

export const keyOf = (meta: Pick<ObjectMeta, "namespace" | "name">): ObjectKey => ({ ...(meta.namespace ? { namespace: meta.namespace } : {}), name: meta.name });

/**
 * Whether an update is news to the reconciler: not a status write, and not the echo of its own
 * finalizer being added (which would retry a failed first attempt at once, ignoring its backoff).
 */
export function specOrMetaChanged(next: { metadata: ObjectMeta }, old: { metadata: ObjectMeta }): boolean {
  const ourFinalizerAdded = hasFinalizer(next.metadata) && !hasFinalizer(old.metadata);
  const finalizers = (m: ObjectMeta) => (m.finalizers ?? []).filter((f) => !(ourFinalizerAdded && f === FINALIZER));
  const pick = (m: ObjectMeta) => [m.generation, m.annotations, m.labels, m.deletionTimestamp, finalizers(m)];
  return !isDeepStrictEqual(pick(next.metadata), pick(old.metadata));
}

interface Watched<Status> {
  metadata: ObjectMeta;
  status: Status;
}

/**
 * controller-runtime's For: every add and delete of the primary kind, and the updates that are news —
 * a change of spec or metadata, or a status this process did not write (a stale writer, a person).
 */
export function forPrimary<Status, T extends Watched<Status>>(isOwnStatus: (uid: string, status: Status) => boolean): Mapper<T> {
  return ({ type, object, old }) => {
    if (type !== "update" || !old) return [keyOf(object.metadata)];
    const news = specOrMetaChanged(object, old) || (!isDeepStrictEqual(object.status, old.status) && !isOwnStatus(object.metadata.uid, object.status));
    return news ? [keyOf(object.metadata)] : [];
  };
}
