import { eventRoutes } from "./handlers/events.js";
import { featureRoutes } from "./handlers/features.js";
import { identityRoutes } from "./handlers/identity.js";
import { projectRoutes } from "./handlers/projects.js";
import { serviceAccountRoutes } from "./handlers/service-accounts.js";
import { tokenRoutes } from "./handlers/tokens.js";
import { Router } from "./router.js";

export function createRouter(): Router {
  return new Router([...serviceAccountRoutes, ...tokenRoutes, ...identityRoutes, ...featureRoutes, ...eventRoutes, ...projectRoutes]);
}
