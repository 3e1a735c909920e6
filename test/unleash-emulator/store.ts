import type { Clock } from "./clock.js";
import type {
  ApiTokenRecord,
  EnvironmentRecord,
  EventRecord,
  ProjectRecord,
  ProjectRoleGrant,
  State,
  TokenFormat,
  TokenRecord,
  UserRecord,
} from "./state.js";

/** The real server keeps every event; the emulator keeps the newest ones so memory stays bounded. */
export const MAX_EVENTS = 1000;

/** An event as recorded; `environment` only for the events that concern one. */
export type NewEvent = Omit<EventRecord, "id" | "createdAt" | "environment"> & { environment?: string | null };

/**
 * How the server handles SDK API tokens: configuration, not data (unleash-server reads it from its
 * options at start), so it is not saved with the state.
 */
export interface ApiTokenSettings {
  /** The format new tokens get: v2 is unleash-server's `secureTokenStorage` flag. */
  format: TokenFormat;
  /**
   * How long a deleted token, or an expiry moved by PUT, goes unnoticed on the SDK routes: the
   * server's token cache. 0 (the default) makes every change visible at once.
   */
  revocationDelayMs: number;
}

/** Holds the state, hands out ids and saves after every change. */
export class Store {
  /**
   * Raw entries appended to the service-account list, as an older or broken server might send them (an
   * account without username, a malformed one): set through the control API, never persisted.
   */
  listExtras: unknown[] = [];

  apiTokenSettings: ApiTokenSettings = { format: "v1", revocationDelayMs: 0 };

  constructor(
    private readonly current: State,
    private readonly persist: (state: State) => void,
    readonly clock: Clock,
  ) {}

  get state(): Readonly<State> {
    return this.current;
  }

  /** Runs a change and saves the state afterwards. */
  change<T>(apply: (state: State) => T): T {
    const result = apply(this.current);
    this.persist(this.current);
    return result;
  }

  nextId(sequence: keyof State["sequences"]): number {
    this.current.sequences[sequence] += 1;
    return this.current.sequences[sequence];
  }

  recordEvent(event: NewEvent): void {
    const { environment = null, ...rest } = event;
    this.current.events.push({ ...rest, environment, id: this.nextId("event"), createdAt: this.clock.now().toISOString() });
    this.current.events.splice(0, Math.max(0, this.current.events.length - MAX_EVENTS));
  }

  activeUsers(): UserRecord[] {
    return this.current.users.filter((user) => user.deletedAt === null);
  }

  activeServiceAccounts(): UserRecord[] {
    return this.activeUsers().filter((user) => user.isService);
  }

  activeServiceAccount(id: number): UserRecord | undefined {
    return this.activeServiceAccounts().find((user) => user.id === id);
  }

  /** Tokens of an account that the API still shows, expired ones included, in creation order. */
  tokensOf(userId: number): TokenRecord[] {
    return this.current.tokens.filter((token) => token.userId === userId && token.deletedAt === null);
  }

  /** SDK API tokens the Admin API still shows (expired ones too), in creation order. */
  activeApiTokens(): ApiTokenRecord[] {
    return this.current.apiTokens.filter((token) => token.deletedAt === null);
  }

  environment(name: string): EnvironmentRecord | undefined {
    return this.current.environments.find((environment) => environment.name === name);
  }

  project(id: string): ProjectRecord | undefined {
    return this.current.projects.find((project) => project.id === id);
  }

  /** Who holds which project role in a project, in the order the roles were granted. */
  grantsIn(project: string): ProjectRoleGrant[] {
    return this.current.projectAccess.filter((grant) => grant.project === project);
  }

  /** The ids of the project roles a user holds in a project, in the order they were granted. */
  projectRoleIdsOf(userId: number, project: string): number[] {
    return this.grantsIn(project).filter((grant) => grant.userId === userId).map((grant) => grant.roleId);
  }

  /** Gives a user a project role; one already held keeps its addedAt (Unleash's upsert). Call inside change(). */
  addGrant(grant: ProjectRoleGrant): void {
    const held = this.projectRoleIdsOf(grant.userId, grant.project).includes(grant.roleId);
    if (!held) this.current.projectAccess.push(grant);
  }

  /** Takes away the project roles that match, as Unleash deletes role_user rows. Call inside change(). */
  removeGrants(matches: (grant: ProjectRoleGrant) => boolean): void {
    this.current.projectAccess = this.current.projectAccess.filter((grant) => !matches(grant));
  }
}
