// The Unleash that env:up and the demo run next to Kubernetes: the emulator (the default,
// with a fault and observation API) or a real open-source Unleash server with the
// service-account routes (test/real-unleash), for proof on the real thing.
import { randomBytes } from "node:crypto";
import { startEmulator } from "../unleash-emulator/index.js";

export const UNLEASH_BACKENDS = ["emulator", "real"] as const;
export type UnleashBackendKind = (typeof UNLEASH_BACKENDS)[number];

export interface UnleashBackendOptions {
  /** For the real server an admin API token of the form `*:*.<hex>`. */
  adminToken: string;
  /**
   * Where the emulator keeps what must survive a restart. The real server always starts
   * on an empty database of its own, removed when it stops.
   */
  stateFile?: string;
  /** The emulator's port; default a free one. The real server always takes a free one. */
  port?: number;
}

export interface UnleashBackend {
  url: string;
  adminToken: string;
  /** The emulator's fault and observation API; a real Unleash has none. */
  controlUrl?: string;
  stop(): Promise<void>;
}

export async function startUnleashBackend(kind: UnleashBackendKind, options: UnleashBackendOptions): Promise<UnleashBackend> {
  switch (kind) {
    case "emulator":
      return startEmulator(options);
    case "real": {
      // Loaded only when chosen: it brings in the whole unleash-server package, which takes
      // seconds to load.
      const { startRealUnleash } = await import("../real-unleash/index.js");
      return startRealUnleash({ adminToken: options.adminToken });
    }
  }
}

/** An admin API token of the shape both backends accept (the real server takes only hex). */
export function randomAdminToken(): string {
  return `*:*.${randomBytes(24).toString("hex")}`;
}

export function parseBackendKind(argv: readonly string[]): UnleashBackendKind {
  const value = argv.find((arg) => arg.startsWith("--unleash="))?.slice("--unleash=".length) ?? "emulator";
  const kind = UNLEASH_BACKENDS.find((k) => k === value);
  if (kind === undefined) throw new Error(`--unleash must be one of ${UNLEASH_BACKENDS.join(", ")}, not ${value}`);
  return kind;
}
