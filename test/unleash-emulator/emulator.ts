import type { Server } from "node:http";
import { z } from "zod";
import { Clock } from "./clock.js";
import { CONTROL_PREFIX } from "./control.js";
import { Faults } from "./faults.js";
import { loadState, saveState } from "./persistence.js";
import { createRouter } from "./routes.js";
import { createEmulatorServer } from "./server.js";
import { seedState, TOKEN_FORMATS, type State, type TokenFormat } from "./state.js";
import { Store } from "./store.js";

export const DEFAULT_ADMIN_TOKEN = "*:*.emulator-admin-token";

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65535).default(0),
  adminToken: z.string().min(1).default(DEFAULT_ADMIN_TOKEN),
  stateFile: z.string().min(1).optional(),
  tls: z.object({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  basePath: z
    .string()
    .regex(/^(\/[^/?#]+)*\/?$/, { error: 'must look like "/unleash"' })
    .transform((path) => path.replace(/\/+$/, ""))
    .default(""),
  now: z.custom<() => number>((value) => typeof value === "function").optional(),
  tokenFormat: z.enum(TOKEN_FORMATS).default("v1"),
  revocationDelayMs: z.number().int().nonnegative().default(0),
});

export interface EmulatorOptions {
  /** Default 0: a free port. The emulator binds 127.0.0.1 only. */
  port?: number;
  /** Default DEFAULT_ADMIN_TOKEN. */
  adminToken?: string;
  /** When set, state is loaded at start and saved after each change, so it survives a restart. */
  stateFile?: string;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string };
  /** Path prefix such as "/unleash", as Unleash's baseUriPath. */
  basePath?: string;
  /** Clock (ms since epoch) for expiry tests; default Date.now. */
  now?: () => number;
  /** The format of new SDK API tokens: "v2" is unleash-server's `secureTokenStorage` flag. Default "v1". */
  tokenFormat?: TokenFormat;
  /** How long the SDK routes still accept a deleted token (the server's token cache). Default 0. */
  revocationDelayMs?: number;
}

export interface RunningEmulator {
  /** Base URL including the base path, no trailing slash. */
  url: string;
  /** `${origin}/_emulator` */
  controlUrl: string;
  adminToken: string;
  /** Closes the server and all sockets. */
  stop(): Promise<void>;
}

/** The running emulator and its fault switchboard, for in-process callers such as the CLI. */
export interface LaunchedEmulator {
  running: RunningEmulator;
  faults: Faults;
}

export async function launchEmulator(options: EmulatorOptions = {}): Promise<LaunchedEmulator> {
  const settings = optionsSchema.parse(options);
  const clock = new Clock(settings.now ?? Date.now);
  const { stateFile } = settings;
  const persist = stateFile === undefined ? () => undefined : (state: State) => saveState(stateFile, state);
  const initial = (stateFile === undefined ? undefined : loadState(stateFile)) ?? seedState(clock.now());
  persist(initial);
  const faults = new Faults();
  const store = new Store(initial, persist, clock);
  store.apiTokenSettings = { format: settings.tokenFormat, revocationDelayMs: settings.revocationDelayMs };
  const { server, close } = createEmulatorServer({
    store,
    faults,
    router: createRouter(settings.adminToken),
    adminToken: settings.adminToken,
    basePath: settings.basePath,
    ...(settings.tls === undefined ? {} : { tls: settings.tls }),
  });
  const port = await listen(server, settings.port);
  const origin = `${settings.tls ? "https" : "http"}://127.0.0.1:${port}`;
  const running: RunningEmulator = {
    url: `${origin}${settings.basePath}`,
    controlUrl: `${origin}${CONTROL_PREFIX}`,
    adminToken: settings.adminToken,
    stop: close,
  };
  return { running, faults };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("the emulator is not a TCP server"));
      else resolve(address.port);
    });
  });
}
