// The HTTP side of Unleash Enterprise's project-access routes, on the open-source server's
// Controller (see EnterpriseController for the pipeline each request goes through).
import type { IUnleashConfig, IUnleashServices } from "unleash-server";
import { type AdminRequest, EnterpriseController, type Reply } from "./enterprise-controller.js";
import { projectAddAccessSchema, projectParams, projectRolesSchema, projectUserParams } from "./project-access-schemas.js";
import type { ProjectAccessService } from "./project-access-service.js";

/** Mounted at /api/admin/projects, before the server's own project routes, which it leaves alone. */
export class ProjectAccessController extends EnterpriseController {
  constructor(
    config: IUnleashConfig,
    openApi: IUnleashServices["openApiService"],
    private readonly access: ProjectAccessService,
  ) {
    // ADMIN on every route: the contract also lets a project's owner in, which the operator never
    // relies on (it always calls with an admin token).
    super(config, openApi, {
      tags: ["Projects"],
      // They are in the published 7.5.0 document; the release that introduced them is not known.
      release: { stable: "7.5.0" },
      description: "Unleash Enterprise's project-access route, served by test infrastructure.",
      parameterType: (name) => (name === "userId" ? "integer" : "string"),
    });
    this.endpoint("get", "/:projectId/access", "getProjectAccess", this.list);
    this.endpoint("post", "/:projectId/access", "addAccessToProject", this.add, "projectAddAccessSchema");
    this.endpoint("put", "/:projectId/users/:userId/roles", "setUserRoles", this.setRoles, "projectRolesSchema");
    this.endpoint("delete", "/:projectId/users/:userId/roles", "removeUserAccess", this.remove);
  }

  private async list(req: AdminRequest, res: Reply): Promise<void> {
    res.status(200).json(await this.access.get(projectParams.parse(req.params).projectId));
  }

  private async add(req: AdminRequest, res: Reply): Promise<void> {
    await this.access.add(projectParams.parse(req.params).projectId, projectAddAccessSchema.parse(req.body), req.audit);
    res.status(200).end();
  }

  private async setRoles(req: AdminRequest, res: Reply): Promise<void> {
    const { projectId, userId } = projectUserParams.parse(req.params);
    await this.access.setRoles(projectId, userId, projectRolesSchema.parse(req.body).roles, req.audit);
    res.status(200).end();
  }

  private async remove(req: AdminRequest, res: Reply): Promise<void> {
    const { projectId, userId } = projectUserParams.parse(req.params);
    await this.access.remove(projectId, userId, req.audit);
    res.status(200).end();
  }
}
