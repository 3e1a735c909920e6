// What the contract tests need beyond a fresh open-source server: a custom root role (an
// Enterprise feature, created here through the server's own AccessService) and a human user
// whose username a service account must not take. Safe to run again on a seeded database.
import { READ_LOGS, READ_ROLE, RoleName, SYSTEM_USER_AUDIT, type IUnleashServices, type IUnleashStores } from "unleash-server";

export const SEEDED_CUSTOM_ROOT_ROLE = "Integration Reader";
export const SEEDED_HUMAN_USERNAME = "alice";

type Services = Pick<IUnleashServices, "accessService" | "userService">;

export async function seed(services: Services, stores: Pick<IUnleashStores, "userStore">): Promise<void> {
  await seedCustomRootRole(services);
  await seedHumanUser(services, stores);
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

async function seedHumanUser({ accessService, userService }: Services, { userStore }: Pick<IUnleashStores, "userStore">): Promise<void> {
  if (await userStore.hasUser({ username: SEEDED_HUMAN_USERNAME })) return;
  const viewer = await accessService.getPredefinedRole(RoleName.VIEWER);
  await userService.createUser({ username: SEEDED_HUMAN_USERNAME, name: "Alice", rootRole: viewer.id }, SYSTEM_USER_AUDIT);
}
