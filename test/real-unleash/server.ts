// TEST INFRASTRUCTURE: runs the open-source Unleash server (the pinned `unleash-server`
// package) with the service-account routes of Unleash Enterprise added, as a program of its
// own: `tsx test/real-unleash/server.ts` with DATABASE_URL, PORT and ADMIN_TOKEN (an admin API
// token, `*:*.<secret>`) in its environment. Prints one JSON line `{"url": ..., "pid": ...}`
// once it listens and is seeded; stops on SIGTERM/SIGINT (the server's graceful shutdown).
import { ApiTokenType, LogLevel, start } from "unleash-server";
import { z } from "zod";
import { seed } from "./seed.js";
import { projectAccessRoutes } from "./project-access-routes.js";
import { serviceAccountRoutes } from "./service-account-routes.js";

const env = z
  .object({
    DATABASE_URL: z.string().startsWith("postgres://"),
    PORT: z.coerce.number().int().positive(),
    ADMIN_TOKEN: z.string().regex(/^\*:\*\.[0-9a-f]+$/, "an admin API token: *:*.<hex>"),
  })
  .parse(process.env);

const url = `http://127.0.0.1:${env.PORT}`;

const unleash = await start({
  databaseUrl: env.DATABASE_URL,
  db: { ssl: false },
  server: { host: "127.0.0.1", port: env.PORT, unleashUrl: url, enableRequestLogger: false },
  authentication: {
    initApiTokens: [
      { tokenName: "admin", secret: env.ADMIN_TOKEN, type: ApiTokenType.ADMIN, environment: "*", projects: ["*"] },
    ],
  },
  // The server takes one hook: it installs both sets of Enterprise routes.
  preRouterHook: (...hook: Parameters<typeof serviceAccountRoutes>) => {
    serviceAccountRoutes(...hook);
    projectAccessRoutes(...hook);
  },
  logLevel: LogLevel.error,
  // No internet here, and a test server has nothing to report.
  versionCheck: { enable: false },
  telemetry: false,
});

await seed(unleash.services, unleash.stores);
console.log(JSON.stringify({ url, pid: process.pid }));
