// What Unleash Enterprise's service-account routes do, assembled from the open-source
// server's own parts: AccountStore (reads, soft delete), AccessService (root roles),
// PatService (token rules: description, expiry, the 10-token limit, unique descriptions)
// and EventService with the event types open source already defines.
import {
  BadDataError,
  BaseEvent,
  NameExistsError,
  NotFoundError,
  type IAuditUser,
  type IUnleashServices,
  type IUnleashStores,
  type IUser,
} from "unleash-server";
import type { CreateServiceAccount, CreateToken, UpdateServiceAccount } from "./service-account-schemas.js";
import type { ServiceAccountStore } from "./service-account-store.js";

type EventType =
  | "service-account-created"
  | "service-account-updated"
  | "service-account-deleted"
  | "service-account-token-created"
  | "service-account-token-deleted";

class ServiceAccountEvent extends BaseEvent {
  constructor(
    type: EventType,
    auditUser: IAuditUser,
    readonly data?: object,
    readonly preData?: object,
  ) {
    super(type, auditUser);
  }
}

type Services = Pick<IUnleashServices, "accessService" | "patService" | "eventService">;
type Stores = Pick<IUnleashStores, "accountStore">;

export class ServiceAccountService {
  private readonly accounts: Stores["accountStore"];
  private readonly access: Services["accessService"];
  private readonly pats: Services["patService"];
  private readonly events: Services["eventService"];

  constructor(services: Services, stores: Stores, private readonly store: ServiceAccountStore) {
    this.accounts = stores.accountStore;
    this.access = services.accessService;
    this.pats = services.patService;
    this.events = services.eventService;
  }

  async list() {
    const accounts = (await this.accounts.getAll()).filter(isServiceAccount).sort((a, b) => a.id - b.id);
    const withTokens = async (account: IUser) => ({ ...(await this.view(account)), tokens: await this.pats.getAll(account.id) });
    const [serviceAccounts, rootRoles] = await Promise.all([Promise.all(accounts.map(withTokens)), this.access.getRootRoles()]);
    return { serviceAccounts, rootRoles };
  }

  async create(input: CreateServiceAccount, auditUser: IAuditUser) {
    if (await this.accounts.hasAccount({ username: input.username })) {
      throw new NameExistsError("User already exists");
    }
    const rootRole = await this.rootRoleId(input.rootRole);
    const id = await this.store.insert(input);
    await this.access.setUserRootRole(id, rootRole);
    const created = await this.view(await this.get(id));
    await this.events.storeEvent(new ServiceAccountEvent("service-account-created", auditUser, audited(created)));
    return { ...created, tokens: [] };
  }

  async update(id: number, input: UpdateServiceAccount, auditUser: IAuditUser) {
    const before = await this.view(await this.get(id));
    if (input.rootRole !== undefined) {
      await this.access.setUserRootRole(id, await this.rootRoleId(input.rootRole));
    }
    if (input.name !== undefined) await this.store.rename(id, input.name);
    const after = await this.view(await this.get(id));
    await this.events.storeEvent(new ServiceAccountEvent("service-account-updated", auditUser, audited(after), audited(before)));
    return { ...after, tokens: await this.pats.getAll(id) };
  }

  /** The server's soft delete, as for users: the row stays, its tokens stop working, the username is freed. */
  async delete(id: number, auditUser: IAuditUser): Promise<void> {
    const before = await this.view(await this.get(id));
    await this.access.wipeUserPermissions(id);
    await this.accounts.delete(id);
    await this.events.storeEvent(new ServiceAccountEvent("service-account-deleted", auditUser, undefined, audited(before)));
  }

  async tokens(id: number) {
    await this.get(id);
    return this.pats.getAll(id);
  }

  async createToken(id: number, token: CreateToken, auditUser: IAuditUser) {
    await this.get(id);
    // createAccountToken is PatService's entry for tokens that are not the caller's own PATs:
    // the same rules as createPat, without its pat-created event.
    const { secure: _secure, selector: _selector, ...created } = await this.pats.createAccountToken(token, id);
    const { secret: _secret, ...tokenData } = created;
    await this.events.storeEvent(new ServiceAccountEvent("service-account-token-created", auditUser, tokenData));
    return created;
  }

  async deleteToken(id: number, tokenId: number, auditUser: IAuditUser): Promise<void> {
    await this.get(id);
    const deleted = await this.pats.deleteAccountToken(tokenId, id);
    // Like PatService.deletePat in this version: an unknown token is not an error, and no event.
    if (deleted === undefined) return;
    const { secure: _secure, selector: _selector, ...tokenData } = deleted;
    await this.events.storeEvent(new ServiceAccountEvent("service-account-token-deleted", auditUser, undefined, tokenData));
  }

  private async get(id: number): Promise<IUser> {
    const account = await this.accounts.get(id).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    if (account === undefined || !isServiceAccount(account)) {
      throw new NotFoundError(`Could not find service account with id ${id}.`);
    }
    return account;
  }

  private async view(account: IUser) {
    const rootRole = await this.access.getRootRoleForUser(account.id);
    return {
      id: account.id,
      username: account.username,
      name: account.name,
      rootRole: rootRole.id,
      imageUrl: account.imageUrl,
      createdAt: account.createdAt,
      seenAt: account.seenAt ?? null,
      isAPI: account.isAPI,
      accountType: account.accountType,
    };
  }

  /** Checked before anything is written, with the message setUserRootRole would give. */
  private async rootRoleId(rootRole: number): Promise<number> {
    const role = await this.access.resolveRootRole(rootRole);
    if (role === undefined) throw new BadDataError(`Could not find rootRole=${rootRole}`);
    return role.id;
  }
}

/** What the event log keeps of an account. */
function audited({ id, username, name, rootRole }: { id: number; username?: string; name?: string; rootRole: number }) {
  return { id, username, name, rootRole };
}

function isServiceAccount(account: IUser): boolean {
  return account.accountType === "Service Account";
}
