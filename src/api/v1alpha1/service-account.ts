import { z } from "zod";
import { conditions, objectName, observedGeneration } from "./common.js";
import { appliedProjectAccess, projectGrants } from "./project-access.js";

export const connectionKinds = ["ClusterUnleashConnection", "UnleashConnection"] as const;

export const connectionRef = z
  .object({
    kind: z.enum(connectionKinds).describe("ClusterUnleashConnection, or UnleashConnection in the same namespace."),
    name: objectName.describe("Name of the connection."),
  })
  .describe("The Unleash connection this account lives in.");
export type ConnectionRef = z.infer<typeof connectionRef>;

/** Unleash usernames: conservative, so that they are safe in URLs, logs and token descriptions. */
export const unleashUsername = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$/);

export const serviceAccountSpec = z
  .object({
    connectionRef: connectionRef.meta({
      "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "connectionRef is immutable" }],
    }),
    username: unleashUsername
      .optional()
      .describe("Unleash username of the account. Defaults to metadata.name. Immutable."),
    displayName: z.string().min(1).max(100).optional().describe("Display name in Unleash. Defaults to the username."),
    rootRole: z
      .string()
      .min(1)
      .max(100)
      .describe("Root role NAME, built-in (Admin, Editor, Viewer) or custom; resolved through the Unleash API."),
    deletionPolicy: z
      .enum(["Delete", "Orphan"])
      .default("Delete")
      .describe("Delete removes the Unleash account (and its tokens) with this resource; Orphan leaves it."),
    adoptExisting: z
      .boolean()
      .default(false)
      .describe("Take over an existing Unleash service account with this username instead of reporting a conflict."),
    projects: projectGrants.optional(),
  })
  .meta({
    description: "Desired state of an Unleash service account.",
    "x-kubernetes-validations": [
      {
        rule: "has(self.username) == has(oldSelf.username) && (!has(self.username) || self.username == oldSelf.username)",
        message: "username is immutable",
      },
    ],
  });
export type ServiceAccountSpec = z.infer<typeof serviceAccountSpec>;

export const serviceAccountStatus = z
  .object({
    id: z.int().min(1).optional().describe("Id of the account in Unleash."),
    username: z.string().max(100).optional().describe("Username of the account in Unleash."),
    rootRole: z
      .object({
        id: z.int().describe("Id of the root role in Unleash."),
        name: z.string().max(100).describe("Name of the root role."),
      })
      .optional()
      .describe("The root role the account has in Unleash."),
    projects: appliedProjectAccess.optional(),
    projectCount: z.int().min(0).optional().describe("How many projects the account holds roles in (for kubectl get -o wide)."),
    creationStartedAt: z
      .string()
      .optional()
      .meta({ format: "date-time" })
      .describe(
        "Set before the operator asks Unleash to create the account, so that an account found after a crash is recognised as this resource's.",
      ),
    conditions: conditions.optional(),
    observedGeneration: observedGeneration.optional(),
  })
  .describe("Observed state of the account.");
export type ServiceAccountStatus = z.infer<typeof serviceAccountStatus>;

/**
 * What deleting an account needs: the immutable connection reference and username, and the deletion
 * policy, read field by field so that a spec invalid elsewhere can still be cleaned up. An unreadable
 * deletion policy counts as the default, Delete.
 */
export const serviceAccountFinalization = z.object({
  connectionRef,
  username: unleashUsername.optional().catch(undefined),
  displayName: z.string().optional().catch(undefined),
  deletionPolicy: z.enum(["Delete", "Orphan"]).catch("Delete"),
});
export type ServiceAccountFinalization = z.infer<typeof serviceAccountFinalization>;
