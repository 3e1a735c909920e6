// Shared by the emulator's unit tests: a started emulator with its control client, and plain HTTP calls.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetch, type Dispatcher } from "undici";
import { afterEach, beforeEach } from "vitest";
import { z } from "zod";
import { EmulatorControl } from "../../unleash-emulator/control-client.js";
import { startEmulator, type EmulatorOptions, type RunningEmulator } from "../../unleash-emulator/index.js";

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  dispatcher?: Dispatcher;
}

export async function call(emulator: RunningEmulator, method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = { authorization: options.token ?? emulator.adminToken };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
  });
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  const reply: Reply = { status: response.status, headers: response.headers, text, json };
  return reply;
}

const started: RunningEmulator[] = [];

/** Starts an emulator that is stopped after the current test, also when the test fails. */
export async function emulatorForTest(options: EmulatorOptions = {}) {
  const emulator = await startEmulator(options);
  started.push(emulator);
  return { emulator, control: new EmulatorControl(emulator.controlUrl) };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((emulator) => emulator.stop()));
});

/** A fresh temporary directory for each test of the calling suite, removed after it; the getter names it. */
export function temporaryDirectoryPerTest(prefix: string): () => string {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

export const FUTURE = "2048-01-01T00:00:00.000Z";

const createdSchema = z.object({ id: z.number().int() });
const createdTokenSchema = z.object({ id: z.number().int(), secret: z.string() });

/** The id in a create response. */
export function idOf(json: unknown): number {
  return createdSchema.parse(json).id;
}

/** Creates a service account with one token; returns the account id, the token id and its secret. */
export async function accountWithToken(emulator: RunningEmulator, username: string, rootRole = 1, expiresAt = FUTURE) {
  const body = { username, name: username, rootRole };
  const account = await call(emulator, "POST", "/api/admin/service-account", { body });
  const id = idOf(account.json);
  const token = await call(emulator, "POST", `/api/admin/service-account/${id}/token`, {
    body: { description: `${username} token`, expiresAt },
  });
  const { id: tokenId, secret } = createdTokenSchema.parse(token.json);
  return { id, tokenId, secret };
}
