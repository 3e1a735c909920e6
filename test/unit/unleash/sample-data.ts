// Bodies shaped like the Unleash Admin API's (see shared/docs/unleash-service-account-api.md).

export const ADMIN_ROLE = { id: 1, type: "root", name: "Admin", description: "Users with the root admin role" };
export const EDITOR_ROLE = { id: 2, type: "root", name: "Editor" };
export const VIEWER_ROLE = { id: 3, type: "root", name: "Viewer" };
export const CUSTOM_ROLE = { id: 7, type: "root-custom", name: "Flag Reader", description: null };
export const PROJECT_ROLE = { id: 4, type: "project", name: "Owner", project: null };

/** A PAT secret in the released format: `user:` + 56 hex. */
export const PAT_SECRET = `user:${"ab12".repeat(14)}`;

export function tokenBody(id: number, overrides: Record<string, unknown> = {}) {
  return {
    id,
    description: `token ${id}`,
    expiresAt: "2048-01-01T00:00:00.000Z",
    createdAt: "2024-05-01T10:00:00.000Z",
    seenAt: null,
    userId: 10,
    ...overrides,
  };
}

export function accountBody(id: number, overrides: Record<string, unknown> = {}) {
  return {
    id,
    username: `account-${id}`,
    name: `Account ${id}`,
    rootRole: 2,
    imageUrl: "https://gravatar.com/avatar/x",
    createdAt: "2024-05-01T10:00:00.000Z",
    seenAt: null,
    isAPI: false,
    accountType: "Service Account",
    tokens: [],
    ...overrides,
  };
}
