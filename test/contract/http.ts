// Plain HTTP as the contract suites speak it: JSON in, status and raw text out, so each suite can
// check what the wire carries (an empty body, a header) and parse the rest with its own schemas.
import { fetch } from "undici";

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; undefined for an empty body. */
  json: unknown;
}

export interface RequestOptions {
  /** Default: the backend's admin token; `null`: no Authorization header at all. */
  token?: string | null;
  body?: unknown;
  /** Sends `body` as text with this content type instead of JSON. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Target {
  url: string;
  adminToken: string;
}

function encodeBody(options: RequestOptions): { body?: string; contentType?: string } {
  if (options.body === undefined) return {};
  if (options.contentType === undefined) return { body: JSON.stringify(options.body), contentType: "application/json" };
  return { body: String(options.body), contentType: options.contentType };
}

export async function request(target: Target, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const token = options.token === undefined ? target.adminToken : options.token;
  const { body, contentType } = encodeBody(options);
  const headers: Record<string, string> = {
    ...options.headers,
    ...(token === null ? {} : { authorization: token }),
    ...(contentType === undefined ? {} : { "content-type": contentType }),
  };
  const response = await fetch(`${target.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text === "" ? undefined : JSON.parse(text) };
}
