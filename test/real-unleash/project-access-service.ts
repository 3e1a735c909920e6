// What Unleash Enterprise's project-access routes do, on the open-source server's own services:
// ProjectService.addAccess / setRolesForUser / removeUserAccess (which check the caller may grant
// the roles, write through AccessService's store and record the project-access-* events) and
// AccessService.getProjectRoleAccess. The store itself refuses a role that is not a project role
// on a grant (400) and an unknown user id (400). What this layer adds is what the Enterprise
// route layer does before those services: an unknown project is 404, and so is an unknown user
// whose roles are set (the store would fail on the foreign key, a 500).
import type { IAuditUser, IUnleashServices, IUnleashStores, IUser } from "unleash-server";

type Services = Pick<IUnleashServices, "projectService" | "accessService">;
type Stores = Pick<IUnleashStores, "accountStore">;

/**
 * A user with access, as userWithProjectRoleSchema has it. The store hands over the whole account
 * row (its declared type names fewer fields than it carries); only these public fields are sent.
 */
interface ProjectUser extends Partial<Pick<IUser, "name" | "username" | "email" | "imageUrl" | "isAPI" | "accountType">> {
  id: number;
  addedAt?: Date;
  roleId?: number;
  roles?: number[];
}

export class ProjectAccessService {
  private readonly projects: Services["projectService"];
  private readonly access: Services["accessService"];
  private readonly accounts: Stores["accountStore"];

  constructor(services: Services, stores: Stores) {
    this.projects = services.projectService;
    this.access = services.accessService;
    this.accounts = stores.accountStore;
  }

  async get(projectId: string) {
    await this.requireProject(projectId);
    const { roles, users, groups } = await this.access.getProjectRoleAccess(projectId);
    return { roles, users: users.map(publicFields), groups };
  }

  async add(projectId: string, grant: { roles: number[]; groups: number[]; users: number[] }, auditUser: IAuditUser) {
    await this.requireProject(projectId);
    await this.projects.addAccess(projectId, grant.roles, grant.groups, grant.users, auditUser);
  }

  async setRoles(projectId: string, userId: number, roles: number[], auditUser: IAuditUser): Promise<void> {
    await this.requireProject(projectId);
    // Throws NotFoundError "No user found" for an unknown or deleted user.
    await this.accounts.get(userId);
    await this.projects.setRolesForUser(projectId, userId, roles, auditUser);
  }

  async remove(projectId: string, userId: number, auditUser: IAuditUser): Promise<void> {
    await this.requireProject(projectId);
    await this.projects.removeUserAccess(projectId, userId, auditUser);
  }

  /** Throws NotFoundError "Could not find project with id …". */
  private async requireProject(projectId: string): Promise<void> {
    await this.projects.getProject(projectId);
  }
}

function publicFields(user: ProjectUser): ProjectUser {
  const { id, name, username, email, imageUrl, isAPI, accountType, addedAt, roleId, roles } = user;
  return { id, name, username, email, imageUrl, isAPI, accountType, addedAt, roleId, roles };
}
