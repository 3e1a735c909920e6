import { z } from "zod";
import type { Caller } from "../auth.js";
import { badData, notFound } from "../errors.js";
import { jsonInteger } from "../json-types.js";
import { findRootRole, type Role } from "../roles.js";
import type { ProjectRecord, UserRecord } from "../state.js";
import type { NewEvent, Store } from "../store.js";

const numericId = jsonInteger();

export const noParams = z.object({});
export const accountParams = z.object({ id: numericId });
export const tokenParams = z.object({ id: numericId, tokenId: numericId });
export const projectParams = z.object({ projectId: z.string() });
export const projectUserParams = projectParams.extend({ userId: numericId });

/** The author fields of an event: who made the change. */
export function auditOf(caller: Caller): Pick<NewEvent, "createdBy" | "createdByUserId"> {
  return { createdBy: caller.username, createdByUserId: caller.userId };
}

export type AccountEventType =
  | "service-account-created"
  | "service-account-updated"
  | "service-account-deleted"
  | "service-account-token-created"
  | "service-account-token-deleted";

type EventData = Record<string, unknown> | null;

/** Records a service-account event; these concern no project and no feature. */
export function recordAccountEvent(
  store: Store,
  caller: Caller,
  type: AccountEventType,
  change: { data: EventData; preData: EventData },
): void {
  store.recordEvent({ type, ...auditOf(caller), project: null, featureName: null, ...change });
}

export function requireServiceAccount(store: Store, id: number): UserRecord {
  const account = store.activeServiceAccount(id);
  if (account === undefined) throw notFound(`Could not find service account with id ${id}.`);
  return account;
}

/** unleash-server's project store answers an unknown project with this NotFoundError. */
export function requireProject(store: Store, id: string): ProjectRecord {
  const project = store.project(id);
  if (project === undefined) throw notFound("No project found");
  return project;
}

/** As unleash-server's access service: an unknown or non-root role is bad data. */
export function requireRootRole(id: number): Role {
  const role = findRootRole(id);
  if (role === undefined) throw badData(`Could not find rootRole=${id}`);
  return role;
}
