// Request and response bodies of the emulator's control API (/_emulator), shared by server and client.
import { z } from "zod";
import { stateSchema } from "./state.js";

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

/** unleash-server's project id rule: URL friendly, at most 100 characters. */
const projectId = z
  .string()
  .min(1)
  .max(100)
  .refine((id) => encodeURIComponent(id) === id && id !== "." && id !== "..", { error: "must be URL friendly" });

export const newProjectSchema = z.object({
  id: projectId,
  name: z.string().min(1).optional(),
  description: z.string().optional(),
});

export type NewProject = z.infer<typeof newProjectSchema>;

export const projectRefSchema = z.object({ id: z.string().min(1) });

export const clockAdvanceSchema = z.object({ ms: z.number().int().nonnegative() });

export const callsResponseSchema = z.object({ calls: z.record(z.string(), z.number().int()) });

/** The full state (token secrets only as hashes) and the emulator's current time. */
export const stateResponseSchema = stateSchema.extend({ now: z.string() });

export type EmulatorStateView = z.infer<typeof stateResponseSchema>;
