import type { IncomingMessage, ServerResponse } from "node:http";

/** Express' json body parser refuses bodies above 100kb; so does the emulator. */
const MAX_BODY_BYTES = 100 * 1024;

export interface Reply {
  status: number;
  /** undefined sends an empty body, as `res.status(200).end()` does. */
  body?: unknown;
  headers?: Record<string, string>;
}

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError("request entity too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.body === undefined) {
    res.statusCode = reply.status;
    res.end();
    return;
  }
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** The media type of a Content-Type header, without parameters; undefined when absent. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  return contentType.split(";")[0]?.trim().toLowerCase();
}

export function isJsonContentType(contentType: string | undefined): boolean {
  return mediaType(contentType) === "application/json";
}
