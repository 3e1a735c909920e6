import type { ProjectAccessCache } from "../../unleash/project-access.js";
import type { UnleashApi } from "../connection/registry.js";
import type { ProjectStep } from "./project-plan.js";

type ProjectAccessApi = Pick<UnleashApi, "addProjectAccess" | "setProjectRoles" | "removeProjectAccess">;

/** Carries out a plan's steps one by one, recording each in the cache as it lands. */
export async function applyProjectSteps(client: ProjectAccessApi, cache: ProjectAccessCache, accountId: number, steps: readonly ProjectStep[]): Promise<void> {
  for (const step of steps) {
    if (step.kind === "add") await client.addProjectAccess(step.project, { users: [accountId], roles: [...step.roles] });
    else if (step.kind === "set") await client.setProjectRoles(step.project, accountId, [...step.roles]);
    else await client.removeProjectAccess(step.project, accountId);
    cache.recordRoles(step.project, accountId, step.kind === "remove" ? [] : step.roles);
  }
}

/** "granted default, changed web, removed old": what an event says about the steps. */
export function describeSteps(steps: readonly ProjectStep[]): string {
  const verbs = { add: "granted", set: "changed", remove: "removed" } as const;
  return steps.map((step) => `${verbs[step.kind]} ${step.project}`).join(", ");
}
