import type { V1Secret } from "@kubernetes/client-node";
import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";
import { SERVICE_ACCOUNT_TOKEN_KEYS, type ServiceAccountTokenSpec } from "../../api/v1alpha1/service-account-token.js";
import { DEFAULT_SECRET_TYPE } from "../../api/v1alpha1/token-lifecycle.js";
import type { SecretValue } from "../../logging/secret-value.js";
import { Annotations, buildSecret, sha256, type HeldToken } from "./secret-record.js";

export interface TokenSecretState {
  tokenId: number;
  token: SecretValue;
  expiresAt: string;
  held: HeldToken[];
  rotateRequest: string | undefined;
}

export function secretNameOf(meta: Pick<ObjectMeta, "name">, spec: { secret?: { name?: string | undefined } | undefined }): string {
  return spec.secret?.name ?? meta.name;
}

export function secretKeys(spec: ServiceAccountTokenSpec): { token: string; url: string } {
  return spec.secret?.keys ?? SERVICE_ACCOUNT_TOKEN_KEYS;
}

/** The Secret as the operator wants it: the token, the URL, the user's metadata and the tracking record. */
export function desiredSecret(
  meta: ObjectMeta,
  spec: ServiceAccountTokenSpec,
  url: string,
  state: TokenSecretState,
  existing: V1Secret | undefined,
): V1Secret {
  const keys = secretKeys(spec);
  const token = state.token.reveal();
  return buildSecret(
    {
      name: secretNameOf(meta, spec),
      namespace: meta.namespace ?? "",
      owner: { ...meta, kind: "ServiceAccountToken" },
      type: existing?.type ?? spec.secret?.type ?? DEFAULT_SECRET_TYPE,
      labels: spec.secret?.labels ?? {},
      annotations: {
        ...spec.secret?.annotations,
        [Annotations.tokenId]: String(state.tokenId),
        [Annotations.tokenHash]: sha256(token),
        [Annotations.expiresAt]: state.expiresAt,
        [Annotations.lifetime]: spec.lifetime,
        [Annotations.held]: JSON.stringify(state.held),
        ...(state.rotateRequest === undefined ? {} : { [Annotations.rotateRequest]: state.rotateRequest }),
      },
      data: { [keys.token]: token, [keys.url]: url },
    },
    existing?.metadata?.resourceVersion,
  );
}

/** True when the Secret differs from `desired` in anything the operator keeps enforced. */
export function secretDrifted(existing: V1Secret, desired: V1Secret): boolean {
  const same = (a: object | undefined, b: object | undefined) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
  return !(
    same(existing.data, desired.data) &&
    same(existing.metadata?.labels, desired.metadata?.labels) &&
    same(existing.metadata?.annotations, desired.metadata?.annotations)
  );
}

function sorted(value: object | undefined): Array<[string, unknown]> {
  return Object.entries(value ?? {}).sort(([a], [b]) => a.localeCompare(b));
}
