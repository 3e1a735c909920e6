// The project list, and Unleash Enterprise's project-access routes (the contract's "Project
// access") with the rules of the open-source code behind them, as the real test server shows
// them: ProjectService.addAccess / setRolesForUser / removeUserAccess, the AccessStore's checks
// and the project-access-* events.
import { z } from "zod";
import type { Caller } from "../auth.js";
import { badData, invalidData, notFound, type ErrorDetail } from "../errors.js";
import { jsonInteger } from "../json-types.js";
import { ADMIN, findProjectRole, projectRoles, roleView } from "../roles.js";
import { route, routeWithBody, type Route } from "../router.js";
import type { Store } from "../store.js";
import { projectUserView, projectView } from "../views.js";
import { auditOf, noParams, projectParams, projectUserParams, requireProject } from "./common.js";

const ids = z.array(jsonInteger());
// All three lists are required, as in the published schema; the emulator has no groups.
const accessBody = z.object({ roles: ids, groups: ids, users: ids });
const rolesBody = z.object({ roles: ids });

type ProjectEventType = "project-access-added" | "project-access-user-roles-updated" | "project-access-user-roles-deleted";
type EventData = Record<string, unknown> | null;

function recordProjectEvent(
  store: Store,
  caller: Caller,
  type: ProjectEventType,
  project: string,
  change: { data: EventData; preData: EventData },
): void {
  store.recordEvent({ type, ...auditOf(caller), project, featureName: null, ...change });
}

function isProjectRole(id: number): boolean {
  return findProjectRole(id) !== undefined;
}

/** unleash-server's AccessService.addAccessToProject and AccessStore, in their order and words. */
function validateGrant(store: Store, grant: z.output<typeof accessBody>): void {
  if (grant.roles.length === 0) {
    throw badData("You can't grant access without any roles. The roles array you sent was empty.");
  }
  // The store compares the distinct valid ids with the ids sent, so a repeated id fails too.
  const valid = new Set(grant.roles.filter(isProjectRole));
  if (valid.size !== grant.roles.length) {
    const invalid = grant.roles.filter((id) => !valid.has(id)).join(", ");
    throw badData(
      `You can't add access to a project with roles that aren't project roles or that don't exist. These roles are not valid: ${invalid}`,
    );
  }
  const problems = referenceProblems(store, grant);
  if (problems.length > 0) throw invalidData(problems);
}

/** The store's foreign keys: any user row counts, a deleted account's too; there are no groups. */
function referenceProblems(store: Store, grant: z.output<typeof accessBody>): ErrorDetail[] {
  if (grant.groups.length > 0) {
    const sent = grant.groups.join(", ");
    return [{ message: `Your request contains one or more group IDs that do not exist. You sent these group IDs: ${sent}.` }];
  }
  if (grant.users.every((id) => store.state.users.some((user) => user.id === id))) return [];
  const sent = grant.users.join(", ");
  return [{ message: `Your request contains one or more user IDs that do not exist. You sent these user IDs: ${sent}.` }];
}

/**
 * Replaces a user's whole role set in a project as the access store does: ids that are not project
 * roles are dropped without a word, so a root role alone leaves the user without access. No
 * `roles` is the DELETE route (ProjectService.removeUserAccess), which records its own event.
 */
function replaceRoles(store: Store, caller: Caller, where: { project: string; userId: number }, roles: number[] | undefined) {
  const { project, userId } = where;
  const preData = { roles: store.projectRoleIdsOf(userId, project), userId };
  store.change(() => {
    store.removeGrants((grant) => grant.project === project && grant.userId === userId);
    const addedAt = store.clock.now().toISOString();
    for (const roleId of (roles ?? []).filter(isProjectRole)) store.addGrant({ project, userId, roleId, addedAt });
    if (roles === undefined) {
      recordProjectEvent(store, caller, "project-access-user-roles-deleted", project, { data: null, preData });
    } else {
      recordProjectEvent(store, caller, "project-access-user-roles-updated", project, { data: { roles, userId }, preData });
    }
  });
}

function usersWithAccess(store: Store, project: string): Record<string, unknown>[] {
  const grants = store.grantsIn(project);
  return store.activeUsers().flatMap((user) => {
    const held = grants.filter((grant) => grant.userId === user.id);
    return held.length === 0 ? [] : [projectUserView(user, held)];
  });
}

// Any valid token may list projects, as in unleash-server (permission NONE).
const listProjects = route({
  method: "GET",
  pattern: "/api/admin/projects",
  params: noParams,
  handler: ({ store }) => {
    const projects = store.state.projects.map((project) =>
      projectView(project, {
        featureCount: store.state.features.filter((feature) => feature.project === project.id).length,
        memberCount: usersWithAccess(store, project.id).length,
      }),
    );
    return { status: 200, body: { version: 1, projects } };
  },
});

const getAccess = route({
  method: "GET",
  pattern: "/api/admin/projects/:projectId/access",
  permission: ADMIN,
  params: projectParams,
  handler: ({ params, store }) => {
    const project = requireProject(store, params.projectId);
    const body = { roles: projectRoles().map(roleView), users: usersWithAccess(store, project.id), groups: [] };
    return { status: 200, body };
  },
});

const addAccess = routeWithBody({
  method: "POST",
  pattern: "/api/admin/projects/:projectId/access",
  permission: ADMIN,
  params: projectParams,
  body: accessBody,
  handler: ({ params, body, caller, store }) => {
    const project = requireProject(store, params.projectId).id;
    validateGrant(store, body);
    store.change(() => {
      const addedAt = store.clock.now().toISOString();
      for (const userId of body.users) for (const roleId of body.roles) store.addGrant({ project, userId, roleId, addedAt });
      const data = { roles: body.roles.map((roleId) => ({ roleId, groupIds: body.groups, userIds: body.users })) };
      recordProjectEvent(store, caller, "project-access-added", project, { data, preData: null });
    });
    return { status: 200 };
  },
});

const setRoles = routeWithBody({
  method: "PUT",
  pattern: "/api/admin/projects/:projectId/users/:userId/roles",
  permission: ADMIN,
  params: projectUserParams,
  body: rolesBody,
  handler: ({ params: { projectId, userId }, body, caller, store }) => {
    const project = requireProject(store, projectId).id;
    if (!store.activeUsers().some((user) => user.id === userId)) throw notFound("No user found");
    replaceRoles(store, caller, { project, userId }, body.roles);
    return { status: 200 };
  },
});

// Removing access a user does not have is not an error (the store deletes no rows), nor is an unknown user.
const removeAccess = route({
  method: "DELETE",
  pattern: "/api/admin/projects/:projectId/users/:userId/roles",
  permission: ADMIN,
  params: projectUserParams,
  handler: ({ params: { projectId, userId }, caller, store }) => {
    replaceRoles(store, caller, { project: requireProject(store, projectId).id, userId }, undefined);
    return { status: 200 };
  },
});

export const projectRoutes: readonly Route[] = [listProjects, getAccess, addAccess, setRoles, removeAccess];
