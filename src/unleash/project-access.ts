import type { UnleashClient } from "./client.js";
import { CoalescedCache, type CoalescedOptions, type Fetched } from "./coalesced.js";
import { UnleashNotFoundError } from "./errors.js";
import type { UnleashRole } from "./schemas.js";

/** One project: the project roles it offers and the role ids each user holds in it. */
export interface ProjectView {
  readonly id: string;
  readonly roles: readonly Readonly<UnleashRole>[];
  readonly users: ReadonlyMap<number, readonly number[]>;
}

/** Every project of one Unleash with its access, as of `fetchedAt`. */
export interface ProjectAccessSnapshot extends Fetched {
  readonly projects: ReadonlyMap<string, ProjectView>;
}

type ProjectAccessApi = Pick<UnleashClient, "listProjects" | "getProjectAccess">;

/** Kept low: a resync reads every project, and Unleash serves people too. */
const PARALLEL_READS = 4;

/**
 * Who holds which roles in every project, read once per resync period for all the accounts on a
 * connection (the list of projects, then each project's access), never per reconcile: Unleash has no
 * call that lists one user's projects, and "access to a project not declared is removed" needs them all.
 * Read only when some account declares project access.
 */
export class ProjectAccessCache {
  private readonly cache: CoalescedCache<ProjectAccessSnapshot>;

  constructor(client: ProjectAccessApi, options: CoalescedOptions) {
    this.cache = new CoalescedCache((fetchedAt) => readAll(client, fetchedAt), options);
  }

  async get(): Promise<ProjectAccessSnapshot> {
    return this.cache.get();
  }

  invalidate(): void {
    this.cache.invalidate();
  }

  /** After a write: the user now holds exactly `roles` in the project (none: no access). */
  recordRoles(projectId: string, userId: number, roles: readonly number[]): void {
    this.cache.apply((snapshot) => {
      const project = snapshot.projects.get(projectId);
      if (!project) return snapshot;
      const users = new Map(project.users);
      if (roles.length === 0) users.delete(userId);
      else users.set(userId, [...roles]);
      return { ...snapshot, projects: new Map(snapshot.projects).set(projectId, { ...project, users }) };
    });
  }
}

async function readAll(client: ProjectAccessApi, fetchedAt: number): Promise<ProjectAccessSnapshot> {
  const ids = (await client.listProjects()).map((project) => project.id);
  const views: ProjectView[] = [];
  for (let start = 0; start < ids.length; start += PARALLEL_READS) {
    const batch = await Promise.all(ids.slice(start, start + PARALLEL_READS).map((id) => readProject(client, id)));
    views.push(...batch.flatMap((view) => (view ? [view] : [])));
  }
  return { fetchedAt, projects: new Map(views.map((view) => [view.id, view])) };
}

/** A project deleted between the list and its read is simply not there. */
async function readProject(client: ProjectAccessApi, id: string): Promise<ProjectView | undefined> {
  try {
    const access = await client.getProjectAccess(id);
    return { id, roles: access.roles, users: new Map(access.users.map((user) => [user.id, user.roles])) };
  } catch (err) {
    if (err instanceof UnleashNotFoundError) return undefined;
    throw err;
  }
}
