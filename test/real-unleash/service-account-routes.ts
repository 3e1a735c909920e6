// TEST INFRASTRUCTURE, not product code. Serves Unleash Enterprise's documented
// service-account routes (../shared/docs/unleash-service-account-api.md) on the open-source
// `unleash-server`, which has everything a service account is made of (users.is_service, root
// roles, personal access tokens and their authentication, event attribution) but answers 404
// on these admin routes. Install it with `start({ preRouterHook: serviceAccountRoutes })`: the
// server calls it after authentication and RBAC are in place and before its own routes.
import type { Db, IUnleashConfig, IUnleashServices, IUnleashStores } from "unleash-server";
import { LEGACY_DATA_PATH } from "./legacy-data.js";
import { LegacyDataController } from "./legacy-data-routes.js";
import { RolesController, ServiceAccountController } from "./service-account-controller.js";
import { openApiSchemas } from "./service-account-schemas.js";
import { ServiceAccountService } from "./service-account-service.js";
import { ServiceAccountStore } from "./service-account-store.js";

/** The part of the express app the hook uses (express ships no types here). */
interface App {
  use(path: string, router: ServiceAccountController["router"]): unknown;
}

export function serviceAccountRoutes(
  app: App,
  config: IUnleashConfig,
  services: IUnleashServices,
  stores: IUnleashStores,
  db: Db,
): void {
  services.openApiService.registerCustomSchemas(openApiSchemas());
  const store = new ServiceAccountStore(db);
  const accounts = new ServiceAccountService(services, stores, store);
  const base = `${config.server.baseUriPath}/api/admin`;
  app.use(`${base}/service-account`, new ServiceAccountController(config, services.openApiService, accounts).router);
  app.use(`${base}/roles`, new RolesController(config, services).router);
  // Not Unleash's: how tests store data that today's API refuses to create (legacy-data.ts).
  app.use(`${config.server.baseUriPath}${LEGACY_DATA_PATH}`, new LegacyDataController(config, services, store).router);
}
