// Request and response bodies of the emulator's control API (/_emulator), shared by server and client.
import { z } from "zod";
import { apiTokenRecordSchema, stateSchema, TOKEN_FORMATS } from "./state.js";

/** Which calls a fault hits, how often, and how likely. */
const faultTarget = {
  /** A route key such as "POST /api/admin/service-account/:id/token", or "*" for every route. */
  route: z.string().min(1),
  /** Fail only the next N matching calls; without it the fault stays until cleared. */
  times: z.number().int().positive().optional(),
  /** Fail each matching call with this probability (0..1); without it every matching call fails. */
  probability: z.number().min(0).max(1).optional(),
  /** Seed of this fault's random generator, so probabilistic runs repeat. Default 1. */
  seed: z.number().int().optional(),
};

export const faultSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("status"),
    status: z.union([z.literal(429), z.literal(500), z.literal(502), z.literal(503)]),
    /** Sent as Retry-After with a 429; default 1. */
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    ...faultTarget,
  }),
  /** The connection is destroyed without an answer. */
  z.object({ kind: z.literal("drop"), ...faultTarget }),
]);

export type Fault = z.infer<typeof faultSchema>;

export const latencySchema = z.object({ route: z.string().min(1), ms: z.number().int().nonnegative() });

/** Raw entries the service-account list carries after the real ones (e.g. `{id: 7, username: null}`). */
export const listExtrasSchema = z.object({ serviceAccounts: z.array(z.unknown()) });

/** unleash-server's rule for project ids and environment names: URL friendly, at most 100 characters. */
const urlFriendlyName = z
  .string()
  .min(1)
  .max(100)
  .refine((id) => encodeURIComponent(id) === id && id !== "." && id !== "..", { error: "must be URL friendly" });

export const newProjectSchema = z.object({
  id: urlFriendlyName,
  name: z.string().min(1).optional(),
  description: z.string().optional(),
});

export type NewProject = z.infer<typeof newProjectSchema>;

export const projectRefSchema = z.object({ id: z.string().min(1) });

/** An environment besides a fresh Unleash's development and production (Enterprise can create them). */
export const newEnvironmentSchema = z.object({
  name: urlFriendlyName,
  /** Unleash's environment types are free text; "development", "test", "preprod" and "production" are the usual ones. Default "test". */
  type: z.string().min(1).optional(),
  enabled: z.boolean().optional(),
});

export type NewEnvironment = z.infer<typeof newEnvironmentSchema>;

/** The format of SDK API tokens created from now on (unleash-server's `secureTokenStorage` flag for v2). */
export const tokenFormatSchema = z.object({ format: z.enum(TOKEN_FORMATS) });

/** How long the SDK routes go on accepting a deleted token, or an expiry a PUT moved (the server's token cache). */
export const revocationDelaySchema = z.object({ ms: z.number().int().nonnegative() });

export const clockAdvanceSchema = z.object({ ms: z.number().int().nonnegative() });

export const callsResponseSchema = z.object({ calls: z.record(z.string(), z.number().int()) });

/** The full state, every token only by its secret's hash (v1 SDK tokens' secrets left out), and the emulator's current time. */
export const stateResponseSchema = stateSchema.extend({
  apiTokens: z.array(apiTokenRecordSchema.omit({ secret: true })),
  now: z.string(),
});

export type EmulatorStateView = z.infer<typeof stateResponseSchema>;
