import type { Logger } from "pino";
import { ready, stalled, type Outcome } from "../../api/v1alpha1/conditions.js";
import type { ServiceAccountResource } from "../../api/v1alpha1/resources.js";
import type { ServiceAccountSpec, ServiceAccountStatus } from "../../api/v1alpha1/service-account.js";
import type { CustomResourceClient } from "../../kube/custom-resources.js";
import type { EventSink } from "../../kube/events.js";
import type { ObjectKey, Reconciler, ReconcileResult } from "../../runtime/controller.js";
import { keyToString } from "../../runtime/object-key.js";
import { UnleashConflictError } from "../../unleash/errors.js";
import { resolveRootRole, type Snapshot, type SnapshotAccount } from "../../unleash/snapshot.js";
import type { ConnectionRegistry, ResolvedConnection } from "../connection/registry.js";
import type { ConnectionProtection } from "../connection/protection.js";
import type { Listers } from "../shared/listers.js";
import { isStaleWrite, outcomeForError, StalledError } from "../shared/outcomes.js";
import { reportOutcome, specErrorMessage } from "../shared/report.js";
import { crashPoint } from "../shared/crash-points.js";
import { customResourceFinalizers, ensureFinalizer, hasFinalizer, removeFinalizer, StatusWriters, type StatusWriter } from "../shared/status.js";
import { matchAccount } from "./account-match.js";
import { claimantOf, claimantsOf, type ClaimSources } from "./claims.js";
import { otherOwner, type Claimant } from "./ownership.js";
import { parseTokenDescription } from "../token/description.js";
import { RepairBudget } from "../shared/repair-budget.js";
import { ABANDON_ANNOTATION, abandons, withAbandonHint } from "../shared/abandon.js";

/** Annotation naming the other clusters whose accounts this resource may adopt (comma-separated cluster names). */
export const ADOPT_FROM_CLUSTER_ANNOTATION = "accounts.unleash.dev/adopt-from-cluster";

export interface ServiceAccountReconcilerDeps {
  listers: Pick<Listers, "serviceAccounts">;
  claims: ClaimSources;
  clusterName: string;
  protection: Pick<ConnectionProtection, "hold">;
  connections: ConnectionRegistry;
  resources: CustomResourceClient;
  events: EventSink;
  logger: Logger;
  now: () => Date;
}

const KIND = "ServiceAccount";
/** Outcomes that mean the account in Unleash is not this resource's. */
const NOT_OURS: ReadonlySet<string> = new Set(["UsernameTaken", "AdoptionNotAllowed"]);

interface Context {
  resource: ServiceAccountResource;
  spec: ServiceAccountSpec;
  username: string;
  displayName: string;
  status: StatusWriter<ServiceAccountStatus>;
}

/** Keeps one Unleash service account per ServiceAccount resource, with the declared name and root role. */
export class ServiceAccountReconciler implements Reconciler {
  readonly #statuses: StatusWriters<ServiceAccountStatus>;
  readonly #repairs = new RepairBudget();

  constructor(private readonly deps: ServiceAccountReconcilerDeps) {
    this.#statuses = new StatusWriters(deps.resources, KIND, deps.now);
  }

  /** A status change that is not this process's own write is news: a stale writer, or a person editing status. */
  isOwnStatus(uid: string, status: ServiceAccountStatus): boolean {
    return this.#statuses.isOwnEcho(uid, status);
  }

  async reconcile(key: ObjectKey): Promise<ReconcileResult> {
    const resource = this.deps.listers.serviceAccounts.get(keyToString(key));
    if (!resource) return {};
    const status = this.#statuses.for(resource.metadata, resource.status);
    if (!resource.spec.success) {
      await status.write(resource.status, stalled("InvalidSpec", specErrorMessage(resource.spec.error.issues)));
      return {};
    }
    const spec = resource.spec.data;
    const username = spec.username ?? resource.metadata.name;
    const context: Context = { resource, spec, username, displayName: spec.displayName ?? username, status };
    try {
      if (resource.metadata.deletionTimestamp) return await this.#finalize(context);
      await ensureFinalizer(customResourceFinalizers(this.deps.resources, KIND, resource.metadata), resource.metadata);
      await this.#sync(context);
    } catch (err) {
      if (isStaleWrite(err)) throw err;
      const { outcome, retry } = outcomeForError(err);
      await this.#report(context, resource.metadata.deletionTimestamp ? withAbandonHint(outcome) : outcome);
      if (retry) throw err;
    }
    return {};
  }

