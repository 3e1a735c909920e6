import { type Dispatcher, Pool } from "undici";
import type { z } from "zod";
import { errorFromResponse, errorFromTransport } from "./error-mapping.js";
import { UnleashNotFoundError, UnleashProtocolError } from "./errors.js";
import { redactSecrets } from "../logging/scrub.js";
import { FencedError, fenceInterceptor, OPEN_FENCE, type WriteFence } from "../runtime/fence.js";
import {
  createdPatSchema,
  listedAccounts,
  parseEntries,
  ROOT_ROLE_TYPES,
  roleSchema,
  type ListedEntry,
  projectAccessResponseSchema,
  projectSchema,
  projectsResponseSchema,
  projectUserSchema,
  type ProjectUser,
  type UnleashProject,
  rolesResponseSchema,
  serviceAccountSchema,
  serviceAccountsSchema,
  type CreatedToken,
  type UnleashRole,
  type UnleashServiceAccount,
} from "./schemas.js";

export interface UnleashClientOptions {
  /** Base URL of Unleash; may carry a path prefix such as https://host/unleash. */
  baseUrl: string;
  /** Called for every request, so a rotated admin token is picked up at once. */
  getAdminToken: () => Promise<string>;
  /** PEM bundle of CAs trusted for https; like TLS `ca`, it replaces Node's default CAs. */
  ca?: string;
  /** Deadline for a whole call: connect, headers and body. Default 10 000 ms. */
  timeoutMs?: number;
  /** Maximum parallel keep-alive connections. Default 10. */
  connections?: number;
  /** Hears of every entry of a list that did not parse and was skipped (logged and counted by the caller). */
  onSkipped?: (what: ListedEntry, route: string) => void;
  /** Aborts every call in flight, e.g. at the shutdown deadline. */
  signal?: AbortSignal;
  /** Sent as User-Agent, so Unleash's logs (and tests) can tell which operator replica called. */
  userAgent?: string;
  /** Asked before every write (POST, PUT, DELETE); refuses once this replica lost its lease. */
  fence?: WriteFence;
  /** Observes every call (metrics); `route` is a template such as "GET /api/admin/service-account". */
  onRequest?: (route: string, status: number | "error", durationMs: number) => void;
}

/** Who holds which roles in one project, and the project roles it offers. */
export interface ProjectAccess {
  roles: UnleashRole[];
  users: ProjectUser[];
}

export interface ServiceAccountList {
  serviceAccounts: UnleashServiceAccount[];
  rootRoles: UnleashRole[];
}

type Method = "GET" | "POST" | "PUT" | "DELETE";
/** Path parameters: ids are integers, project ids are strings (encoded into the path). */
type Params = Record<string, number | string>;

interface Endpoint {
  method: Method;
  template: string;
}

const ACCOUNTS: Endpoint = { method: "GET", template: "/api/admin/service-account" };
const CREATE_ACCOUNT: Endpoint = { method: "POST", template: "/api/admin/service-account" };
const UPDATE_ACCOUNT: Endpoint = { method: "PUT", template: "/api/admin/service-account/{id}" };
const DELETE_ACCOUNT: Endpoint = { method: "DELETE", template: "/api/admin/service-account/{id}" };
const CREATE_TOKEN: Endpoint = { method: "POST", template: "/api/admin/service-account/{id}/token" };
const DELETE_TOKEN: Endpoint = { method: "DELETE", template: "/api/admin/service-account/{id}/token/{tokenId}" };
const ROLES: Endpoint = { method: "GET", template: "/api/admin/roles" };
const PROJECTS: Endpoint = { method: "GET", template: "/api/admin/projects" };
const PROJECT_ACCESS: Endpoint = { method: "GET", template: "/api/admin/projects/{projectId}/access" };
const ADD_PROJECT_ACCESS: Endpoint = { method: "POST", template: "/api/admin/projects/{projectId}/access" };
const SET_PROJECT_ROLES: Endpoint = { method: "PUT", template: "/api/admin/projects/{projectId}/users/{userId}/roles" };
const REMOVE_PROJECT_ACCESS: Endpoint = { method: "DELETE", template: "/api/admin/projects/{projectId}/users/{userId}/roles" };

