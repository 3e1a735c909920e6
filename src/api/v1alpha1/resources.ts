import { z } from "zod";
import { API_VERSION } from "./common.js";
import { clusterUnleashConnectionSpec, connectionStatus, unleashConnectionSpec } from "./connection.js";
import { objectMeta, type ObjectMeta } from "./metadata.js";
import { serviceAccountFinalization, serviceAccountSpec, serviceAccountStatus } from "./service-account.js";
import { serviceAccountTokenFinalization, serviceAccountTokenSpec, serviceAccountTokenStatus } from "./service-account-token.js";

/**
 * A custom resource as the operator sees it: metadata always parses, while the
 * spec is kept as a parse result so that a spec that slipped past the schema
 * becomes a condition on the resource instead of a crash or a skipped object.
 */
export interface Resource<Spec, Status, Facts = Spec> {
  metadata: ObjectMeta;
  spec: z.ZodSafeParseResult<Spec>;
  status: Status;
  /**
   * What deleting the resource needs, read leniently from the spec: present even when the spec as a
   * whole no longer parses (e.g. a rule added by an operator upgrade), so that the resource can still
   * be cleaned up and released.
   */
  finalization: Facts | undefined;
}

function resourceParser<Spec, Status, Facts>(spec: z.ZodType<Spec>, status: z.ZodType<Status>, emptyStatus: Status, finalization: z.ZodType<Facts>) {
  const envelope = z.object({ metadata: objectMeta, spec: z.unknown().optional(), status: z.unknown().optional() });
  return (raw: unknown): Resource<Spec, Status, Facts> | undefined => {
    const parsed = envelope.safeParse(raw);
    if (!parsed.success) return undefined;
    const parsedStatus = status.safeParse(parsed.data.status ?? {});
    const parsedSpec = spec.safeParse(parsed.data.spec ?? {});
    const facts = finalization.safeParse(parsed.data.spec ?? {});
    return {
      metadata: parsed.data.metadata,
      spec: parsedSpec,
      // A status that does not parse is treated as never written: the reconciler rebuilds it.
      status: parsedStatus.success ? parsedStatus.data : emptyStatus,
      finalization: facts.success ? facts.data : undefined,
    };
  };
}

export interface KindInfo {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  description: string;
}

export const kinds = {
  ClusterUnleashConnection: {
    kind: "ClusterUnleashConnection",
    plural: "clusterunleashconnections",
    singular: "clusterunleashconnection",
    shortNames: ["cuc"],
    namespaced: false,
    description: "A connection to an Unleash instance that ServiceAccounts in admitted namespaces may use.",
  },
  UnleashConnection: {
    kind: "UnleashConnection",
    plural: "unleashconnections",
    singular: "unleashconnection",
    shortNames: ["uc"],
    namespaced: true,
    description: "A connection to an Unleash instance for ServiceAccounts in its own namespace.",
  },
  ServiceAccount: {
    kind: "ServiceAccount",
    plural: "serviceaccounts",
    singular: "serviceaccount",
    shortNames: ["usa"],
    namespaced: true,
    description: "An Unleash service account: an API identity with a root role that cannot log in.",
  },
  ServiceAccountToken: {
    kind: "ServiceAccountToken",
    plural: "serviceaccounttokens",
    singular: "serviceaccounttoken",
    shortNames: ["usat"],
    namespaced: true,
    description: "A token of an Unleash service account, kept in a Secret and rotated before it expires.",
  },
} as const satisfies Record<string, KindInfo>;
export type KindName = keyof typeof kinds;

export const parseClusterConnection = resourceParser(clusterUnleashConnectionSpec, connectionStatus, {}, clusterUnleashConnectionSpec);
export const parseConnection = resourceParser(unleashConnectionSpec, connectionStatus, {}, unleashConnectionSpec);
export const parseServiceAccount = resourceParser(serviceAccountSpec, serviceAccountStatus, {}, serviceAccountFinalization);
export const parseServiceAccountToken = resourceParser(serviceAccountTokenSpec, serviceAccountTokenStatus, {}, serviceAccountTokenFinalization);

export type ClusterConnectionResource = NonNullable<ReturnType<typeof parseClusterConnection>>;
export type ConnectionResource = NonNullable<ReturnType<typeof parseConnection>>;
export type ServiceAccountResource = NonNullable<ReturnType<typeof parseServiceAccount>>;
export type ServiceAccountTokenResource = NonNullable<ReturnType<typeof parseServiceAccountToken>>;

export { API_VERSION };