  async #sync(context: Context): Promise<void> {
    const connection = await this.deps.connections.resolve(context.spec.connectionRef, context.resource.metadata.namespace ?? "");
    const allowed = connection.allowedRootRoles;
    if (allowed && !allowed.includes(context.spec.rootRole)) {
      throw new StalledError(
        stalled("RootRoleNotAllowed", `root role "${context.spec.rootRole}" is not allowed by ${connection.id}; allowed: ${allowed.join(", ")}`),
      );
    }
    const snapshot = await connection.snapshots.get();
    const role = resolveRootRole(snapshot, context.spec.rootRole);
    if (!role) {
      const known = snapshot.rootRoles.map((r) => r.name).join(", ");
      throw new StalledError(stalled("RootRoleNotFound", `root role "${context.spec.rootRole}" does not exist in Unleash; known root roles: ${known}`));
    }
    // Before the first write to Unleash: the connection must outlive this account's clean-up. (A connection
    // already being deleted can take no new finalizer; it is gone once the resources using it are.)
    if (!connection.source.meta.deletionTimestamp) await this.deps.protection.hold(connection.source);
    const account = await this.#ensureAccount(context, connection, snapshot, role.id);
    const converged = await this.#ensureFields(context, connection, account, role.id);
    await context.status.write(
      { id: converged.id, username: converged.username, rootRole: { id: role.id, name: role.name } },
      ready(`Unleash service account ${converged.username} (id ${converged.id}) has root role ${role.name}`),
    );
  }

  async #ensureAccount(context: Context, connection: ResolvedConnection, snapshot: Snapshot, roleId: number): Promise<SnapshotAccount> {
    const match = matchAccount(snapshot, context.status.current, { ...context, rootRole: roleId });
    const self = claimantOf(context.resource, context.username);
    const claimants = claimantsOf(this.deps.claims, connection.target);
    if (match.kind === "absent" || match.kind === "gone") {
      const rival = otherOwner(self, claimants, { username: context.username });
      if (rival) throw takenBy(context.username, undefined, rival);
      return this.#create(context, connection, roleId, match.kind === "gone", claimants);
    }
    const owner = otherOwner(self, claimants, match.account);
    if (owner) throw takenBy(context.username, match.account.id, owner);
    if (match.kind === "ours") return match.account;
    this.#checkAdoption(context, connection, match.account);
    this.#event(context, "Normal", "Adopted", `Adopted existing Unleash service account ${context.username} (id ${match.account.id})`);
    return match.account;
  }

  /** Adoption takes an account that nobody in this cluster manages: only when the resource asks, its connection allows, and no other cluster's tokens are on it. */
  #checkAdoption(context: Context, connection: ResolvedConnection, account: SnapshotAccount): void {
    const { username } = context;
    if (!context.spec.adoptExisting) {
      throw new StalledError(
        stalled(
          "UsernameTaken",
          `an Unleash service account named ${username} (id ${account.id}) exists and is not managed by this resource; set spec.adoptExisting: true to take it over, or choose another spec.username`,
        ),
      );
    }
    if (!connection.allowAdoption) {
      throw new StalledError(
        stalled(
          "AdoptionNotAllowed",
          `${connection.id} does not allow adopting existing accounts (spec.allowAdoption), so the existing Unleash service account ${username} (id ${account.id}) was left alone; ask the connection's admin, or choose another spec.username`,
        ),
      );
    }
    const allowed = new Set((context.resource.metadata.annotations?.[ADOPT_FROM_CLUSTER_ANNOTATION] ?? "").split(",").map((name) => name.trim()));
    const foreign = [...new Set(account.tokens.flatMap((token) => parseTokenDescription(token.description)?.cluster ?? []))].filter(
      (cluster) => cluster !== this.deps.clusterName && !allowed.has(cluster),
    );
    if (foreign.length > 0) {
      throw new StalledError(
        stalled(
          "UsernameTaken",
          `the Unleash service account ${username} (id ${account.id}) holds tokens of another cluster (${foreign.join(", ")}), whose operator manages it; ` +
            `to take it over from there, annotate this resource ${ADOPT_FROM_CLUSTER_ANNOTATION}=${foreign.join(",")}`,
        ),
      );
    }
  }

  async #create(context: Context, connection: ResolvedConnection, roleId: number, recreate: boolean, claimants: readonly Claimant[]): Promise<SnapshotAccount> {
    // The claim is recorded before Unleash is asked, so an account found after a crash is known to be ours.
    await context.status.patch({ creationStartedAt: this.deps.now().toISOString(), id: undefined });
    crashPoint("after-account-claim");
    try {
      const account = await connection.client.createServiceAccount({ username: context.username, name: context.displayName, rootRole: roleId });
      connection.snapshots.recordAccount(account);
      crashPoint("after-account-create");
      const verb = recreate ? "Recreated" : "Created";
      this.#event(context, "Normal", verb, `${verb} Unleash service account ${account.username} (id ${account.id})${recreate ? " after it was deleted in Unleash" : ""}`);
      return { ...account, tokens: account.tokens ?? [] };
    } catch (err) {
      if (err instanceof UnleashConflictError) {
        // A lost answer to an earlier create looks like a clash: the claim recognises that account as ours.
        connection.snapshots.invalidate();
        const again = matchAccount(await connection.snapshots.get(), context.status.current, { ...context, rootRole: roleId });
        if (again.kind === "ours" && !otherOwner(claimantOf(context.resource, context.username), claimants, again.account)) return again.account;
        throw new StalledError(
          stalled("UsernameTaken", `the username ${context.username} is already used in Unleash (by a user or another service account); choose another spec.username`),
        );
      }
      throw err;
    }
  }

  async #ensureFields(context: Context, connection: ResolvedConnection, account: SnapshotAccount, roleId: number): Promise<SnapshotAccount> {
    if (account.name === context.displayName && account.rootRole === roleId) return account;
    // A write undone again and again means another writer: stop before the two flip the account back and forth for ever.
    const { uid, generation, annotations } = context.resource.metadata;
    const now = this.deps.now().getTime();
    const verdict = this.#repairs.check(uid, { generation, annotations }, now);
    if (!verdict.allowed) throw new StalledError(verdict.outcome);
    this.#repairs.record(uid, { generation, annotations }, "set the account's display name and root role back to the declared values", now);
    const updated = await connection.client.updateServiceAccount(account.id, { name: context.displayName, rootRole: roleId });
    connection.snapshots.recordAccount({ ...updated, tokens: [...account.tokens] });
    this.#event(context, "Normal", "Updated", `Updated Unleash service account ${account.username}: display name and root role set to the declared values`);
    return { ...account, name: context.displayName, rootRole: roleId };
  }

  async #finalize(context: Context): Promise<ReconcileResult> {
    const { resource, spec } = context;
    if (!hasFinalizer(resource.metadata)) return {};
    const namespace = resource.metadata.namespace ?? "";
    if (abandons(resource.metadata, this.deps.connections.metadataOf(spec.connectionRef, namespace))) {
      this.#abandon(context);
    } else {
      const connection = await this.deps.connections.resolve(spec.connectionRef, namespace);
      const match = matchAccount(await connection.snapshots.get(), context.status.current, context);
      // An account another resource owns is never touched with this one, whatever this one's status says.
      const owner = match.kind === "ours" ? otherOwner(claimantOf(resource, context.username), claimantsOf(this.deps.claims, connection.target), match.account) : undefined;
      if (match.kind === "ours" && !owner) await this.#release(context, connection, match.account);
    }
    await removeFinalizer(customResourceFinalizers(this.deps.resources, KIND, resource.metadata), resource.metadata);
    this.#repairs.forget(resource.metadata.uid);
    return {};
  }

  /** Delete: the account goes, and its tokens with it. Orphan: the account stays, without the tokens this cluster issued. */
  async #release(context: Context, connection: ResolvedConnection, account: SnapshotAccount): Promise<void> {
    const { username } = context;
    if (context.spec.deletionPolicy === "Delete") {
      await connection.client.deleteServiceAccount(account.id);
      connection.snapshots.recordAccountDeleted(account.id);
      this.#event(context, "Normal", "Deleted", `Deleted Unleash service account ${username} (id ${account.id})`);
      return;
    }
    const ours = account.tokens.filter((token) => parseTokenDescription(token.description)?.cluster === this.deps.clusterName);
    for (const token of ours) {
      await connection.client.deleteToken(account.id, token.id);
      connection.snapshots.recordTokenDeleted(account.id, token.id);
    }
    this.#event(
      context,
      "Normal",
      "Orphaned",
      `Left Unleash service account ${username} (id ${account.id}) in place (deletionPolicy Orphan) and revoked the ${ours.length} token(s) this cluster issued for it`,
    );
  }

  #abandon(context: Context): void {
    const { id } = context.status.current;
    const left = id === undefined ? `no recorded Unleash account (username ${context.username})` : `Unleash service account ${context.username} (id ${id}) and its tokens`;
    const message = `Released without touching Unleash (${ABANDON_ANNOTATION}=true); left behind: ${left}`;
    this.deps.logger.warn({ kind: KIND, namespace: context.resource.metadata.namespace, name: context.resource.metadata.name, accountId: id, username: context.username }, message);
    this.#event(context, "Warning", "Abandoned", message);
  }

  async #report(context: Context, outcome: Outcome): Promise<void> {
    const { events, logger } = this.deps;
    // Status never claims an account that is not this resource's.
    const { id: _id, username: _username, rootRole: _rootRole, ...unclaimed } = context.status.current;
    const fields = NOT_OURS.has(outcome.reason) ? unclaimed : context.status.current;
    await reportOutcome({ kind: KIND, meta: context.resource.metadata, events, logger }, context.status, outcome, fields);
  }

  #event(context: Context, type: "Normal" | "Warning", reason: string, message: string): void {
    this.deps.events.record(KIND, context.resource.metadata, type, reason, message);
  }
}

function takenBy(username: string, accountId: number | undefined, owner: Claimant): StalledError {
  const account = accountId === undefined ? `the username ${username}` : `the Unleash service account ${username} (id ${accountId})`;
  return new StalledError(
    stalled("UsernameTaken", `${account} is managed by ServiceAccount ${owner.key} on the same Unleash; one account has one owner: choose another spec.username`),
  );
}