interface Answer {
  status: number;
  text: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECTIONS = 10;

/** Client of the Unleash Admin API for service accounts and their tokens. */
export class UnleashClient {
  private readonly pool: Pool;
  private readonly dispatcher: Dispatcher;
  private readonly pathPrefix: string;
  private readonly timeoutMs: number;
  private readonly getAdminToken: () => Promise<string>;
  private readonly onRequest: UnleashClientOptions["onRequest"];
  private readonly fence: WriteFence;
  private readonly userAgent: string | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly onSkipped: UnleashClientOptions["onSkipped"];
  private closing: Promise<void> | undefined;

  constructor(options: UnleashClientOptions) {
    const url = parseBaseUrl(options.baseUrl);
    this.pathPrefix = url.pathname.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.getAdminToken = options.getAdminToken;
    this.onRequest = options.onRequest;
    this.fence = options.fence ?? OPEN_FENCE;
    this.userAgent = options.userAgent;
    this.signal = options.signal;
    this.onSkipped = options.onSkipped;
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? DEFAULT_CONNECTIONS,
      connectTimeout: this.timeoutMs,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      ...(options.ca === undefined ? {} : { connect: { ca: options.ca } }),
    });
    // Writes are fenced at dispatch, the last moment before the request is queued on a connection.
    this.dispatcher = this.pool.compose(fenceInterceptor(this.fence));
  }

  /** Every account with its tokens (no secrets) and the root roles, in one call when the server allows. */
  async listServiceAccounts(): Promise<ServiceAccountList> {
    const list = await this.send(ACCOUNTS, {}, serviceAccountsSchema);
    const skipped = (what: ListedEntry) => this.onSkipped?.(what, routeOf(ACCOUNTS));
    const roles = list.rootRoles ? parseEntries(list.rootRoles, roleSchema, "role", skipped) : (await this.listRoles()).filter((role) => ROOT_ROLE_TYPES.includes(role.type));
    return { serviceAccounts: listedAccounts(list.serviceAccounts, skipped), rootRoles: roles };
  }

  async listRoles(): Promise<UnleashRole[]> {
    const { roles } = await this.send(ROLES, {}, rolesResponseSchema);
    return parseEntries(roles, roleSchema, "role", (what) => this.onSkipped?.(what, routeOf(ROLES)));
  }

  async createServiceAccount(account: { username: string; name: string; rootRole: number }): Promise<UnleashServiceAccount> {
    return this.send(CREATE_ACCOUNT, {}, serviceAccountSchema, account);
  }

  /** Sends both fields every time, as the contract asks; username cannot change. */
  async updateServiceAccount(id: number, update: { name: string; rootRole: number }): Promise<UnleashServiceAccount> {
    return this.send(UPDATE_ACCOUNT, { id }, serviceAccountSchema, { name: update.name, rootRole: update.rootRole });
  }

  /** Resolves when the account is gone, including when it already was (404). */
  async deleteServiceAccount(id: number): Promise<void> {
    await ignoreNotFound(this.sendWithoutBody(DELETE_ACCOUNT, { id }));
  }

  /** The returned secret exists nowhere else: Unleash never shows it again. */
  async createToken(accountId: number, token: { description: string; expiresAt: Date }): Promise<CreatedToken> {
    const body = { description: token.description, expiresAt: token.expiresAt.toISOString() };
    return this.send(CREATE_TOKEN, { id: accountId }, createdPatSchema, body);
  }

  /** Resolves when the token is gone; servers answer 404 or 200 for an unknown id, both mean gone. */
  async deleteToken(accountId: number, tokenId: number): Promise<void> {
    await ignoreNotFound(this.sendWithoutBody(DELETE_TOKEN, { id: accountId, tokenId }));
  }

  async listProjects(): Promise<UnleashProject[]> {
    const { projects } = await this.send(PROJECTS, {}, projectsResponseSchema);
    return parseEntries(projects, projectSchema, "project", (what) => this.onSkipped?.(what, routeOf(PROJECTS)));
  }

  /** Rejects with UnleashNotFoundError for an unknown project. */
  async getProjectAccess(projectId: string): Promise<ProjectAccess> {
    const answer = await this.send(PROJECT_ACCESS, { projectId }, projectAccessResponseSchema);
    const skipped = (what: ListedEntry) => this.onSkipped?.(what, routeOf(PROJECT_ACCESS));
    return { roles: parseEntries(answer.roles, roleSchema, "role", skipped), users: parseEntries(answer.users, projectUserSchema, "projectUser", skipped) };
  }

  /** Gives users roles in a project; groups are never touched, so the body names none. */
  async addProjectAccess(projectId: string, grant: { users: number[]; roles: number[] }): Promise<void> {
    await this.sendWithoutBody(ADD_PROJECT_ACCESS, { projectId }, { roles: grant.roles, groups: [], users: grant.users });
  }

  /** Replaces the user's whole role set in the project. */
  async setProjectRoles(projectId: string, userId: number, roles: number[]): Promise<void> {
    await this.sendWithoutBody(SET_PROJECT_ROLES, { projectId, userId }, { roles });
  }

  /** Resolves when the user has no role left in the project, including when it had none (404). */
  async removeProjectAccess(projectId: string, userId: number): Promise<void> {
    await ignoreNotFound(this.sendWithoutBody(REMOVE_PROJECT_ACCESS, { projectId, userId }));
  }

  /** Closes the keep-alive connections; safe to call more than once. */
  async close(): Promise<void> {
    this.closing ??= this.pool.close();
    await this.closing;
  }

  private async send<T extends z.ZodType>(
    endpoint: Endpoint,
    params: Params,
    schema: T,
    body?: unknown,
  ): Promise<z.output<T>> {
    const answer = await this.exchange(endpoint, params, body);
    return parseAnswer(routeOf(endpoint), answer, schema);
  }

  /** For answers whose body the operator does not need (Unleash sends none, or an echo). */
  private async sendWithoutBody(endpoint: Endpoint, params: Params, body?: unknown): Promise<void> {
    await this.exchange(endpoint, params, body);
  }

  /** One HTTP round trip; throws a typed error for anything but a 2xx. */
  private async exchange(endpoint: Endpoint, params: Params, body: unknown): Promise<Answer> {
    const route = routeOf(endpoint);
    // Trimmed because Secrets created with `echo` end in a newline, which no header may carry.
    const adminToken = (await this.getAdminToken()).trim();
    const started = performance.now();
    let outcome: number | "error" = "error";
    try {
      const answer = await this.roundTrip(endpoint, params, body, adminToken).catch((cause: unknown) => {
        // A write refused for a lost lease is no transport failure: it stays what it is.
        throw cause instanceof FencedError ? cause : errorFromTransport(route, cause, this.timeoutMs, [adminToken]);
      });
      outcome = answer.status;
      if (answer.status < 200 || answer.status > 299) {
        throw errorFromResponse({ ...answer, route }, [adminToken]);
      }
      return answer;
    } finally {
      this.onRequest?.(route, outcome, performance.now() - started);
    }
  }

  private async roundTrip(
    endpoint: Endpoint,
    params: Params,
    body: unknown,
    adminToken: string,
  ): Promise<Answer & { retryAfter: string | undefined }> {
    const headers: Record<string, string> = { authorization: adminToken, accept: "application/json", ...(this.userAgent ? { "user-agent": this.userAgent } : {}) };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await this.dispatcher.request({
      method: endpoint.method,
      path: this.pathPrefix + fillTemplate(endpoint.template, params),
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      signal: this.signal ? AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.signal]) : AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.body.text();
    return { status: response.statusCode, text, retryAfter: firstHeader(response.headers["retry-after"]) };
  }
}

function parseBaseUrl(baseUrl: string): URL {
  const url = new URL(baseUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`Unleash URL must be http or https, got ${url.protocol}`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new TypeError("Unleash URL must not contain a query or a fragment");
  }
  return url;
}

function routeOf(endpoint: Endpoint): string {
  return `${endpoint.method} ${endpoint.template}`;
}

function fillTemplate(template: string, params: Params): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (typeof value === "string" && value !== "") return encodeURIComponent(value);
    if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
    throw new TypeError(`invalid ${name} for ${template}`);
  });
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function ignoreNotFound(call: Promise<void>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof UnleashNotFoundError)) throw err;
  }
}

// Parse failures never quote the body: it may hold a token secret. Zod issue messages name
// the path and the expected type, not the received value.
function parseAnswer<T extends z.ZodType>(route: string, answer: Answer, schema: T): z.output<T> {
  const protocolError = (problem: string) =>
    new UnleashProtocolError({
      status: answer.status,
      route,
      message: `Unleash answered ${route} with ${problem}; check that the URL points at the Unleash Admin API`,
    });
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    throw protocolError(`a body that is not JSON (HTTP ${answer.status})`);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
    .join("; ");
  throw protocolError(`an unexpected body (${redactSecrets(issues)})`);
}
