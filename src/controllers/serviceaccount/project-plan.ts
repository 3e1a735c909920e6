import type { AppliedProjectAccess, ProjectGrant } from "../../api/v1alpha1/project-access.js";
import type { UnleashRole } from "../../unleash/schemas.js";
import type { ProjectAccessSnapshot, ProjectView } from "../../unleash/project-access.js";
import { resolveRole } from "../../unleash/snapshot.js";
import type { ProjectPolicy } from "../connection/project-policy.js";

/** One write to Unleash: give the account roles in a project it has none in, replace its role set, or take it all away. */
export type ProjectStep =
  | { kind: "add"; project: string; roles: readonly number[] }
  | { kind: "set"; project: string; roles: readonly number[] }
  | { kind: "remove"; project: string };

export type ProjectProblem = { reason: "ProjectNotFound" | "ProjectRoleNotFound" | "ProjectNotAllowed"; message: string };

export interface ProjectPlan {
  steps: ProjectStep[];
  /** The account's access once the steps are done, by name, sorted by project. */
  applied: AppliedProjectAccess;
  problems: ProjectProblem[];
}

export interface ProjectPlanInput {
  accountId: number;
  declared: readonly ProjectGrant[];
  view: ProjectAccessSnapshot;
  policy: ProjectPolicy;
  rootRoles: readonly Readonly<UnleashRole>[];
  /** Where the policy comes from, for messages. */
  connectionId: string;
}

/** What one project should become: its desired role ids, or undefined to leave it untouched. */
interface Target {
  roles: readonly number[] | undefined;
  problems: ProjectProblem[];
}

/**
 * Decides the writes that make the account's project access equal to the declared list: declared
 * projects get exactly their admitted roles, every other project loses the account's access. A project
 * whose roles cannot all be resolved is left as it is (its truth is unknown) and reported.
 */
export function planProjectAccess(input: ProjectPlanInput): ProjectPlan {
  const declared = new Map(input.declared.map((grant) => [grant.project, grant]));
  const steps: ProjectStep[] = [];
  const problems: ProjectProblem[] = [];
  const held = new Map<string, readonly number[]>();
  for (const grant of input.declared) {
    const project = input.view.projects.get(grant.project);
    if (!project) {
      problems.push({ reason: "ProjectNotFound", message: `project "${grant.project}" does not exist in Unleash` });
      continue;
    }
    const target = targetOf(grant, project, input);
    problems.push(...target.problems);
    const current = project.users.get(input.accountId) ?? [];
    const roles = target.roles ?? current;
    const step = stepFor(grant.project, current, roles);
    if (step) steps.push(step);
    if (roles.length > 0) held.set(grant.project, roles);
  }
  for (const project of input.view.projects.values()) {
    if (!declared.has(project.id) && (project.users.get(input.accountId) ?? []).length > 0) steps.push({ kind: "remove", project: project.id });
  }
  return { steps, applied: appliedOf(held, input.view), problems };
}

function targetOf(grant: ProjectGrant, project: ProjectView, input: ProjectPlanInput): Target {
  const resolved = grant.roles.map((name) => ({ name, role: resolveRole(project.roles, name) }));
  const unknown = resolved.filter(({ role }) => role === undefined).map(({ name }) => name);
  if (unknown.length > 0) return { roles: undefined, problems: [unknownRoles(grant.project, unknown, project, input.rootRoles)] };
  const admitted = resolved.flatMap(({ name, role }) => (role && input.policy(grant.project, name) ? [role.id] : []));
  const refused = refusedAccess([grant], input.policy, input.connectionId);
  return { roles: [...new Set(admitted)].sort((a, b) => a - b), problems: refused ? [refused] : [] };
}

/** The declared roles the connection's policy refuses, as one problem; undefined when it admits them all. */
export function refusedAccess(declared: readonly ProjectGrant[], policy: ProjectPolicy, connectionId: string): ProjectProblem | undefined {
  const refused = declared.flatMap((grant) => grant.roles.filter((name) => !policy(grant.project, name)).map((name) => `${name} in "${grant.project}"`));
  if (refused.length === 0) return undefined;
  return { reason: "ProjectNotAllowed", message: `${connectionId} does not admit ${refused.join(", ")} for this namespace (see its spec.projectAccess)` };
}

function unknownRoles(project: string, names: readonly string[], view: ProjectView, rootRoles: readonly Readonly<UnleashRole>[]): ProjectProblem {
  const root = names.filter((name) => resolveRole(rootRoles, name) !== undefined);
  const known = view.roles.map((role) => role.name).join(", ");
  const hint = root.length > 0 ? ` (${root.join(", ")}: a root role, set as spec.rootRole, not a project role)` : "";
  return { reason: "ProjectRoleNotFound", message: `project role(s) ${names.join(", ")} do not exist in project "${project}"${hint}; known project roles: ${known}` };
}

function stepFor(project: string, current: readonly number[], desired: readonly number[]): ProjectStep | undefined {
  if (sameSet(current, desired)) return undefined;
  if (desired.length === 0) return { kind: "remove", project };
  return current.length === 0 ? { kind: "add", project, roles: desired } : { kind: "set", project, roles: desired };
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  const left = new Set(a);
  return left.size === new Set(b).size && b.every((id) => left.has(id));
}

function appliedOf(held: ReadonlyMap<string, readonly number[]>, view: ProjectAccessSnapshot): AppliedProjectAccess {
  return [...held]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([project, ids]) => {
      const roles = view.projects.get(project)?.roles ?? [];
      return { project, roles: ids.map((id) => roles.find((role) => role.id === id)?.name ?? String(id)).sort() };
    });
}
