import { z } from "zod";
import { conditions, namespaceSet, objectName, observedGeneration, secretKey } from "./common.js";
import { projectAccessPolicy } from "./project-access.js";

const USERINFO_MESSAGE = "url must not carry credentials (user:password@): it is shown in kubectl and copied into every token's Secret; put the admin token in adminTokenSecretRef";
// "[.]"-free and escape-free, so that the same text is a JavaScript regex and a CEL string literal.
const USERINFO = "^https?://[^/?#]*@";

const unleashUrl = z
  .string()
  .min(8)
  .max(2048)
  .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/)
  .refine((url) => !new RegExp(USERINFO).test(url), USERINFO_MESSAGE)
  .describe("Base URL of Unleash, e.g. https://unleash.example.com or https://example.com/unleash (a path prefix is kept). No credentials in it.")
  .meta({ "x-kubernetes-validations": [{ rule: `!self.matches('${USERINFO}')`, message: USERINFO_MESSAGE }] });

function secretKeySelector(defaultKey: string, what: string, withNamespace: boolean) {
  const base = {
    name: objectName.describe(`Name of the Secret holding the ${what}.`),
    key: secretKey.default(defaultKey).describe(`Key in the Secret that holds the ${what}.`),
  };
  if (!withNamespace) {
    return z.object(base).describe(`Secret (in the connection's namespace) holding the ${what}.`);
  }
  return z
    .object({ ...base, namespace: objectName.max(63).describe(`Namespace of the Secret holding the ${what}.`) })
    .describe(`Secret holding the ${what}.`);
}

const allowedRootRoles = z
  .array(z.string().min(1).max(100))
  .max(64)
  .optional()
  .describe(
    "Root role names that ServiceAccounts using this connection may request. Unset allows every role; a request for any other role is refused with RootRoleNotAllowed.",
  );

function allowAdoption(unset: string) {
  return z
    .boolean()
    .optional()
    .describe(
      `Whether ServiceAccounts using this connection may take over (spec.adoptExisting) an Unleash service account that already exists. ${unset} An account that another resource of this cluster manages is never adopted.`,
    );
}

const allowedNamespaces = namespaceSet("Which namespaces may use this connection. Either part admits a namespace; unset admits none.");

export const connectionStatus = z
  .object({
    conditions: conditions.optional(),
    observedGeneration: observedGeneration.optional(),
  })
  .describe("Observed state of the connection.");
export type ConnectionStatus = z.infer<typeof connectionStatus>;

export const unleashConnectionSpec = z
  .object({
    url: unleashUrl,
    adminTokenSecretRef: secretKeySelector("token", "Unleash admin token", false),
    caSecretRef: secretKeySelector("ca.crt", "PEM CA bundle trusted for this Unleash", false).optional(),
    allowedRootRoles,
    allowAdoption: allowAdoption("Unset allows it: the namespace holds the admin token itself."),
    projectAccess: projectAccessPolicy(false),
  })
  .describe("An Unleash instance that ServiceAccounts in this namespace use.");
export type UnleashConnectionSpec = z.infer<typeof unleashConnectionSpec>;

export const clusterUnleashConnectionSpec = z
  .object({
    url: unleashUrl,
    adminTokenSecretRef: secretKeySelector("token", "Unleash admin token", true),
    caSecretRef: secretKeySelector("ca.crt", "PEM CA bundle trusted for this Unleash", true).optional(),
    allowedNamespaces: allowedNamespaces.optional(),
    allowedRootRoles,
    allowAdoption: allowAdoption("Unset refuses it, as the connection's other policies do."),
    projectAccess: projectAccessPolicy(true),
  })
  .describe("An Unleash instance that ServiceAccounts in the admitted namespaces use.");
export type ClusterUnleashConnectionSpec = z.infer<typeof clusterUnleashConnectionSpec>;
