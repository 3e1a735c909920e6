import { createHash } from "node:crypto";
import type { V1Secret } from "@kubernetes/client-node";
import { z } from "zod";
import { API_VERSION } from "../../api/v1alpha1/common.js";
import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";
import { MANAGED_BY, MANAGED_BY_LABEL, TOKEN_LABEL } from "../../api/v1alpha1/labels.js";

/**
 * The Secret is the ground truth of which token is current: the token, its id
 * and the tokens still in their grace period are written in ONE update, so a
 * crash can never separate a token from the record that it is ours.
 */
export const Annotations = {
  tokenId: "accounts.unleash.dev/token-id",
  tokenHash: "accounts.unleash.dev/token-sha256",
  expiresAt: "accounts.unleash.dev/expires-at",
  held: "accounts.unleash.dev/held-tokens",
  lifetime: "accounts.unleash.dev/lifetime",
  rotateRequest: "accounts.unleash.dev/rotate-request",
} as const;

export const heldToken = z.object({ id: z.int(), revokeAfter: z.string() });
export type HeldToken = z.infer<typeof heldToken>;

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export type SecretOwnership = "absent" | "owned" | "unowned" | "foreign";

export interface SecretRecord {
  ownership: SecretOwnership;
  /** Id of the token the Secret holds, when its value still matches what the operator wrote. */
  intactTokenId?: number;
  /** True when the Secret once held a token of ours but its value was edited or removed. */
  tampered: boolean;
  held: HeldToken[];
  tokenHash?: string;
  /** The lifetime the current token was issued with. */
  lifetime?: string;
  /** The rotate annotation value that the current token answered. */
  rotateRequest?: string;
}

export function ownershipOf(secret: V1Secret | undefined, ownerUid: string): SecretOwnership {
  if (!secret) return "absent";
  const owners = secret.metadata?.ownerReferences ?? [];
  if (owners.some((ref) => ref.uid === ownerUid)) return "owned";
  return owners.length === 0 ? "unowned" : "foreign";
}

export function readSecretRecord(secret: V1Secret | undefined, ownerUid: string, tokenKey: string): SecretRecord {
  const ownership = ownershipOf(secret, ownerUid);
  if (!secret || ownership !== "owned") return { ownership, tampered: false, held: [] };
  const annotations = secret.metadata?.annotations ?? {};
  const recordedHash = annotations[Annotations.tokenHash];
  const encoded = secret.data?.[tokenKey];
  const actualHash = encoded === undefined ? undefined : sha256(Buffer.from(encoded, "base64").toString("utf8"));
  const tokenId = Number(annotations[Annotations.tokenId]);
  const intact = recordedHash !== undefined && recordedHash === actualHash && Number.isSafeInteger(tokenId);
  return {
    ownership,
    ...(intact ? { intactTokenId: tokenId, tokenHash: actualHash } : {}),
    tampered: !intact && recordedHash !== undefined,
    held: parseHeld(annotations[Annotations.held]),
    ...optional("lifetime", annotations[Annotations.lifetime]),
    ...optional("rotateRequest", annotations[Annotations.rotateRequest]),
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function parseHeld(text: string | undefined): HeldToken[] {
  if (!text) return [];
  try {
    const parsed = z.array(heldToken).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export interface SecretContent {
  name: string;
  namespace: string;
  owner: ObjectMeta & { kind: string };
  type: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Key → value, as the workload reads them. */
  data: Record<string, string>;
}

/** A label value holds at most 63 characters, a resource name up to 253: a longer name gets no label rather than a Secret the API server refuses. */
const MAX_LABEL_VALUE = 63;
function tokenLabel(name: string): Record<string, string> {
  return name.length <= MAX_LABEL_VALUE ? { [TOKEN_LABEL]: name } : {};
}

export function buildSecret(content: SecretContent, resourceVersion?: string): V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: content.name,
      namespace: content.namespace,
      ...(resourceVersion ? { resourceVersion } : {}),
      labels: { ...content.labels, [MANAGED_BY_LABEL]: MANAGED_BY, ...tokenLabel(content.owner.name) },
      annotations: content.annotations,
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: content.owner.kind,
          name: content.owner.name,
          uid: content.owner.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    type: content.type,
    data: Object.fromEntries(Object.entries(content.data).map(([key, value]) => [key, Buffer.from(value, "utf8").toString("base64")])),
  };
}
