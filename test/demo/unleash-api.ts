// The Unleash calls that show what a service account is and does: who a token is, what it may
// change, and whom the event log names. Used by the demo and by the end-to-end tests on the real
// server, against either backend. Answers are parsed with zod, keeping only what is shown.
import { fetch } from "undici";
import { z } from "zod";

export interface UnleashAnswer {
  status: number;
  body: unknown;
}

/** One call with a token, as a workload would make it. */
export async function callUnleash(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<UnleashAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: token, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : parseJson(text) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const accountList = z.object({
  serviceAccounts: z.array(
    z.object({
      id: z.number(),
      // Accounts made on Unleash 6.2 or older may have none; such an account is never the one looked for.
      username: z.string().nullish(),
      name: z.string().nullish(),
      rootRole: z.number(),
      tokens: z.array(z.object({ id: z.number() })).default([]),
    }),
  ),
  rootRoles: z.array(z.object({ id: z.number(), name: z.string() })).default([]),
});

export interface AccountInUnleash {
  id: number;
  username: string;
  name: string | undefined;
  rootRoleName: string | undefined;
  tokenCount: number;
}

/** The service account with this username as the admin API lists it, role by name. */
export async function findServiceAccount(baseUrl: string, adminToken: string, username: string): Promise<AccountInUnleash | undefined> {
  const list = accountList.parse(expectStatus(await callUnleash(baseUrl, adminToken, "GET", "/api/admin/service-account"), 200));
  const account = list.serviceAccounts.find((candidate) => candidate.username === username);
  if (account === undefined) return undefined;
  return {
    id: account.id,
    username,
    name: account.name ?? undefined,
    rootRoleName: list.rootRoles.find((role) => role.id === account.rootRole)?.name,
    tokenCount: account.tokens.length,
  };
}

const me = z.object({ user: z.object({ username: z.string().nullish(), accountType: z.string().optional() }) });

export interface Identity {
  status: number;
  /** Present when the token authenticated (200). */
  user?: { username: string | undefined; accountType: string | undefined };
}

/** Who Unleash takes the token for (GET /api/admin/user). */
export async function whoAmI(baseUrl: string, token: string): Promise<Identity> {
  const answer = await callUnleash(baseUrl, token, "GET", "/api/admin/user");
  if (answer.status !== 200) return { status: answer.status };
  const { user } = me.parse(answer.body);
  return { status: answer.status, user: { username: user.username ?? undefined, accountType: user.accountType } };
}

/** A change that needs the Editor role: a new feature flag in the default project. */
export async function createFeatureFlag(baseUrl: string, token: string, name: string): Promise<UnleashAnswer> {
  return callUnleash(baseUrl, token, "POST", "/api/admin/projects/default/features", { name });
}

const eventList = z.object({
  events: z.array(z.object({ type: z.string(), createdBy: z.string(), featureName: z.string().nullish(), createdAt: z.string().optional() })),
});

export interface FeatureCreatedEvent {
  createdBy: string;
  createdAt: string | undefined;
}

/** The event log's record of the flag's creation (GET /api/admin/events, newest first). */
export async function featureCreatedEvent(baseUrl: string, adminToken: string, featureName: string): Promise<FeatureCreatedEvent | undefined> {
  const { events } = eventList.parse(expectStatus(await callUnleash(baseUrl, adminToken, "GET", "/api/admin/events"), 200));
  const event = events.find((candidate) => candidate.type === "feature-created" && candidate.featureName === featureName);
  return event === undefined ? undefined : { createdBy: event.createdBy, createdAt: event.createdAt };
}

function expectStatus(answer: UnleashAnswer, status: number): unknown {
  if (answer.status !== status) throw new Error(`Unleash answered ${answer.status}, expected ${status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}
