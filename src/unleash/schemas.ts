import { z } from "zod";
import { SecretValue } from "../logging/secret-value.js";

// Unknown fields are stripped (zod's default), so newer Unleash versions can add fields freely,
// and fields the operator never needs (deprecated user fields, an API user's `secret`) are dropped.

const isoDate = z.iso.datetime({ offset: true });

/** Unleash sends null for unset optional values; the operator only needs "absent". */
function orAbsent<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value) => value ?? undefined);
}

/**
 * A token as listed. The `secret` key is deliberately not declared, so it is stripped: a listed
 * token can never carry a secret into caches or logs, even if a server sent one.
 */
export const patSchema = z.object({
  id: z.number().int(),
  description: z.string(),
  expiresAt: isoDate,
  createdAt: orAbsent(isoDate),
  seenAt: orAbsent(isoDate),
  userId: orAbsent(z.number().int()),
});

/** The create-token response: the only place where the secret ever appears. */
export const createdPatSchema = patSchema.extend({
  // Wrapped at the boundary: from here on the secret prints as [REDACTED] wherever it goes.
  secret: z
    .string()
    .min(1)
    .transform((value) => new SecretValue(value)),
});

export const patsSchema = z.object({ pats: z.array(patSchema) });

export const roleSchema = z.object({
  id: z.number().int(),
  type: z.string(),
  name: z.string(),
  description: orAbsent(z.string()),
  project: orAbsent(z.string()),
});

export const rolesResponseSchema = z.object({ roles: z.array(z.unknown()) });

export const serviceAccountSchema = z.object({
  id: z.number().int(),
  // Optional and nullable: accounts created through the API on Unleash 6.2 or older may have none,
  // and a soft-deleted user's username is nulled. Such an account never matches a resource.
  username: orAbsent(z.string()),
  name: orAbsent(z.string()),
  rootRole: orAbsent(z.number().int()),
  createdAt: orAbsent(isoDate),
  // Create and update responses may leave tokens out; a missing list means none are included.
  tokens: z.array(patSchema).nullish().transform((tokens) => tokens ?? []),
});

/**
 * The list, with each entry (account, token, role) parsed on its own: one malformed entry is skipped
 * and counted, never failing the whole list, so the other accounts on the connection keep working. A
 * body malformed as a whole still fails.
 */
export const serviceAccountsSchema = z.object({
  serviceAccounts: z.array(z.unknown()),
  rootRoles: orAbsent(z.array(z.unknown())),
});

const listedAccountSchema = serviceAccountSchema.extend({ tokens: z.array(z.unknown()).nullish() });

/** What a list entry was, for the count of skipped ones. */
export type ListedEntry = "account" | "token" | "role" | "project" | "projectUser";

/** Parses each entry on its own, keeping the valid ones; `skipped` hears of every other. */
export function parseEntries<T>(entries: readonly unknown[], schema: z.ZodType<T>, what: ListedEntry, skipped: (what: ListedEntry) => void): T[] {
  return entries.flatMap((entry) => {
    const parsed = schema.safeParse(entry);
    if (parsed.success) return [parsed.data];
    skipped(what);
    return [];
  });
}

/** The accounts of a list body, each with its valid tokens. */
export function listedAccounts(entries: readonly unknown[], skipped: (what: ListedEntry) => void): UnleashServiceAccount[] {
  return parseEntries(entries, listedAccountSchema, "account", skipped).map((account) => ({
    ...account,
    tokens: parseEntries(account.tokens ?? [], patSchema, "token", skipped),
  }));
}

/** A project as listed; only the id matters to the operator. */
export const projectSchema = z.object({ id: z.string().min(1), name: orAbsent(z.string()) });
export const projectsResponseSchema = z.object({ projects: z.array(z.unknown()) });

/**
 * A user (or service account) with access to a project. `roles` is the whole role set; servers that
 * only send the deprecated single `roleId` are read as a set of one.
 */
export const projectUserSchema = z
  .object({ id: z.number().int(), roles: orAbsent(z.array(z.number().int())), roleId: orAbsent(z.number().int()) })
  .transform(({ id, roles, roleId }) => ({ id, roles: roles ?? (roleId === undefined ? [] : [roleId]) }));

/** A project's access: the project roles it offers and who holds which. Groups are not the operator's. */
export const projectAccessResponseSchema = z.object({ roles: z.array(z.unknown()), users: z.array(z.unknown()) });

/** Unleash's error body; every field optional because proxies and older servers vary. */
export const errorBodySchema = z.object({
  name: orAbsent(z.string()),
  message: orAbsent(z.string()),
  details: orAbsent(
    z.array(z.object({ message: orAbsent(z.string()), path: orAbsent(z.string()) })),
  ),
});

export type UnleashToken = z.infer<typeof patSchema>;
export type CreatedToken = z.infer<typeof createdPatSchema>;
export type UnleashRole = z.infer<typeof roleSchema>;
export type UnleashServiceAccount = z.infer<typeof serviceAccountSchema>;
export type UnleashProject = z.infer<typeof projectSchema>;
export type ProjectUser = z.infer<typeof projectUserSchema>;
export type UnleashErrorBody = z.infer<typeof errorBodySchema>;

/** Role types that can be an account's root role (built-in and custom). */
export const ROOT_ROLE_TYPES: readonly string[] = ["root", "root-custom"];
