// The emulator's whole persistent state. It is also the state file's format and what the control
// API returns, so it never holds a token secret: only the secret's SHA-256.
import { z } from "zod";

export const userRecordSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  name: z.string(),
  rootRole: z.number().int(),
  isService: z.boolean(),
  createdAt: z.string(),
  /** Accounts are soft-deleted: the row stays, the username becomes free again. */
  deletedAt: z.string().nullable(),
});

export const tokenRecordSchema = z.object({
  id: z.number().int(),
  userId: z.number().int(),
  description: z.string(),
  expiresAt: z.string(),
  createdAt: z.string(),
  seenAt: z.string().nullable(),
  secretHash: z.string(),
  /** Unleash drops the row; the emulator keeps it, hidden from the API, so tests can see what happened. */
  deletedAt: z.string().nullable(),
});

export const featureRecordSchema = z.object({
  name: z.string(),
  project: z.string(),
  type: z.string(),
  description: z.string().nullable(),
  impressionData: z.boolean(),
  createdAt: z.string(),
  createdByUserId: z.number(),
});

export const eventRecordSchema = z.object({
  id: z.number().int(),
  type: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  createdByUserId: z.number(),
  project: z.string().nullable(),
  featureName: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).nullable(),
  preData: z.record(z.string(), z.unknown()).nullable(),
});

export const projectRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  createdAt: z.string(),
});

/** One project role held by one user in one project: a role_user row of Unleash with a project. */
export const projectRoleGrantSchema = z.object({
  project: z.string(),
  userId: z.number().int(),
  roleId: z.number().int(),
  addedAt: z.string(),
});

/** The project a fresh Unleash database has (migration 20200928194947-add-projects). */
export function defaultProject(now: Date): ProjectRecord {
  return { id: "default", name: "Default", description: "Default project", createdAt: now.toISOString() };
}

export const stateSchema = z.object({
  version: z.literal(1),
  /** Global id sequences: ids are never reused, as with database sequences. */
  sequences: z.object({ user: z.number().int(), token: z.number().int(), event: z.number().int() }),
  users: z.array(userRecordSchema),
  tokens: z.array(tokenRecordSchema),
  features: z.array(featureRecordSchema),
  events: z.array(eventRecordSchema),
  // State files written before projects existed in the emulator load as a fresh Unleash would
  // have them: the default project, nobody holding a project role.
  projects: z.array(projectRecordSchema).default(() => [defaultProject(new Date())]),
  projectAccess: z.array(projectRoleGrantSchema).default(() => []),
});

export type UserRecord = z.infer<typeof userRecordSchema>;
export type TokenRecord = z.infer<typeof tokenRecordSchema>;
export type FeatureRecord = z.infer<typeof featureRecordSchema>;
export type EventRecord = z.infer<typeof eventRecordSchema>;
export type ProjectRecord = z.infer<typeof projectRecordSchema>;
export type ProjectRoleGrant = z.infer<typeof projectRoleGrantSchema>;
export type State = z.infer<typeof stateSchema>;

/** A human user, so that username uniqueness across humans and service accounts can be shown. */
export const SEEDED_HUMAN = { id: 1, username: "alice", name: "Alice Example", rootRole: 1 } as const;

export function seedState(now: Date): State {
  const human: UserRecord = {
    ...SEEDED_HUMAN,
    isService: false,
    createdAt: now.toISOString(),
    deletedAt: null,
  };
  return {
    version: 1,
    sequences: { user: SEEDED_HUMAN.id, token: 0, event: 0 },
    users: [human],
    tokens: [],
    features: [],
    events: [],
    projects: [defaultProject(now)],
    projectAccess: [],
  };
}
