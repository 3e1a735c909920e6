// The HTTP side of Unleash Enterprise's service-account routes, on the open-source server's
// Controller: its permission check (403 PermissionError), its Content-Type check (415) and its
// OpenAPI request validation (400 BadDataError with details) run before each handler, in that
// order, and its error handler turns the services' errors into their status codes.
import {
  ADMIN,
  Controller,
  createRequestSchema,
  emptyResponse,
  type IAuditUser,
  type IUnleashConfig,
  type IUnleashServices,
} from "unleash-server";
import {
  createServiceAccountSchema,
  createTokenSchema,
  idParams,
  tokenParams,
  updateServiceAccountSchema,
} from "./service-account-schemas.js";
import type { ServiceAccountService } from "./service-account-service.js";

/** The parts of express's request and response the handlers use (express ships no types here). */
interface AdminRequest {
  params: unknown;
  body: unknown;
  audit: IAuditUser;
}
interface Reply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
  json(body: unknown): void;
  end(): void;
}

type Method = "get" | "post" | "put" | "delete";

const ok = { description: "Success." };
const idParameter = (name: string) => ({ name, in: "path" as const, required: true, schema: { type: "integer" as const } });

export class ServiceAccountController extends Controller {
  constructor(
    config: IUnleashConfig,
    private readonly openApi: IUnleashServices["openApiService"],
    private readonly accounts: ServiceAccountService,
  ) {
    super(config);
    this.endpoint("get", "", "getServiceAccounts", this.list);
    this.endpoint("post", "", "createServiceAccount", this.create, "createServiceAccountSchema");
    this.endpoint("put", "/:id", "updateServiceAccount", this.update, "updateServiceAccountSchema");
    this.endpoint("delete", "/:id", "deleteServiceAccount", this.remove);
    this.endpoint("get", "/:id/token", "getServiceAccountTokens", this.tokens);
    this.endpoint("post", "/:id/token", "createServiceAccountToken", this.createToken, "createPatSchema");
    this.endpoint("delete", "/:id/token/:tokenId", "deleteServiceAccountToken", this.deleteToken);
  }

  private endpoint(
    method: Method,
    path: string,
    operationId: string,
    handler: (req: AdminRequest, res: Reply) => Promise<void>,
    requestSchema?: string,
  ): void {
    const parameters = [...path.matchAll(/:(\w+)/g)].map((match) => idParameter(match[1] ?? ""));
    this.route({
      method,
      path,
      handler,
      permission: ADMIN,
      // As the Controller's own delete(): a DELETE has no body whose type could be checked.
      acceptAnyContentType: method === "delete",
      middleware: [
        this.openApi.validPath({
          tags: ["Service Accounts"],
          release: { stable: "4.21.0" },
          enterpriseOnly: true,
          operationId,
          summary: operationId,
          description: "Unleash Enterprise's service-account route, served by test infrastructure.",
          parameters,
          ...(requestSchema === undefined ? {} : { requestBody: createRequestSchema(requestSchema) }),
          responses: { 200: method === "delete" ? emptyResponse : ok },
        }),
      ],
    });
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
