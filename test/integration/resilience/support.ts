// Shared pieces of the resilience tests: a fleet of accounts and tokens, a kubeconfig through a
// fault proxy, and the checks every scenario ends with (converged, nothing duplicated, nothing leaked).
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Secret } from "@kubernetes/client-node";
import { z } from "zod";
import { GROUP, VERSION } from "../../../src/api/v1alpha1/common.js";
import { kinds, type KindName } from "../../../src/api/v1alpha1/resources.js";
import { EmulatorControl, type EmulatorStateView } from "../../unleash-emulator/control-client.js";
import { startEmulator, type RunningEmulator } from "../../unleash-emulator/index.js";
import { kubectl } from "../support/kubectl.js";
import { startOperator, type OperatorOptions, type RunningOperator } from "../support/operator.js";
import { connectionYaml } from "../support/world.js";

/**
 * A namespace with an UnleashConnection to an emulator of its own, on any control plane (the
 * shared one, or a private one a test restarts), and the operators a test starts in it.
 */
export interface Scene {
  kubeconfigPath: string;
  namespace: string;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  emulator: RunningEmulator;
  control: EmulatorControl;
  /** Starts an operator watching the scene's namespace; close() stops it if the test did not. */
  startOperator(options?: Partial<OperatorOptions>): Promise<RunningOperator>;
  kubectl(args: readonly string[], stdin?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startScene(kubeconfigPath: string, prefix: string, connectionUrl?: (emulator: RunningEmulator) => string): Promise<Scene> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const namespace = `${prefix}-${randomBytes(3).toString("hex")}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const emulator = await startEmulator();
  const operators: RunningOperator[] = [];
  const run = (args: readonly string[], stdin?: string) => kubectl(kubeconfigPath, args, stdin);
  await run(["apply", "-n", namespace, "-f", "-"], connectionYaml(namespace, connectionUrl?.(emulator) ?? emulator.url, emulator.adminToken));
  return {
    kubeconfigPath,
    namespace,
    core,
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    emulator,
    control: new EmulatorControl(emulator.controlUrl),
    startOperator: async (options = {}) => {
      const operator = await startOperator({ kubeconfigPath, namespaces: [namespace], ...options });
      operators.push(operator);
      return operator;
    },
    kubectl: run,
    close: async () => {
      // Resources first, while an operator may still run to release their finalizers.
      await run(["delete", "-n", namespace, "serviceaccounttokens,serviceaccounts", "--all", "--timeout=30s"]).catch(() => undefined);
      await Promise.all(operators.map((operator) => operator.stop()));
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
      await emulator.stop();
    },
  };
}

export const TOKEN_KEY = "UNLEASH_API_TOKEN";
const HELD_ANNOTATION = "accounts.unleash.dev/held-tokens";
const TOKEN_ID_ANNOTATION = "accounts.unleash.dev/token-id";

export interface Fleet {
  accounts: string[];
  tokens: { name: string; account: string }[];
}

/** `accounts` ServiceAccounts with `tokensPerAccount` ServiceAccountTokens each. */
export function fleet(accounts: number, tokensPerAccount: number, prefix = "svc"): Fleet {
  const names = Array.from({ length: accounts }, (_, a) => `${prefix}-${a}`);
  return {
    accounts: names,
    tokens: names.flatMap((account) => Array.from({ length: tokensPerAccount }, (_, t) => ({ name: `${account}-t${t}`, account }))),
  };
}

/**
 * Creates the fleet through the API, several requests at a time: far quicker than `kubectl apply`,
 * which sends one object after the other, so the operator gets the whole load at once.
 */
export async function createFleet(custom: CustomObjectsApi, namespace: string, fleetToCreate: Fleet, concurrency = 8): Promise<void> {
  const create = (kind: KindName, name: string, spec: Record<string, unknown>) =>
    custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: kinds[kind].plural,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name }, spec },
    });
  const work = [
    ...fleetToCreate.accounts.map((name) => () => create("ServiceAccount", name, { connectionRef: { kind: "UnleashConnection", name: "unleash" }, rootRole: "Editor" })),
    ...fleetToCreate.tokens.map(({ name, account }) => () => create("ServiceAccountToken", name, { serviceAccountRef: { name: account }, lifetime: "720h" })),
  ];
  const next = work[Symbol.iterator]();
  const worker = async () => {
    for (let item = next.next(); !item.done; item = next.next()) await item.value();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * A copy of a kubeconfig whose server is the fault proxy. The proxy works at the TCP level, so
 * the client still verifies the API server's own certificate (its SAN holds 127.0.0.1).
 */
export async function kubeconfigThrough(kubeconfigPath: string, proxy: { host: string; port: number }): Promise<string> {
  const original = new KubeConfig();
  original.loadFromFile(kubeconfigPath);
  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    clusters: original.clusters.map((cluster) => ({ ...cluster, server: `https://${proxy.host}:${proxy.port}` })),
    users: original.users,
    contexts: original.contexts,
    currentContext: original.currentContext,
  });
  const path = join(await mkdtemp(join(tmpdir(), "proxied-kubeconfig-")), "kubeconfig");
  await writeFile(path, proxied.exportConfig(), { mode: 0o600 });
  return path;
}

