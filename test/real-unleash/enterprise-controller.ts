// Unleash Enterprise's routes on the open-source server's Controller, so the server's own
// pipeline runs before each handler, in its order: permission (403 PermissionError), Content-Type
// (415), OpenAPI validation of params and body (400 BadDataError with details); then its error
// handler turns the services' errors into their status codes.
import {
  ADMIN,
  Controller,
  createRequestSchema,
  emptyResponse,
  type IAuditUser,
  type IUnleashConfig,
  type IUnleashServices,
} from "unleash-server";

/** The parts of express's request and response the handlers use (express ships no types here). */
export interface AdminRequest {
  params: unknown;
  body: unknown;
  audit: IAuditUser;
}
export interface Reply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
  json(body: unknown): void;
  end(): void;
}

export type Method = "get" | "post" | "put" | "delete";

export const ok = { description: "Success." };

type PathDocs = Parameters<IUnleashServices["openApiService"]["validPath"]>[0];

/** How a group of Enterprise routes is described in the server's OpenAPI document. */
export interface EnterpriseRouteDocs {
  tags: PathDocs["tags"];
  /** The Enterprise release the routes became stable in. */
  release: PathDocs["release"];
  description: string;
  /** The JSON type of a path parameter, e.g. "integer" for an id; validated by the server. */
  parameterType(name: string): "string" | "integer";
}

/** Every route needs ADMIN, as the contract says of the routes the operator calls. */
export abstract class EnterpriseController extends Controller {
  constructor(
    config: IUnleashConfig,
    private readonly openApi: IUnleashServices["openApiService"],
    private readonly docs: EnterpriseRouteDocs,
  ) {
    super(config);
  }

  protected endpoint(
    method: Method,
    path: string,
    operationId: string,
    handler: (req: AdminRequest, res: Reply) => Promise<void>,
    requestSchema?: string,
  ): void {
    const parameters = [...path.matchAll(/:(\w+)/g)].map((match) => this.pathParameter(match[1] ?? ""));
    this.route({
      method,
      path,
      handler,
      permission: ADMIN,
      // As the Controller's own delete(): a DELETE has no body whose type could be checked.
      acceptAnyContentType: method === "delete",
      middleware: [
        this.openApi.validPath({
          tags: this.docs.tags,
          release: this.docs.release,
          enterpriseOnly: true,
          operationId,
          summary: operationId,
          description: this.docs.description,
          parameters,
          ...(requestSchema === undefined ? {} : { requestBody: createRequestSchema(requestSchema) }),
          responses: { 200: method === "delete" ? emptyResponse : ok },
        }),
      ],
    });
  }

  private pathParameter(name: string) {
    return { name, in: "path" as const, required: true, schema: { type: this.docs.parameterType(name) } };
  }
}
