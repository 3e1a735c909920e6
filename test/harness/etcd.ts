import { fetch } from "undici";
import { z } from "zod";

/**
 * Compacts etcd's history up to its current revision (physically), so that a watch from an older
 * resourceVersion gets 410 Gone. Returns the revision compacted to.
 */
export async function compactEtcd(etcdUrl: string): Promise<string> {
  const range = await fetch(`${etcdUrl}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: Buffer.from("/").toString("base64") }) });
  const { header } = z.object({ header: z.object({ revision: z.string() }) }).parse(await range.json());
  const compaction = await fetch(`${etcdUrl}/v3/kv/compaction`, { method: "POST", body: JSON.stringify({ revision: header.revision, physical: true }) });
  if (compaction.status !== 200) throw new Error(`etcd compaction answered ${compaction.status}`);
  return header.revision;
}
