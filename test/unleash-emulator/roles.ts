// Roles as a fresh Unleash database seeds them (migrations 20210304...-add-roles), plus one custom
// root role so that clients are forced to resolve root roles by name rather than by a fixed id.

export const ADMIN = "ADMIN";
export const CREATE_FEATURE = "CREATE_FEATURE";

export interface Grant {
  permission: string;
  /** A project permission applies to this project only; a root permission has no project. */
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
  { permission: "UPDATE_FEATURE", project: "default" },
  { permission: "DELETE_FEATURE", project: "default" },
];

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
    grants: [],
  },
  {
    id: 5,
    type: "project",
    name: "Member",
    description:
      "Users with the project member role are allowed to view, create, and update feature flags within a project, but have limited permissions in regards to managing the project's user access and can not archive or delete the project.",
    grants: [],
  },
  {
    id: 6,
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

/** roleSchema of the API. */
export function roleView(role: Role): { id: number; type: RoleType; name: string; description: string } {
  return { id: role.id, type: role.type, name: role.name, description: role.description };
}
