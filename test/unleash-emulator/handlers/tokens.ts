// Token rules copied from unleash-server's PatService.validatePat, in the same order.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { hashSecret } from "../auth.js";
import { badData, nameExists, notFound, operationDenied } from "../errors.js";
import { ADMIN } from "../roles.js";
import { route, routeWithBody, type Route } from "../router.js";
import type { TokenRecord } from "../state.js";
import type { Store } from "../store.js";
import { patView } from "../views.js";
import { jsonDateTime, jsonString } from "../json-types.js";
import { accountParams, recordAccountEvent, requireServiceAccount, tokenParams } from "./common.js";

/** unleash-server util/constants PAT_LIMIT. */
export const PAT_LIMIT = 10;

const createBody = z.object({ description: jsonString(z.string()), expiresAt: jsonDateTime() });

function auditData(token: TokenRecord): Record<string, unknown> {
  return { id: token.id, description: token.description, expiresAt: token.expiresAt, userId: token.userId };
}

function validateNewToken(store: Store, userId: number, description: string, expiresAt: Date): void {
  if (!description) throw badData("PAT description cannot be empty.");
  if (expiresAt < store.clock.now()) throw badData("The expiry date should be in future.");
  const tokens = store.tokensOf(userId);
  if (tokens.length >= PAT_LIMIT) throw operationDenied(`Too many PATs (${PAT_LIMIT}) already exist for this user.`);
  if (tokens.some((token) => token.description === description)) throw nameExists("PAT description already exists.");
}

const list = route({
  method: "GET",
  pattern: "/api/admin/service-account/:id/token",
  permission: ADMIN,
  params: accountParams,
  handler: ({ params, store }) => {
    const account = requireServiceAccount(store, params.id);
    const nowMs = store.clock.nowMs();
    return { status: 200, body: { pats: store.tokensOf(account.id).map((token) => patView(token, nowMs)) } };
  },
});

const create = routeWithBody({
  method: "POST",
  pattern: "/api/admin/service-account/:id/token",
  permission: ADMIN,
  params: accountParams,
  body: createBody,
  handler: ({ params, body, caller, store }) => {
    const account = requireServiceAccount(store, params.id);
    const expiresAt = new Date(body.expiresAt);
    validateNewToken(store, account.id, body.description, expiresAt);
    // The released token format: "user:" and 56 hex characters.
    const secret = `user:${randomBytes(28).toString("hex")}`;
    const token = store.change((state) => {
      const record: TokenRecord = {
        id: store.nextId("token"),
        userId: account.id,
        description: body.description,
        expiresAt: expiresAt.toISOString(),
        createdAt: store.clock.now().toISOString(),
        seenAt: null,
        secretHash: hashSecret(secret),
        deletedAt: null,
      };
      state.tokens.push(record);
      recordAccountEvent(store, caller, "service-account-token-created", { data: auditData(record), preData: null });
      return record;
    });
    return {
      status: 201,
      body: { ...patView(token, store.clock.nowMs()), secret },
      headers: { location: `service-account/${account.id}/token/${token.id}` },
    };
  },
});

const remove = route({
  method: "DELETE",
  pattern: "/api/admin/service-account/:id/token/:tokenId",
  permission: ADMIN,
  params: tokenParams,
  handler: ({ params, caller, store }) => {
    const account = requireServiceAccount(store, params.id);
    const token = store.tokensOf(account.id).find((candidate) => candidate.id === params.tokenId);
    if (token === undefined) throw notFound("No PAT found.");
    store.change(() => {
      token.deletedAt = store.clock.now().toISOString();
      recordAccountEvent(store, caller, "service-account-token-deleted", { data: null, preData: auditData(token) });
    });
    return { status: 200 };
  },
});

export const tokenRoutes: readonly Route[] = [list, create, remove];
