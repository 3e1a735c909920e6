// The emulator's whole persistent state, the state file's format. It holds no PAT secret (only
// its SHA-256) and no v2 API-token secret (only the selector and a hash, as api_tokens_v2 does),
// but it does hold each v1 SDK API token's secret: Unleash's api_tokens table keeps it in
// plaintext, uses it as the token's identifier and lists it, so a restarted emulator has to as
// well. The control API's state() shows every token by its hash only (control-schema.ts).
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

/** A strategy of a flag in one environment (featureStrategySchema). */
export const strategyRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  title: z.string().nullable(),
  disabled: z.boolean(),
  constraints: z.array(z.unknown()),
  parameters: z.record(z.string(), z.string()),
  variants: z.array(z.unknown()),
  sortOrder: z.number().int(),
  segments: z.array(z.number().int()),
});

/** A flag's state in one environment: a feature_environments row and its strategies. */
export const featureEnvironmentSchema = z.object({
  environment: z.string(),
  enabled: z.boolean(),
  strategies: z.array(strategyRecordSchema),
});

export const featureRecordSchema = z.object({
  name: z.string(),
  project: z.string(),
  type: z.string(),
  description: z.string().nullable(),
  impressionData: z.boolean(),
  createdAt: z.string(),
  createdByUserId: z.number(),
  /** Environments the flag was ever turned on or off in; any other one is off, without strategies. */
  environments: z.array(featureEnvironmentSchema).default(() => []),
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
  environment: z.string().nullable().default(null),
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

/** An environment (environments table); every project has every environment in the emulator. */
export const environmentRecordSchema = z.object({
  name: z.string(),
  type: z.string(),
  enabled: z.boolean(),
});

export const API_TOKEN_TYPES = ["client", "backend", "frontend"] as const;

/** The two storage formats of SDK API tokens (unleash-server's `secureTokenStorage` flag). */
export const TOKEN_FORMATS = ["v1", "v2"] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];

/** An SDK API token: a row of api_tokens (v1) or api_tokens_v2 (v2), with its project links. */
export const apiTokenRecordSchema = z.object({
  format: z.enum(TOKEN_FORMATS),
  /** v1 only: the secret, which is also the token's identifier on the Admin API. */
  secret: z.string().nullable(),
  /** v2 only: the public part of the secret, its identifier on the Admin API. */
  selector: z.string().nullable(),
  /** SHA-256 of the whole secret, for both formats: what authentication compares. */
  secretHash: z.string(),
  tokenName: z.string(),
  /** As stored: the create request's type, lower-cased. */
  type: z.enum(API_TOKEN_TYPES),
  environment: z.string(),
  /** `["*"]` for every project. */
  projects: z.array(z.string()),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  seenAt: z.string().nullable(),
  /** Unleash drops the row; the emulator keeps it, hidden from the Admin API, for tests and for the revocation delay. */
  deletedAt: z.string().nullable(),
  /** The expiry before the last PUT, and when that PUT was made: the SDK routes see the new one only after the revocation delay. */
  expiryChange: z.object({ previous: z.string().nullable(), at: z.string() }).nullable(),
});

/** The environments of a fresh Unleash 8.2 database (migrations 20210928080601 and 20250604110546). */
export function freshEnvironments(): EnvironmentRecord[] {
  return [
    { name: "development", type: "development", enabled: true },
    { name: "production", type: "production", enabled: true },
  ];
}

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
  // Likewise for state files written before SDK API tokens existed in the emulator.
  environments: z.array(environmentRecordSchema).default(freshEnvironments),
  apiTokens: z.array(apiTokenRecordSchema).default(() => []),
});

export type UserRecord = z.infer<typeof userRecordSchema>;
export type TokenRecord = z.infer<typeof tokenRecordSchema>;
export type FeatureRecord = z.infer<typeof featureRecordSchema>;
export type EventRecord = z.infer<typeof eventRecordSchema>;
export type ProjectRecord = z.infer<typeof projectRecordSchema>;
export type ProjectRoleGrant = z.infer<typeof projectRoleGrantSchema>;
export type EnvironmentRecord = z.infer<typeof environmentRecordSchema>;
export type ApiTokenRecord = z.infer<typeof apiTokenRecordSchema>;
export type ApiTokenType = ApiTokenRecord["type"];
export type StrategyRecord = z.infer<typeof strategyRecordSchema>;
export type FeatureEnvironment = z.infer<typeof featureEnvironmentSchema>;
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
    environments: freshEnvironments(),
    apiTokens: [],
  };
}
