// Projects made and removed through the control API: Enterprise creates projects through its
// own API, which the operator never calls, so tests set them up here. The rules are Unleash's
// where it has them (unique ids; the default project and a project with flags stay).
import type { NewProject } from "./control-schema.js";
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
  });
}
