// TEST INFRASTRUCTURE, not Unleash's API: `POST /_real-unleash/legacy-data/service-account`
// (ADMIN, so the admin API token authenticates it) stores an account as a long-lived Unleash
// holds it (see legacy-data.ts): through the server's own stores, as the service-account routes
// do, except for what today's API refuses: no username, a token with a NULL description.
import { randomUUID } from "node:crypto";
import { ADMIN, Controller, type IUnleashConfig, type IUnleashServices } from "unleash-server";
import type { z } from "zod";
import { legacyAccountSchema } from "./legacy-data.js";
import type { ServiceAccountStore } from "./service-account-store.js";

type Services = Pick<IUnleashServices, "accessService" | "patService">;
type LegacyToken = z.output<typeof legacyAccountSchema>["tokens"][number];

/** The parts of express's request and response the handler uses (express ships no types here). */
interface LegacyRequest {
  body: unknown;
}
interface Reply {
  status(code: number): Reply;
  json(body: unknown): void;
}

export class LegacyDataController extends Controller {
  constructor(
    config: IUnleashConfig,
    private readonly services: Services,
    private readonly store: ServiceAccountStore,
  ) {
    super(config);
    this.route({ method: "post", path: "", permission: ADMIN, handler: this.add });
  }

  private async add(req: LegacyRequest, res: Reply): Promise<void> {
    const account = legacyAccountSchema.parse(req.body);
    const id = await this.store.insert(account);
    await this.services.accessService.setUserRootRole(id, account.rootRole);
    for (const token of account.tokens) await this.addToken(id, token);
    res.status(201).json({ id });
  }

  /** PatService keeps its rules (expiry, the limit of 10); a NULL description only the store can write. */
  private async addToken(accountId: number, token: LegacyToken): Promise<void> {
    // A description PatService accepts, replaced right after: unique per account, as it requires.
    const description = token.description ?? `legacy-${randomUUID()}`;
    // Only the id is kept: the secret is never shown to anyone.
    const { id } = await this.services.patService.createAccountToken({ description, expiresAt: token.expiresAt }, accountId);
    if (token.description === null) await this.store.clearTokenDescription(accountId, id);
  }
}
