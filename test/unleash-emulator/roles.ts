// Roles as a fresh Unleash 8.2 database seeds them (migrations 20210217195834-rbac-tables, root
// Admin=1, Editor=2, Viewer=3; 20210428103923-onboard-projects-to-rbac, project Owner=4 and
// Member=5; 20251218153722-predefined-project-role-reader, project Reader=6), plus one custom root
// role, created after the migrations as on the real test server (id 7), so that clients are forced
// to resolve roles by name rather than by a fixed id.

export const ADMIN = "ADMIN";
export const CREATE_FEATURE = "CREATE_FEATURE";
const UPDATE_FEATURE = "UPDATE_FEATURE";
const DELETE_FEATURE = "DELETE_FEATURE";
const UPDATE_PROJECT = "UPDATE_PROJECT";
const DELETE_PROJECT = "DELETE_PROJECT";
export const UPDATE_FEATURE_ENVIRONMENT = "UPDATE_FEATURE_ENVIRONMENT";

/** Root permissions on SDK API tokens, per type (types/permissions.js). */
export const API_TOKEN_PERMISSIONS = {
  client: {
    create: "CREATE_CLIENT_API_TOKEN",
    read: "READ_CLIENT_API_TOKEN",
    update: "UPDATE_CLIENT_API_TOKEN",
    delete: "DELETE_CLIENT_API_TOKEN",
  },
  frontend: {
    create: "CREATE_FRONTEND_API_TOKEN",
    read: "READ_FRONTEND_API_TOKEN",
    update: "UPDATE_FRONTEND_API_TOKEN",
    delete: "DELETE_FRONTEND_API_TOKEN",
  },
} as const;

export interface Grant {
  permission: string;
  /**
   * A root role's project permission applies to this project only; a root permission has none.
   * A project role's grants have none either: they apply in the project the role is held in.
   */
  project?: string;
}

export type RoleType = "root" | "root-custom" | "project";

export interface Role {
  id: number;
  type: RoleType;
  name: string;
  description: string;
  grants: readonly Grant[];
}

const EDITOR_GRANTS: readonly Grant[] = [
  { permission: "CREATE_PROJECT" },
  { permission: "CREATE_STRATEGY" },
  { permission: "UPDATE_STRATEGY" },
  { permission: "CREATE_CONTEXT_FIELD" },
  { permission: "UPDATE_CONTEXT_FIELD" },
  { permission: CREATE_FEATURE, project: "default" },
  { permission: UPDATE_FEATURE, project: "default" },
  { permission: DELETE_FEATURE, project: "default" },
  { permission: UPDATE_FEATURE_ENVIRONMENT, project: "default" },
  // Editors may list SDK tokens, secrets included, but not make them (migration 20230619110243).
  { permission: API_TOKEN_PERMISSIONS.client.read },
  { permission: API_TOKEN_PERMISSIONS.frontend.read },
];

// The feature permissions both built-in project roles hold (onboard-projects-to-rbac). Unleash
// grants the environment one per environment; here it holds in every environment. Their strategy
// permissions are not served by the emulator.
const MEMBER_GRANTS: readonly Grant[] = [
  { permission: CREATE_FEATURE },
  { permission: UPDATE_FEATURE },
  { permission: DELETE_FEATURE },
  { permission: UPDATE_FEATURE_ENVIRONMENT },
];
const OWNER_GRANTS: readonly Grant[] = [...MEMBER_GRANTS, { permission: UPDATE_PROJECT }, { permission: DELETE_PROJECT }];

// Viewers read without any stored permission: reading is not permission-gated in Unleash.
const VIEWER_GRANTS: readonly Grant[] = [];

export const ROLES: readonly Role[] = [
  {
    id: 1,
    type: "root",
    name: "Admin",
    description:
      "Users with the root admin role have superuser access to Unleash and can perform any operation within the Unleash platform.",
    grants: [{ permission: ADMIN }],
  },
  {
    id: 2,
    type: "root",
    name: "Editor",
    description:
      "Users with the root editor role have access to most features in Unleash, but can not manage users and roles in the root scope. Editors will be added as project owners when creating projects and get superuser rights within the context of these projects. Users with the editor role will also get access to most permissions on the default project by default.",
    grants: EDITOR_GRANTS,
  },
  {
    id: 3,
    type: "root",
    name: "Viewer",
    description:
      "Users with the root viewer role can only read root resources in Unleash. Viewers can be added to specific projects as project members. Users with the viewer role may not view API tokens.",
    grants: VIEWER_GRANTS,
  },
  {
    id: 4,
    type: "project",
    name: "Owner",
    description:
      "Users with the project owner role have full control over the project, and can add and manage other users within the project context, manage feature flags within the project, and control advanced project features like archiving and deleting the project.",
    grants: OWNER_GRANTS,
  },
  {
    id: 5,
    type: "project",
    name: "Member",
    description:
      "Users with the project member role are allowed to view, create, and update feature flags within a project, but have limited permissions in regards to managing the project's user access and can not archive or delete the project.",
    grants: MEMBER_GRANTS,
  },
  {
    id: 6,
    type: "project",
    name: "Reader",
    description: "Users with the project reader role have read-only access to the project and cannot make changes.",
    grants: [],
  },
  {
    id: 7,
    type: "root-custom",
    name: "Integration Reader",
    description: "Read-only access for integrations: the permissions of the Viewer role.",
    grants: VIEWER_GRANTS,
  },
];

function isRootRole(role: Role): boolean {
  return role.type === "root" || role.type === "root-custom";
}

export function rootRoles(): Role[] {
  return ROLES.filter(isRootRole);
}

export function findRootRole(id: number): Role | undefined {
  return rootRoles().find((role) => role.id === id);
}

/** Roles that can be held in a project: type "project" (and "custom" in Enterprise, not seeded here). */
export function projectRoles(): Role[] {
  return ROLES.filter((role) => role.type === "project");
}

export function findProjectRole(id: number): Role | undefined {
  return projectRoles().find((role) => role.id === id);
}

/** The root role of an account; the real server falls back to Viewer when none is found. */
export function rootRoleOf(roleId: number): Role {
  const role = findRootRole(roleId) ?? rootRoles().find((candidate) => candidate.name === "Viewer");
  if (role === undefined) throw new Error("the Viewer role is not seeded");
  return role;
}

export function adminRole(): Role {
  return rootRoleOf(1);
}

/** ADMIN implies every permission, as in Unleash's access service. */
export function hasPermission(role: Role, permission: string, project = "default"): boolean {
  return role.grants.some(
    (grant) =>
      grant.permission === ADMIN ||
      (grant.permission === permission && (grant.project === undefined || grant.project === project)),
  );
}

/**
 * What an SDK API token may do, as the permissions of unleash-server's ApiUser say it
 * (resolveTokenPermissions): CLIENT for a backend token, FRONTEND for a frontend one. It is no
 * role of the database, so its id is 0.
 */
export function sdkTokenRole(type: "client" | "backend" | "frontend"): Role {
  const permission = type === "frontend" ? "FRONTEND" : "CLIENT";
  return { id: 0, type: "root", name: `${type} API token`, description: "An SDK API token.", grants: [{ permission }] };
}

/** roleSchema of the API. */
export function roleView(role: Role): { id: number; type: RoleType; name: string; description: string } {
  return { id: role.id, type: role.type, name: role.name, description: role.description };
}
