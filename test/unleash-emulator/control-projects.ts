// Projects and environments made (and projects removed) through the control API: Enterprise
// creates them through its own API, which the operator never calls, so tests set them up here.
// The rules are Unleash's where it has them (unique ids; the default project and a project with
// flags stay).
import type { NewEnvironment, NewProject } from "./control-schema.js";
import type { Store } from "./store.js";

/** A well-formed control request that the state does not allow, answered with `status`. */
export class ControlRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createProject(store: Store, project: NewProject): void {
  if (store.project(project.id) !== undefined) throw new ControlRefusal(409, "A project with this id already exists.");
  store.change((state) => {
    state.projects.push({
      id: project.id,
      name: project.name ?? project.id,
      description: project.description ?? null,
      createdAt: store.clock.now().toISOString(),
    });
  });
}

export function createEnvironment(store: Store, environment: NewEnvironment): void {
  if (store.environment(environment.name) !== undefined) throw new ControlRefusal(409, "An environment with this name already exists.");
  store.change((state) => {
    state.environments.push({ name: environment.name, type: environment.type ?? "test", enabled: environment.enabled ?? true });
  });
}

/**
 * As ProjectService.deleteProject: the SDK tokens scoped to this project alone are deleted; the
 * others lose it from their projects with the project link (the foreign key cascades).
 */
function removeProjectFromTokens(store: Store, id: string): void {
  const now = store.clock.now().toISOString();
  for (const token of store.activeApiTokens().filter((candidate) => candidate.projects.includes(id))) {
    if (token.projects.length === 1) token.deletedAt = now;
    else token.projects = token.projects.filter((project) => project !== id);
  }
}

/** Deletes a project and everyone's access to it, as ProjectService.deleteProject does. */
export function deleteProject(store: Store, id: string): void {
  if (id === "default") throw new ControlRefusal(409, "You can not delete the default project!");
  if (store.project(id) === undefined) throw new ControlRefusal(404, `no project ${id}`);
  if (store.state.features.some((feature) => feature.project === id)) {
    throw new ControlRefusal(409, "You can not delete a project with active feature flags");
  }
  store.change((state) => {
    state.projects = state.projects.filter((project) => project.id !== id);
    store.removeGrants((grant) => grant.project === id);
    removeProjectFromTokens(store, id);
  });
}
