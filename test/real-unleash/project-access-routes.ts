// TEST INFRASTRUCTURE, not product code. Serves Unleash Enterprise's project-access routes
// (the "Project access" section of ../shared/docs/unleash-service-account-api.md) on the
// open-source `unleash-server`, which has the access store, the project roles and the services
// that grant them, but answers 404 on these routes. A preRouterHook like serviceAccountRoutes:
// the server calls it after authentication and RBAC are in place and before its own routes.
import type { Db, IUnleashConfig, IUnleashServices, IUnleashStores } from "unleash-server";
import { ProjectAccessController } from "./project-access-controller.js";
import { projectAccessOpenApiSchemas } from "./project-access-schemas.js";
import { ProjectAccessService } from "./project-access-service.js";

/** The part of the express app the hook uses (express ships no types here). */
interface App {
  use(path: string, router: ProjectAccessController["router"]): unknown;
}

export function projectAccessRoutes(
  app: App,
  config: IUnleashConfig,
  services: IUnleashServices,
  stores: IUnleashStores,
  _db: Db,
): void {
  services.openApiService.registerCustomSchemas(projectAccessOpenApiSchemas());
  const access = new ProjectAccessService(services, stores);
  const router = new ProjectAccessController(config, services.openApiService, access).router;
  app.use(`${config.server.baseUriPath}/api/admin/projects`, router);
}
