// What the demo proves about each token the examples declare: the account and its role in
// Unleash, what the Secret holds, and that its token works as that account, with a change
// the event log attributes to it. Any check that fails ends the demo with an error.
import { randomBytes } from "node:crypto";
import { createFeatureFlag, featureCreatedEvent, findServiceAccount, whoAmI } from "./unleash-api.js";
import { detail, fingerprint, proven, sha256 } from "./output.js";
import type { IssuedToken } from "./resources.js";

export interface UnleashAccess {
  url: string;
  adminToken: string;
}

export async function showAccount(unleash: UnleashAccess, issued: IssuedToken): Promise<void> {
  const { username } = issued.account;
  const account = await findServiceAccount(unleash.url, unleash.adminToken, username);
  check(account !== undefined, `Unleash lists no service account "${username}"`);
  check(account.rootRoleName === issued.account.rootRole, `Unleash gives "${username}" the role ${account.rootRoleName}, not ${issued.account.rootRole}`);
  proven(
    `Unleash has service account "${username}" (id ${account.id}, "${account.name ?? username}") with root role ${account.rootRoleName}` +
      ` and ${account.tokenCount} token${account.tokenCount === 1 ? "" : "s"} (admin API: GET /api/admin/service-account)`,
  );
}

export function showSecret(issued: IssuedToken): void {
  const { secret } = issued;
  const token = secret.keys.get(secret.tokenKey);
  check(token !== undefined, `Secret ${secret.name} has no key ${secret.tokenKey}`);
  check(secret.recordedSha256 === sha256(token), `the token in Secret ${secret.name} is not the one the operator recorded`);
  proven(`Secret ${secret.name} holds the token of ServiceAccountToken ${issued.resource} (expires ${issued.expiresAt ?? "never"}):`);
  for (const [key, value] of secret.keys) {
    detail(`${key.padEnd(20)} ${key === secret.tokenKey ? `<token: ${fingerprint(value)}, as recorded by the operator>` : value}`);
  }
}

export async function showTokenAtWork(unleash: UnleashAccess, issued: IssuedToken): Promise<void> {
  const { username } = issued.account;
  const token = issued.secret.keys.get(issued.secret.tokenKey) ?? "";
  const identity = await whoAmI(unleash.url, token);
  check(identity.status === 200, `the Secret's token was refused: HTTP ${identity.status}`);
  check(identity.user?.username === username, `the Secret's token authenticates as "${identity.user?.username}", not "${username}"`);
  proven(`GET /api/admin/user with the Secret's token → 200: "${username}", account type ${identity.user.accountType ?? "(not given)"}`);

  const flag = `demo-flag-${randomBytes(3).toString("hex")}`;
  const created = await createFeatureFlag(unleash.url, token, flag);
  check(created.status === 201, `creating feature flag ${flag} with the token answered HTTP ${created.status}: ${JSON.stringify(created.body)}`);
  proven(`POST /api/admin/projects/default/features {"name":"${flag}"} with the same token → 201 Created`);

  const event = await featureCreatedEvent(unleash.url, unleash.adminToken, flag);
  check(event !== undefined, `the event log has no feature-created event for ${flag}`);
  check(event.createdBy === username, `the event log names "${event.createdBy}" as the creator of ${flag}, not "${username}"`);
  proven(`Event log (GET /api/admin/events): feature-created "${flag}", createdBy "${event.createdBy}"${event.createdAt === undefined ? "" : ` at ${event.createdAt}`}`);
}

function check(condition: boolean, failure: string): asserts condition {
  if (!condition) throw new Error(`Demo check failed: ${failure}`);
}
