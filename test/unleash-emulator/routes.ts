import { apiTokenRoutes } from "./handlers/api-tokens.js";
import { eventRoutes } from "./handlers/events.js";
import { featureEnvironmentRoutes } from "./handlers/feature-environments.js";
import { featureRoutes } from "./handlers/features.js";
import { identityRoutes } from "./handlers/identity.js";
import { projectRoutes } from "./handlers/projects.js";
import { sdkRoutes } from "./handlers/sdk.js";
import { serviceAccountRoutes } from "./handlers/service-accounts.js";
import { tokenRoutes } from "./handlers/tokens.js";
import { Router } from "./router.js";

/** `adminToken`: the emulator's admin API token, which the API-token list shows as Unleash does. */
export function createRouter(adminToken: string): Router {
  return new Router([
    ...serviceAccountRoutes,
    ...tokenRoutes,
    ...identityRoutes,
    ...featureRoutes,
    ...featureEnvironmentRoutes,
    ...eventRoutes,
    ...projectRoutes,
    ...apiTokenRoutes(adminToken),
    ...sdkRoutes,
  ]);
}