const conditionList = z.array(z.object({ type: z.string(), status: z.string() })).optional();
const resourceList = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string() }),
      status: z
        .object({
          conditions: conditionList,
          id: z.number().optional(),
          tokenId: z.number().optional(),
          previousTokens: z.array(z.object({ id: z.number() })).optional(),
        })
        .optional(),
    }),
  ),
});
type ResourceItem = z.infer<typeof resourceList>["items"][number];

export async function listResources(custom: CustomObjectsApi, namespace: string, kind: KindName): Promise<ResourceItem[]> {
  const raw: unknown = await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: kinds[kind].plural });
  return resourceList.parse(raw).items;
}

function isReady(item: ResourceItem): boolean {
  return item.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

export async function readyCount(custom: CustomObjectsApi, namespace: string, kind: KindName): Promise<number> {
  return (await listResources(custom, namespace, kind)).filter(isReady).length;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function tokenInSecret(secret: V1Secret): string | undefined {
  const encoded = secret.data?.[TOKEN_KEY];
  return encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8");
}

/** Tokens Unleash accepts right now: not revoked, not expired. */
export function liveTokenHashes(state: EmulatorStateView): Set<string> {
  const now = Date.parse(state.now);
  return new Set(state.tokens.filter((t) => t.deletedAt === null && Date.parse(t.expiresAt) > now).map((t) => t.secretHash));
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
 * Live tokens that nothing accounts for: not the token a Secret holds, not a previous token held
 * in its grace period (Secret annotation or resource status), not a resource's current token.
 */
export async function leakedTokens(control: EmulatorControl, core: CoreV1Api, custom: CustomObjectsApi, namespace: string): Promise<string[]> {
  const [state, secrets, tokens] = await Promise.all([control.state(), managedSecrets(core, namespace), listResources(custom, namespace, "ServiceAccountToken")]);
  const accounted = new Set<number>();
  const inSecrets = new Set<string>();
  for (const secret of secrets) {
    const value = tokenInSecret(secret);
    if (value !== undefined) inSecrets.add(sha256(value));
    for (const held of heldIds(secret)) accounted.add(held);
  }
  for (const token of tokens) {
    if (token.status?.tokenId !== undefined) accounted.add(token.status.tokenId);
    for (const held of token.status?.previousTokens ?? []) accounted.add(held.id);
  }
  return state.tokens
    .filter((t) => t.deletedAt === null && !inSecrets.has(t.secretHash) && !accounted.has(t.id))
    .map((t) => `token ${t.id} of user ${t.userId} (${t.description}) is live and unaccounted for`);
}

function heldIds(secret: V1Secret): number[] {
  const parsed = z.array(z.object({ id: z.number() })).safeParse(parseJson(secret.metadata?.annotations?.[HELD_ANNOTATION]));
  const current = Number(secret.metadata?.annotations?.[TOKEN_ID_ANNOTATION]);
  return [...(parsed.success ? parsed.data.map((h) => h.id) : []), ...(Number.isSafeInteger(current) ? [current] : [])];
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * What is not converged yet: every ServiceAccount and ServiceAccountToken Ready, every token's
 * Secret holding a token Unleash accepts, issued to the account its resource names.
 */
export async function unconverged(control: EmulatorControl, core: CoreV1Api, custom: CustomObjectsApi, namespace: string, expected: Fleet): Promise<string[]> {
  const [state, secrets, accounts, tokens] = await Promise.all([
    control.state(),
    managedSecrets(core, namespace),
    listResources(custom, namespace, "ServiceAccount"),
    listResources(custom, namespace, "ServiceAccountToken"),
  ]);
  const problems: string[] = [];
  const accountIds = new Map(accounts.map((a) => [a.metadata.name, a.status?.id]));
  const readyAccounts = new Set(accounts.filter(isReady).map((a) => a.metadata.name));
  const readyTokens = new Set(tokens.filter(isReady).map((t) => t.metadata.name));
  const secretByName = new Map(secrets.map((s) => [s.metadata?.name ?? "", s]));
  const now = Date.parse(state.now);
  const liveByHash = new Map(state.tokens.filter((t) => t.deletedAt === null && Date.parse(t.expiresAt) > now).map((t) => [t.secretHash, t]));
  for (const account of expected.accounts) if (!readyAccounts.has(account)) problems.push(`ServiceAccount ${account} is not Ready`);
  for (const { name, account } of expected.tokens) {
    if (!readyTokens.has(name)) problems.push(`ServiceAccountToken ${name} is not Ready`);
    const secret = secretByName.get(name);
    const value = secret && tokenInSecret(secret);
    const live = value === undefined ? undefined : liveByHash.get(sha256(value));
    if (!live) problems.push(`Secret ${name} holds no token Unleash accepts`);
    else if (live.userId !== accountIds.get(account)) problems.push(`Secret ${name} holds a token of user ${live.userId}, not of ${account}`);
  }
  return problems;
}

/** Everything a converged fleet must also be: no account created twice, no token leaked. */
export async function ledgerProblems(control: EmulatorControl, core: CoreV1Api, custom: CustomObjectsApi, namespace: string): Promise<string[]> {
  return [...duplicateAccounts(await control.state()), ...(await leakedTokens(control, core, custom, namespace))];
}

/** One line per test with its figures, easy to find in CI output. */
export function reportFigures(scenario: string, figures: Record<string, number | string>): void {
  const text = Object.entries(figures)
    .map(([name, value]) => `${name}=${typeof value === "number" ? Math.round(value * 100) / 100 : value}`)
    .join(" ");
  console.log(`[resilience] ${scenario}: ${text}`);
}

export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}
