import { z } from "zod";
import { GROUP, VERSION } from "./common.js";
import { clusterUnleashConnectionSpec, connectionStatus, unleashConnectionSpec } from "./connection.js";
import { kinds, type KindInfo, type KindName } from "./resources.js";
import { serviceAccountSpec, serviceAccountStatus } from "./service-account.js";
import { serviceAccountTokenSpec, serviceAccountTokenStatus } from "./service-account-token.js";

/**
 * The CRDs are generated from the zod schemas the operator parses with, so the
 * two cannot drift: `npm run generate` writes crds/, and a test fails when the
 * committed files differ from what the schemas produce.
 */

interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "date";
  jsonPath: string;
  description: string;
  priority?: number;
}

const conditionColumn = (type: string, field: "status" | "reason" | "message", name: string): PrinterColumn => ({
  name,
  type: "string",
  jsonPath: `.status.conditions[?(@.type=="${type}")].${field}`,
  description: `${field} of the ${type} condition`,
});
const ready = conditionColumn("Ready", "status", "Ready");
const reason = conditionColumn("Ready", "reason", "Reason");
const message = { ...conditionColumn("Ready", "message", "Message"), priority: 1 };
const age: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "Age" };

const columns: Record<KindName, PrinterColumn[]> = {
  ClusterUnleashConnection: [ready, { name: "URL", type: "string", jsonPath: ".spec.url", description: "Unleash URL" }, reason, age, message],
  UnleashConnection: [ready, { name: "URL", type: "string", jsonPath: ".spec.url", description: "Unleash URL" }, reason, age, message],
  ServiceAccount: [
    ready,
    { name: "Username", type: "string", jsonPath: ".status.username", description: "Unleash username" },
    { name: "Role", type: "string", jsonPath: ".status.rootRole.name", description: "Root role in Unleash" },
    { name: "ID", type: "integer", jsonPath: ".status.id", description: "Account id in Unleash" },
    reason,
    age,
    { name: "Connection", type: "string", jsonPath: ".spec.connectionRef.name", description: "Connection", priority: 1 },
    // A column shows only the first element of a list: the count is what fits.
    { name: "Projects", type: "integer", jsonPath: ".status.projectCount", description: "Projects the account holds roles in", priority: 1 },
    message,
  ],
  ServiceAccountToken: [
    ready,
    { name: "Account", type: "string", jsonPath: ".spec.serviceAccountRef.name", description: "ServiceAccount" },
    { name: "Secret", type: "string", jsonPath: ".status.secretName", description: "Secret holding the token" },
    { name: "Expires", type: "string", jsonPath: ".status.expiresAt", description: "When the token expires" },
    { name: "Renews", type: "string", jsonPath: ".status.renewalTime", description: "When the token is rotated" },
    reason,
    age,
    { name: "Token ID", type: "integer", jsonPath: ".status.tokenId", description: "Token id in Unleash", priority: 1 },
    { name: "Last Seen", type: "date", jsonPath: ".status.lastSeenAt", description: "Last use of the current token recorded by Unleash", priority: 1 },
    message,
  ],
};

const schemas: Record<KindName, { spec: z.ZodType; status: z.ZodType }> = {
  ClusterUnleashConnection: { spec: clusterUnleashConnectionSpec, status: connectionStatus },
  UnleashConnection: { spec: unleashConnectionSpec, status: connectionStatus },
  ServiceAccount: { spec: serviceAccountSpec, status: serviceAccountStatus },
  ServiceAccountToken: { spec: serviceAccountTokenSpec, status: serviceAccountTokenStatus },
};

type JsonSchema = { [key: string]: unknown };

/** zod emits JSON-number bounds for z.int(); a structural schema needs none of them. */
function toStructural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStructural);
  if (node === null || typeof node !== "object") return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema") continue;
    if ((key === "maximum" || key === "minimum") && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) continue;
    out[key] = toStructural(value);
  }
  return out;
}

function openApiSchema(schema: z.ZodType): JsonSchema {
  return toStructural(z.toJSONSchema(schema, { target: "openapi-3.0", io: "input" })) as JsonSchema;
}

export function customResourceDefinition(kindName: KindName): JsonSchema {
  const info: KindInfo = kinds[kindName];
  const { spec, status } = schemas[kindName];
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${info.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: info.kind,
        listKind: `${info.kind}List`,
        plural: info.plural,
        singular: info.singular,
        shortNames: info.shortNames,
        categories: ["unleash"],
      },
      scope: info.namespaced ? "Namespaced" : "Cluster",
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns[kindName],
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: info.description,
              required: ["spec"],
              properties: {
                apiVersion: { type: "string", description: "APIVersion of this object." },
                kind: { type: "string", description: "Kind of this object." },
                metadata: { type: "object" },
                spec: openApiSchema(spec),
                status: openApiSchema(status),
              },
            },
          },
        },
      ],
    },
  };
}

export const kindNames = Object.keys(kinds) as KindName[];
