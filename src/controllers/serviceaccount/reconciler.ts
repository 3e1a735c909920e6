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
import type { Listers } from "../shared/listers.js";
import { outcomeForError, StalledError } from "../shared/outcomes.js";
import { reportOutcome, specErrorMessage } from "../shared/report.js";
import { crashPoint } from "../shared/crash-points.js";
import { ensureFinalizer, hasFinalizer, removeFinalizer, StatusWriters, type StatusWriter } from "../shared/status.js";
import { matchAccount } from "./account-match.js";

export interface ServiceAccountReconcilerDeps {
  listers: Pick<Listers, "serviceAccounts">;
  connections: ConnectionRegistry;
  resources: CustomResourceClient;
  events: EventSink;
  logger: Logger;
  now: () => Date;
}

const KIND = "ServiceAccount";

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

  constructor(private readonly deps: ServiceAccountReconcilerDeps) {
    this.#statuses = new StatusWriters(deps.resources, KIND, deps.now);
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
      await ensureFinalizer(this.deps.resources, KIND, resource.metadata);
      await this.#sync(context);
    } catch (err) {
      const { outcome, retry } = outcomeForError(err);
      await this.#report(context, outcome);
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
    const account = await this.#ensureAccount(context, connection, snapshot, role.id);
    const converged = await this.#ensureFields(context, connection, account, role.id);
    await context.status.write(
      { id: converged.id, username: converged.username, rootRole: { id: role.id, name: role.name } },
      ready(`Unleash service account ${converged.username} (id ${converged.id}) has root role ${role.name}`),
    );
  }

  async #ensureAccount(context: Context, connection: ResolvedConnection, snapshot: Snapshot, roleId: number): Promise<SnapshotAccount> {
    const match = matchAccount(snapshot, context.status.current, context.username);
    if (match.kind === "ours") return match.account;
    if (match.kind === "taken") {
      if (!context.spec.adoptExisting) {
        throw new StalledError(
          stalled(
            "UsernameTaken",
            `an Unleash service account named ${context.username} (id ${match.account.id}) exists and is not managed by this resource; set spec.adoptExisting: true to take it over, or choose another spec.username`,
          ),
        );
      }
      this.#event(context, "Normal", "Adopted", `Adopted existing Unleash service account ${context.username} (id ${match.account.id})`);
      return match.account;
    }
    return this.#create(context, connection, roleId, match.kind === "gone");
  }

  async #create(context: Context, connection: ResolvedConnection, roleId: number, recreate: boolean): Promise<SnapshotAccount> {
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
        const again = matchAccount(await connection.snapshots.get(), context.status.current, context.username);
        if (again.kind === "ours") return again.account;
        throw new StalledError(
          stalled("UsernameTaken", `the username ${context.username} is already used in Unleash (by a user or another service account); choose another spec.username`),
        );
      }
      throw err;
    }
  }

  async #ensureFields(context: Context, connection: ResolvedConnection, account: SnapshotAccount, roleId: number): Promise<SnapshotAccount> {
    if (account.name === context.displayName && account.rootRole === roleId) return account;
    const updated = await connection.client.updateServiceAccount(account.id, { name: context.displayName, rootRole: roleId });
    connection.snapshots.recordAccount({ ...updated, tokens: [...account.tokens] });
    this.#event(context, "Normal", "Updated", `Updated Unleash service account ${account.username}: display name and root role set to the declared values`);
    return { ...account, name: context.displayName, rootRole: roleId };
  }

  async #finalize(context: Context): Promise<ReconcileResult> {
    const { resource, spec, status } = context;
    if (!hasFinalizer(resource.metadata)) return {};
    if (spec.deletionPolicy === "Delete") {
      const connection = await this.deps.connections.resolve(spec.connectionRef, resource.metadata.namespace ?? "");
      const match = matchAccount(await connection.snapshots.get(), status.current, context.username);
      if (match.kind === "ours") {
        await connection.client.deleteServiceAccount(match.account.id);
        connection.snapshots.recordAccountDeleted(match.account.id);
        this.#event(context, "Normal", "Deleted", `Deleted Unleash service account ${context.username} (id ${match.account.id})`);
      }
    } else {
      this.#event(context, "Normal", "Orphaned", `Left Unleash service account ${context.username} in place (deletionPolicy Orphan)`);
    }
    await removeFinalizer(this.deps.resources, KIND, resource.metadata);
    return {};
  }

  async #report(context: Context, outcome: Outcome): Promise<void> {
    const { events, logger } = this.deps;
    await reportOutcome({ kind: KIND, meta: context.resource.metadata, events, logger }, context.status, outcome);
  }

  #event(context: Context, type: "Normal" | "Warning", reason: string, message: string): void {
    this.deps.events.record(KIND, context.resource.metadata, type, reason, message);
  }
}
