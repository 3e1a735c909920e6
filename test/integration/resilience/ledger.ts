// The checks every scenario ends with: converged, no account created twice, no token leaked.
import { createHash } from "node:crypto";
import type { CoreV1Api, CustomObjectsApi, V1Secret } from "@kubernetes/client-node";
import { expect } from "vitest";
import { z } from "zod";
import { eventually } from "../../harness/eventually.js";
import type { EmulatorControl, EmulatorStateView } from "../../unleash-emulator/control-client.js";
import { listResources, notReadyReason, type Fleet } from "./fleet.js";
import { parseJsonOrUndefined } from "../../harness/json.js";
import { workingTokens } from "../support/unleash-state.js";

/** What the checks read: a namespace and the Unleash its operator manages (a World or a Scene). */
export interface Ledger {
  control: EmulatorControl;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  namespace: string;
}

const TOKEN_KEY = "UNLEASH_API_TOKEN";
const HELD_ANNOTATION = "accounts.unleash.dev/held-tokens";

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function tokenInSecret(secret: V1Secret): string | undefined {
  const encoded = secret.data?.[TOKEN_KEY];
  return encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8");
}


export function liveTokenHashes(state: EmulatorStateView): Set<string> {
  return new Set(workingTokens(state).map((t) => t.secretHash));
}

export async function managedSecrets(core: CoreV1Api, namespace: string): Promise<V1Secret[]> {
  const list = await core.listNamespacedSecret({ namespace, labelSelector: "app.kubernetes.io/managed-by=unleash-accounts-operator" });
  return list.items;
}

/** Service-account usernames Unleash has ever created more than once (deleted accounts count too). */
export function duplicateAccounts(state: EmulatorStateView): string[] {
  const created = new Map<string, number>();
  for (const user of state.users.filter((u) => u.isService)) created.set(user.username, (created.get(user.username) ?? 0) + 1);
  return [...created].filter(([, count]) => count > 1).map(([username, count]) => `${username} created ${count} times`);
}

/**
 * Live tokens that nothing accounts for: neither the token a Secret holds nor a previous token
 * held in its grace period (Secret annotation or resource status).
 */
export async function leakedTokens({ control, core, custom, namespace }: Ledger): Promise<string[]> {
  const [state, secrets, tokens] = await Promise.all([control.state(), managedSecrets(core, namespace), listResources(custom, namespace, "ServiceAccountToken")]);
  const inSecrets = new Set(secrets.flatMap((secret) => tokenInSecret(secret) ?? []).map(sha256));
  const held = new Set([...secrets.flatMap(heldIds), ...tokens.flatMap((t) => t.status?.previousTokens ?? []).map((h) => h.id)]);
  return state.tokens
    .filter((t) => t.deletedAt === null && !inSecrets.has(t.secretHash) && !held.has(t.id))
    .map((t) => `token ${t.id} of user ${t.userId} (${t.description}) is live and unaccounted for`);
}

function heldIds(secret: V1Secret): number[] {
  const parsed = z.array(z.object({ id: z.number() })).safeParse(parseJsonOrUndefined(secret.metadata?.annotations?.[HELD_ANNOTATION]));
  return parsed.success ? parsed.data.map((h) => h.id) : [];
}


/**
 * What is not converged yet: every ServiceAccount and ServiceAccountToken Ready, every token's
 * Secret holding a token Unleash accepts, issued to the account its resource names.
 */
export async function unconverged({ control, core, custom, namespace }: Ledger, expected: Fleet): Promise<string[]> {
  const [state, secrets, accounts, tokens] = await Promise.all([
    control.state(),
    managedSecrets(core, namespace),
    listResources(custom, namespace, "ServiceAccount"),
    listResources(custom, namespace, "ServiceAccountToken"),
  ]);
  const problems: string[] = [];
  const accountIds = new Map(accounts.map((a) => [a.metadata.name, a.status?.id]));
  const notReady = (items: typeof accounts, name: string) => notReadyReason(items.find((item) => item.metadata.name === name));
  const secretByName = new Map(secrets.map((s) => [s.metadata?.name ?? "", s]));
  const liveByHash = new Map(workingTokens(state).map((t) => [t.secretHash, t]));
  for (const account of expected.accounts) {
    const why = notReady(accounts, account);
    if (why) problems.push(`ServiceAccount ${account} is not Ready (${why})`);
  }
  for (const { name, account } of expected.tokens) {
    const why = notReady(tokens, name);
    if (why) problems.push(`ServiceAccountToken ${name} is not Ready (${why})`);
    const secret = secretByName.get(name);
    const value = secret && tokenInSecret(secret);
    const live = value === undefined ? undefined : liveByHash.get(sha256(value));
    if (!live) problems.push(`Secret ${name} holds no token Unleash accepts`);
    else if (live.userId !== accountIds.get(account)) problems.push(`Secret ${name} holds a token of user ${live.userId}, not of ${account}`);
  }
  return problems;
}

/** Everything a converged fleet must also be: no account created twice, no token leaked. */
export async function ledgerProblems(ledger: Ledger): Promise<string[]> {
  return [...duplicateAccounts(await ledger.control.state()), ...(await leakedTokens(ledger))];
}

/** Waits until `unconverged` finds nothing; on timeout the error lists what still is not. */
export async function waitConverged(ledger: Ledger, expected: Fleet, timeoutMs: number): Promise<void> {
  await eventually(async () => expect(await unconverged(ledger, expected)).toEqual([]), { timeoutMs, intervalMs: 1000 });
}
