// The resources a benchmark run applies: namespaces, one connection, ServiceAccounts spread
// over the namespaces, and their ServiceAccountTokens.
import { forEachConcurrently, type KubeHttp } from "./kube-http.js";

export const API = "/apis/accounts.unleash.dev/v1alpha1";
export const API_VERSION = "accounts.unleash.dev/v1alpha1";
export const ADMIN_SECRET = "unleash-admin";
export const ROOT_ROLE = "Editor";
const TOKEN_LIFETIME = "720h";
/** What every account declares with --project-access, and what the cluster connection's policy admits. */
export const PROJECT_ACCESS = { projects: [{ project: "default", roles: ["Member"] }] };
const PROJECT_POLICY = [{ projects: ["default"], roles: ["Member"] }];

export type ConnectionKind = "cluster" | "namespaced";

export interface AccountRef {
  namespace: string;
  name: string;
}

export interface TokenRef {
  namespace: string;
  name: string;
  account: string;
}

export interface Workload {
  accounts: AccountRef[];
  tokens: TokenRef[];
}

export interface ConnectionSetup {
  kind: ConnectionKind;
  /** ClusterUnleashConnection name, or the UnleashConnection name in every namespace. */
  name: string;
  url: string;
  adminToken: string;
  /** Label every bench namespace carries; the cluster connection admits namespaces by it. */
  namespaceLabel: { key: string; value: string };
  /** Whether the cluster connection admits the accounts' project access (--project-access). */
  projectAccess: boolean;
}

export const key = (ref: { namespace: string; name: string }): string => `${ref.namespace}/${ref.name}`;

/** Accounts `first..first+count-1`, round-robin over `namespaces`, each with `tokensPerAccount` tokens. */
export function makeWorkload(namespaces: readonly string[], first: number, count: number, tokensPerAccount: number): Workload {
  const accounts: AccountRef[] = [];
  const tokens: TokenRef[] = [];
  for (let index = first; index < first + count; index++) {
    const account = { namespace: namespaces[index % namespaces.length] as string, name: `svc-${String(index).padStart(4, "0")}` };
    accounts.push(account);
    for (let t = 0; t < tokensPerAccount; t++) tokens.push({ namespace: account.namespace, name: `${account.name}-t${t}`, account: account.name });
  }
  return { accounts, tokens };
}

export function connectionRefOf(setup: Pick<ConnectionSetup, "kind" | "name">): { kind: string; name: string } {
  return { kind: setup.kind === "cluster" ? "ClusterUnleashConnection" : "UnleashConnection", name: setup.name };
}

export function accountObject(account: AccountRef, connectionRef: { kind: string; name: string }, extra: Record<string, unknown> = {}): object {
  return {
    apiVersion: API_VERSION,
    kind: "ServiceAccount",
    metadata: { name: account.name, namespace: account.namespace },
    spec: { connectionRef, rootRole: ROOT_ROLE, ...extra },
  };
}

export function tokenObject(token: TokenRef, extra: Record<string, unknown> = {}): object {
  return {
    apiVersion: API_VERSION,
    kind: "ServiceAccountToken",
    metadata: { name: token.name, namespace: token.namespace },
    spec: { serviceAccountRef: { name: token.account }, lifetime: TOKEN_LIFETIME, ...extra },
  };
}

export async function createNamespaces(http: KubeHttp, names: readonly string[], labels: Record<string, string>): Promise<void> {
  await forEachConcurrently(names, 10, async (name) => {
    await http.expect("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
  });
}

/** The admin-token Secret(s) and the connection(s) the workload's accounts refer to. */
export async function createConnection(http: KubeHttp, setup: ConnectionSetup, namespaces: readonly string[]): Promise<void> {
  const secretNamespaces = setup.kind === "cluster" ? namespaces.slice(0, 1) : namespaces;
  for (const namespace of secretNamespaces) {
    await http.expect("POST", `/api/v1/namespaces/${namespace}/secrets`, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: ADMIN_SECRET, namespace },
      stringData: { token: setup.adminToken },
    });
  }
  if (setup.kind === "cluster") {
    await http.expect("POST", `${API}/clusterunleashconnections`, {
      apiVersion: API_VERSION,
      kind: "ClusterUnleashConnection",
      metadata: { name: setup.name },
      spec: {
        url: setup.url,
        adminTokenSecretRef: { name: ADMIN_SECRET, namespace: namespaces[0], key: "token" },
        allowedNamespaces: { selector: { matchLabels: { [setup.namespaceLabel.key]: setup.namespaceLabel.value } } },
        ...(setup.projectAccess ? { projectAccess: PROJECT_POLICY } : {}),
      },
    });
    return;
  }
  for (const namespace of namespaces) {
    await http.expect("POST", `${API}/namespaces/${namespace}/unleashconnections`, {
      apiVersion: API_VERSION,
      kind: "UnleashConnection",
      metadata: { name: setup.name, namespace },
      spec: { url: setup.url, adminTokenSecretRef: { name: ADMIN_SECRET, key: "token" } },
    });
  }
}

export type Created = { kind: "ServiceAccount"; ref: AccountRef; uid: string } | { kind: "ServiceAccountToken"; ref: TokenRef; uid: string };

/**
 * Creates every account and token with `concurrency` parallel requests, each account followed
 * by its tokens (as a team's manifest lists them); `onCreated` sees each object as it lands.
 */
export async function applyWorkload(
  http: KubeHttp,
  workload: Workload,
  connectionRef: { kind: string; name: string },
  concurrency: number,
  onCreated: (created: Created) => void = () => {},
  tokenSpec: Record<string, unknown> = {},
  accountSpec: Record<string, unknown> = {},
): Promise<void> {
  const tokensOf = new Map<string, TokenRef[]>();
  for (const token of workload.tokens) {
    const accountKey = key({ namespace: token.namespace, name: token.account });
    tokensOf.set(accountKey, [...(tokensOf.get(accountKey) ?? []), token]);
  }
  const items: Array<{ kind: "ServiceAccount"; ref: AccountRef } | { kind: "ServiceAccountToken"; ref: TokenRef }> = [];
  for (const account of workload.accounts) {
    items.push({ kind: "ServiceAccount", ref: account });
    for (const token of tokensOf.get(key(account)) ?? []) items.push({ kind: "ServiceAccountToken", ref: token });
  }
  await forEachConcurrently(items, concurrency, async (item) => {
    const [plural, body] =
      item.kind === "ServiceAccount" ? ["serviceaccounts", accountObject(item.ref, connectionRef, accountSpec)] : ["serviceaccounttokens", tokenObject(item.ref, tokenSpec)];
    const answer = await http.expect("POST", `${API}/namespaces/${item.ref.namespace}/${plural}`, body);
    onCreated({ ...item, uid: uidOf(answer.body) } as Created);
  });
}

export function uidOf(object: unknown): string {
  const uid = (object as { metadata?: { uid?: unknown } } | undefined)?.metadata?.uid;
  if (typeof uid !== "string") throw new Error("created object has no uid");
  return uid;
}
