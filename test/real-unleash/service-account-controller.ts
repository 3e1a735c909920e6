// The HTTP side of Unleash Enterprise's service-account routes, on the open-source server's
// Controller (see EnterpriseController for the pipeline each request goes through).
import { ADMIN, Controller, type IUnleashConfig, type IUnleashServices } from "unleash-server";
import { type AdminRequest, EnterpriseController, ok, type Reply } from "./enterprise-controller.js";
import {
  createServiceAccountSchema,
  createTokenSchema,
  idParams,
  tokenParams,
  updateServiceAccountSchema,
} from "./service-account-schemas.js";
import type { ServiceAccountService } from "./service-account-service.js";

export class ServiceAccountController extends EnterpriseController {
  constructor(
    config: IUnleashConfig,
    openApi: IUnleashServices["openApiService"],
    private readonly accounts: ServiceAccountService,
  ) {
    super(config, openApi, {
      tags: ["Service Accounts"],
      release: { stable: "4.21.0" },
      description: "Unleash Enterprise's service-account route, served by test infrastructure.",
      // Every path parameter of these routes is an id.
      parameterType: () => "integer",
    });
    this.endpoint("get", "", "getServiceAccounts", this.list);
    this.endpoint("post", "", "createServiceAccount", this.create, "createServiceAccountSchema");
    this.endpoint("put", "/:id", "updateServiceAccount", this.update, "updateServiceAccountSchema");
    this.endpoint("delete", "/:id", "deleteServiceAccount", this.remove);
    this.endpoint("get", "/:id/token", "getServiceAccountTokens", this.tokens);
    this.endpoint("post", "/:id/token", "createServiceAccountToken", this.createToken, "createPatSchema");
    this.endpoint("delete", "/:id/token/:tokenId", "deleteServiceAccountToken", this.deleteToken);
  }

  private async list(_req: AdminRequest, res: Reply): Promise<void> {
    res.status(200).json(await this.accounts.list());
  }

  private async create(req: AdminRequest, res: Reply): Promise<void> {
    const created = await this.accounts.create(createServiceAccountSchema.parse(req.body), req.audit);
    res.status(201).header("location", `service-account/${created.id}`).json(created);
  }

  private async update(req: AdminRequest, res: Reply): Promise<void> {
    const { id } = idParams.parse(req.params);
    res.status(200).json(await this.accounts.update(id, updateServiceAccountSchema.parse(req.body), req.audit));
  }

  private async remove(req: AdminRequest, res: Reply): Promise<void> {
    await this.accounts.delete(idParams.parse(req.params).id, req.audit);
    res.status(200).end();
  }

  private async tokens(req: AdminRequest, res: Reply): Promise<void> {
    res.status(200).json({ pats: await this.accounts.tokens(idParams.parse(req.params).id) });
  }

  private async createToken(req: AdminRequest, res: Reply): Promise<void> {
    const { id } = idParams.parse(req.params);
    const created = await this.accounts.createToken(id, createTokenSchema.parse(req.body), req.audit);
    res.status(201).header("location", `service-account/${id}/token/${created.id}`).json(created);
  }

  private async deleteToken(req: AdminRequest, res: Reply): Promise<void> {
    const { id, tokenId } = tokenParams.parse(req.params);
    await this.accounts.deleteToken(id, tokenId, req.audit);
    res.status(200).end();
  }
}

/** GET /api/admin/roles, which open source does not serve; ADMIN, like the other routes of the contract. */
export class RolesController extends Controller {
  constructor(config: IUnleashConfig, services: Pick<IUnleashServices, "openApiService" | "accessService">) {
    super(config);
    const { openApiService, accessService } = services;
    this.route({
      method: "get",
      path: "",
      permission: ADMIN,
      handler: async (_req: AdminRequest, res: Reply) => {
        res.status(200).json({ version: 1, roles: await accessService.getRoles() });
      },
      middleware: [
        openApiService.validPath({
          tags: ["Users"],
          release: { stable: "4.21.0" },
          operationId: "getRoles",
          summary: "getRoles",
          description: "Every role: root roles, custom root roles and project roles.",
          responses: { 200: ok },
        }),
      ],
    });
  }
}
