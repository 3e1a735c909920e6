// What the contract tests need beyond a fresh open-source server: a custom root role (an
// Enterprise feature, created here through the server's own AccessService), a human user
// whose username a service account must not take, and a second project (open source has no
// route that creates one). Safe to run again on a seeded database.
import { READ_LOGS, READ_ROLE, RoleName, SYSTEM_USER_AUDIT, type IUnleashServices, type IUnleashStores } from "unleash-server";

export const SEEDED_CUSTOM_ROOT_ROLE = "Integration Reader";
export const SEEDED_HUMAN_USERNAME = "alice";
/** A project besides `default`, so SDK tokens can be shown to see only the projects they name. */
export const SEEDED_OTHER_PROJECT = "other";

type Services = Pick<IUnleashServices, "accessService" | "userService">;
type Stores = Pick<IUnleashStores, "userStore" | "projectStore" | "environmentStore" | "featureEnvironmentStore">;

export async function seed(services: Services, stores: Stores): Promise<void> {
  await seedCustomRootRole(services);
  await seedHumanUser(services, stores);
  await seedOtherProject(stores);
}

async function seedCustomRootRole({ accessService }: Services): Promise<void> {
  const existing = await accessService.getRootRoles();
  if (existing.some((role) => role.name === SEEDED_CUSTOM_ROOT_ROLE)) return;
  await accessService.createRole(
    {
      name: SEEDED_CUSTOM_ROOT_ROLE,
      description: "Reads roles and the event log; changes nothing.",
      type: "root-custom",
      permissions: [{ name: READ_ROLE }, { name: READ_LOGS }],
      createdByUserId: SYSTEM_USER_AUDIT.id,
    },
    SYSTEM_USER_AUDIT,
  );
}

async function seedHumanUser({ accessService, userService }: Services, { userStore }: Pick<Stores, "userStore">): Promise<void> {
  if (await userStore.hasUser({ username: SEEDED_HUMAN_USERNAME })) return;
  const viewer = await accessService.getPredefinedRole(RoleName.VIEWER);
  await userService.createUser({ username: SEEDED_HUMAN_USERNAME, name: "Alice", rootRole: viewer.id }, SYSTEM_USER_AUDIT);
}

/**
 * Through the stores, as ProjectService.createProject does it (the project, then a link to every
 * enabled environment, so its flags have a state per environment), without an owner: no user
 * of this server should gain a role by it. Open source lists only `default`, but accepts
 * `other` wherever a request names it with the admin API token.
 */
async function seedOtherProject({ projectStore, environmentStore, featureEnvironmentStore }: Stores): Promise<void> {
  if (await projectStore.hasProject(SEEDED_OTHER_PROJECT)) return;
  await projectStore.create({ id: SEEDED_OTHER_PROJECT, name: "Other", description: "Seeded for the contract tests", mode: "open" });
  for (const environment of await environmentStore.getAll({ enabled: true })) {
    await featureEnvironmentStore.connectProject(environment.name, SEEDED_OTHER_PROJECT);
  }
}
