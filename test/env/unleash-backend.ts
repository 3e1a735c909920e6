// The Unleash that env:up runs next to Kubernetes. Choosing another backend (a real Unleash)
// is one more case in startUnleashBackend.
import { startEmulator } from "../unleash-emulator/index.js";

export const UNLEASH_BACKENDS = ["emulator"] as const;
export type UnleashBackendKind = (typeof UNLEASH_BACKENDS)[number];

export interface UnleashBackendOptions {
  adminToken: string;
  /** Where the backend keeps what must survive a restart. */
  stateFile: string;
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
      return startEmulator({ adminToken: options.adminToken, stateFile: options.stateFile });
  }
}

export function parseBackendKind(argv: readonly string[]): UnleashBackendKind {
  const value = argv.find((arg) => arg.startsWith("--unleash="))?.slice("--unleash=".length) ?? "emulator";
  const kind = UNLEASH_BACKENDS.find((k) => k === value);
  if (kind === undefined) throw new Error(`--unleash must be one of ${UNLEASH_BACKENDS.join(", ")}, not ${value}`);
  return kind;
}
