import { ApiException } from "@kubernetes/client-node";
import { z } from "zod";

const statusBody = z.object({ message: z.string().optional(), reason: z.string().optional() }).loose();

/** HTTP status of a failed Kubernetes call, or undefined for non-API failures. */
export function kubeStatusCode(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

export const isNotFound = (err: unknown): boolean => kubeStatusCode(err) === 404;
export const isConflict = (err: unknown): boolean => kubeStatusCode(err) === 409;
/** 422: the API server refused the object as invalid; sending it again cannot succeed. */
export const isInvalid = (err: unknown): boolean => kubeStatusCode(err) === 422;

/** The API server's own message (for 403 it names the missing permission), without the response headers. */
export function kubeErrorMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = typeof err.body === "string" ? safeJson(err.body) : err.body;
    const parsed = statusBody.safeParse(body);
    const message = parsed.success ? parsed.data.message : undefined;
    return `Kubernetes API ${err.code}: ${message ?? "request failed"}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}
