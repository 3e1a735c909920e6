import { z } from "zod";
import { namespaceSet, type NamespaceSet } from "./common.js";

// Unleash's own rule for project ids (URL-friendly), so an id is safe in a path.
const PROJECT_ID = "^[A-Za-z0-9_.~-]+$";

export const projectId = z.string().min(1).max(100).regex(new RegExp(PROJECT_ID)).describe("Project id in Unleash (not its display name).");
export const projectRoleName = z.string().min(1).max(100).describe("Project role NAME, built-in (Owner, Member) or custom; resolved through the Unleash API.");

const ANY = "*";
const projectPattern = z
  .string()
  .min(1)
  .max(100)
  .regex(new RegExp(`^([*]|${PROJECT_ID.slice(1, -1)})$`));

function unique(values: readonly string[]): boolean {
  return new Set(values).size === values.length;
}

/** One project of an account's access: the whole role set it holds there. */
export const projectGrant = z.object({
  project: projectId,
  roles: z
    .array(projectRoleName)
    .min(1)
    .max(16)
    .refine(unique, "roles must not repeat")
    .meta({ "x-kubernetes-list-type": "set" })
    .describe("Every project role the account holds in this project: roles not listed are taken away."),
});
export type ProjectGrant = z.infer<typeof projectGrant>;

export const projectGrants = z
  .array(projectGrant)
  .max(100)
  .refine((grants) => unique(grants.map((grant) => grant.project)), "each project may appear once")
  .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["project"] })
  .describe(
    "The account's whole project access. Set, it is the truth: access to a project not listed is removed, roles are set exactly, and changes made in Unleash are reverted. Unset, the operator leaves project access alone.",
  );

/** What the operator applied, by name, for status. */
export const appliedProjectAccess = z
  .array(
    z.object({
      project: z.string().max(100).describe("Project id in Unleash."),
      roles: z.array(z.string().max(100)).max(16).describe("Names of the project roles the account holds there."),
    }),
  )
  .max(100)
  .describe("The project access the account has in Unleash, as the operator last applied it.");
export type AppliedProjectAccess = z.infer<typeof appliedProjectAccess>;

/** A rule of a connection's project-access policy. */
export function projectAccessRule(withNamespaces: boolean) {
  const grants = {
    projects: z.array(projectPattern).min(1).max(256).describe(`Project ids this rule admits; "${ANY}" admits every project.`),
    roles: z.array(projectRoleName).min(1).max(64).describe(`Project role names this rule admits; "${ANY}" admits every role.`),
  };
  if (!withNamespaces) return z.object(grants).describe("Project access that ServiceAccounts using this connection may ask for.");
  return z
    .object({ namespaces: namespaceSet("Namespaces this rule applies to; unset: every namespace the connection admits.").optional(), ...grants })
    .describe("Project access that ServiceAccounts in the rule's namespaces may ask for.");
}
/** A rule as the policy check reads it; the namespaced kind's rules have no `namespaces`. */
export interface ProjectAccessRule {
  namespaces?: NamespaceSet | undefined;
  projects: string[];
  roles: string[];
}

export function projectAccessPolicy(clusterScoped: boolean) {
  const unset = clusterScoped
    ? "Unset admits no project access at all, as allowedNamespaces admits no namespace."
    : "Unset admits every project and role: the namespace holds the admin token itself.";
  return z
    .array(projectAccessRule(clusterScoped))
    .max(64)
    .optional()
    .describe(
      `Which project roles ServiceAccounts using this connection may ask for (spec.projects), rule by rule: a role in a project is admitted when one rule admits the namespace, the project and the role. ${unset} A refused role is never granted, and access no longer admitted is removed (ProjectNotAllowed).`,
    );
}

/** Whether one rule's pattern list admits a value. */
export function admits(patterns: readonly string[], value: string): boolean {
  return patterns.includes(ANY) || patterns.includes(value);
}
