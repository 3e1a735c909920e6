import { ready, stalled, type Outcome } from "../../api/v1alpha1/conditions.js";
import type { ServiceAccountResource } from "../../api/v1alpha1/resources.js";
import type { ProjectGrant } from "../../api/v1alpha1/project-access.js";
import type { ServiceAccountFinalization, ServiceAccountSpec, ServiceAccountStatus } from "../../api/v1alpha1/service-account.js";
import type { EventSink, EventType } from "../../kube/events.js";
import type { ReconcileResult } from "../../runtime/controller.js";
import type { Lister } from "../../runtime/lister.js";
import { UnleashConflictError } from "../../unleash/errors.js";
import { resolveRootRole, type Snapshot, type SnapshotAccount } from "../../unleash/snapshot.js";
import type { ConnectionProtection } from "../connection/protection.js";
import type { ConnectionRegistry, NamespacedConnection, ResolvedConnection } from "../connection/registry.js";
import { ABANDON_ANNOTATION, abandons } from "../shared/abandon.js";
import { isPaused } from "../shared/pause.js";
import { crashPoint } from "../shared/crash-points.js";
import { StalledError } from "../shared/outcomes.js";
import { reportOutcome } from "../shared/report.js";
import { CleaningUpKind, type KindReconciler, type ReconcileContext } from "../shared/reconcile.js";
import { parseTokenDescription } from "../token/description.js";
import { matchAccount, type AccountMatch } from "./account-match.js";
import { checkAdoption, takenBy } from "./adoption.js";
import { claimantOf, claimantsOf, type ClaimSources } from "./claims.js";
import { otherOwner, type Claimant } from "./ownership.js";
import { applyProjectSteps, describeSteps } from "./project-apply.js";
import { planProjectAccess, refusedAccess, type ProjectPlan } from "./project-plan.js";

export interface ServiceAccountReconcilerDeps {
  lister: Lister<ServiceAccountResource>;
  connections: Pick<ConnectionRegistry, "resolve" | "metadataOf">;
  claims: ClaimSources;
  protection: Pick<ConnectionProtection, "hold">;
  events: EventSink;
  clusterName: string;
  now: () => Date;
}

const KIND = "ServiceAccount";
/** Outcomes that mean the account in Unleash is not this resource's: status then claims none. */
const NOT_OURS: ReadonlySet<string> = new Set(["UsernameTaken", "AdoptionNotAllowed"]);

/** One reconcile of one account: what every step needs. */
interface Account extends ReconcileContext<ServiceAccountStatus> {
  username: string;
  displayName: string;
}

/** Keeps one Unleash service account per ServiceAccount resource, with the declared name and root role. */
export class ServiceAccountReconciler
  extends CleaningUpKind<ServiceAccountSpec, ServiceAccountStatus, ServiceAccountFinalization>
  implements KindReconciler<ServiceAccountSpec, ServiceAccountStatus, ServiceAccountFinalization>
{
  readonly kind = KIND;

  constructor(private readonly deps: ServiceAccountReconcilerDeps) {
    super(deps.lister);
  }

  pausedBy(resource: ServiceAccountResource): string | undefined {
    const ref = this.factsOf(resource)?.connectionRef;
    return ref && isPaused(this.deps.connections.metadataOf(ref, resource.metadata.namespace ?? "")) ? `${ref.kind} ${ref.name}` : undefined;
  }

  /** Status never claims an account that is not this resource's. */
  failureFields(current: ServiceAccountStatus, outcome: Outcome): ServiceAccountStatus {
    if (!NOT_OURS.has(outcome.reason)) return current;
    const { id: _id, username: _username, rootRole: _rootRole, ...unclaimed } = current;
    return unclaimed;
  }

  async sync(context: ReconcileContext<ServiceAccountStatus> & { spec: ServiceAccountSpec }): Promise<ReconcileResult> {
    await this.#sync(this.#account(context, context.spec), context.spec);
    return {};
  }

  async #sync(context: Account, spec: ServiceAccountSpec): Promise<void> {
    const connection = await this.deps.connections.resolve(spec.connectionRef, context.meta.namespace ?? "");
    const allowed = connection.allowedRootRoles;
    if (allowed && !allowed.includes(spec.rootRole)) {
      throw new StalledError(stalled("RootRoleNotAllowed", `root role "${spec.rootRole}" is not allowed by ${connection.id}; allowed: ${allowed.join(", ")}`));
    }
    const snapshot = await connection.snapshots.get();
    const role = resolveRootRole(snapshot, spec.rootRole);
    if (!role) {
      const known = snapshot.rootRoles.map((r) => r.name).join(", ");
      throw new StalledError(stalled("RootRoleNotFound", `root role "${spec.rootRole}" does not exist in Unleash; known root roles: ${known}`));
    }
    // Before the first write to Unleash: the connection must outlive this account's clean-up. (A connection
    // already being deleted can take no new finalizer; it is gone once the resources using it are.)
    if (!connection.source.meta.deletionTimestamp) await this.deps.protection.hold(connection.source);
    const account = await this.#ensureAccount(context, spec, connection, snapshot, role.id);
    const converged = await this.#ensureFields(context, connection, account, role.id);
    const projects = spec.projects === undefined ? undefined : await this.#ensureProjects(context, connection, converged.id, spec.projects, snapshot);
    const fields = { id: converged.id, username: converged.username, rootRole: { id: role.id, name: role.name }, ...(projects ? { projects: projects.applied, projectCount: projects.applied.length } : {}) };
    const [problem, ...more] = projects?.problems ?? [];
    if (problem) {
      // The account and its root role are in place (its tokens keep working); only the projects wait for a person.
      await reportOutcome(context.reporter, context.status, stalled(problem.reason, [problem, ...more].map((p) => p.message).join("; ")), fields);
      return;
    }
    const access = projects ? ` and access to ${projects.applied.length} project(s)` : "";
    await context.status.write(fields, ready(`Unleash service account ${converged.username} (id ${converged.id}) has root role ${role.name}${access}`));
  }

  async #ensureAccount(context: Account, spec: ServiceAccountSpec, connection: NamespacedConnection, snapshot: Snapshot, roleId: number): Promise<SnapshotAccount> {
    const match = matchAccount(snapshot, context.status.current, { ...context, rootRole: roleId });
    const self = this.#claimant(context);
    const claimants = claimantsOf(this.deps.claims, connection.target);
    if (match.kind === "absent" || match.kind === "gone") {
      const rival = otherOwner(self, claimants, { username: context.username });
      if (rival) throw takenBy(context.username, undefined, rival);
      // An account is not made for access it may not have: a refused request writes nothing to Unleash.
      const refused = refusedAccess(spec.projects ?? [], connection.projectPolicy, connection.id);
      if (refused) throw new StalledError(stalled(refused.reason, refused.message));
      return this.#create(context, spec, connection, roleId, match.kind === "gone", claimants);
    }
    return this.#existing(context, spec, connection, claimants, match);
  }

  /** An account with the username exists: ours, another resource's, or one to adopt if allowed. */
  #existing(context: Account, spec: ServiceAccountSpec, connection: ResolvedConnection, claimants: readonly Claimant[], match: Extract<AccountMatch, { account: unknown }>): SnapshotAccount {
    const owner = otherOwner(this.#claimant(context), claimants, match.account);
    if (owner) throw takenBy(context.username, match.account.id, owner);
    if (match.kind === "ours") return match.account;
    checkAdoption({ meta: context.meta, username: context.username, adoptExisting: spec.adoptExisting, clusterName: this.deps.clusterName }, connection, match.account);
    this.#event(context, "Normal", "Adopted", `Adopted existing Unleash service account ${context.username} (id ${match.account.id})`);
    return match.account;
  }

  async #create(context: Account, spec: ServiceAccountSpec, connection: ResolvedConnection, roleId: number, recreate: boolean, claimants: readonly Claimant[]): Promise<SnapshotAccount> {
    // The claim is recorded before Unleash is asked, so an account found after a crash is known to be ours.
    await context.status.patch({ creationStartedAt: this.deps.now().toISOString(), id: undefined });
    crashPoint("after-account-claim");
    try {
      const account = await connection.client.createServiceAccount({ username: context.username, name: context.displayName, rootRole: roleId });
      connection.snapshots.recordAccount(account);
      crashPoint("after-account-create");
      const verb = recreate ? "Recreated" : "Created";
      this.#event(context, "Normal", verb, `${verb} Unleash service account ${account.username} (id ${account.id})${recreate ? " after it was deleted in Unleash" : ""}`);
      return { ...account, tokens: account.tokens };
    } catch (err) {
      if (!(err instanceof UnleashConflictError)) throw err;
      // A lost answer to an earlier create looks like a clash: the claim recognises that account as ours. An
      // account made meanwhile by someone else (the snapshot predates it) goes the way it would have gone.
      connection.snapshots.invalidate();
      const again = matchAccount(await connection.snapshots.get(), context.status.current, { ...context, rootRole: roleId });
      if (again.kind === "ours" || again.kind === "taken") return this.#existing(context, spec, connection, claimants, again);
      throw new StalledError(
        stalled("UsernameTaken", `the username ${context.username} is already used in Unleash (by a user or another service account); choose another spec.username`),
      );
    }
  }

  async #ensureFields(context: Account, connection: ResolvedConnection, account: SnapshotAccount, roleId: number): Promise<SnapshotAccount> {
    if (account.name === context.displayName && account.rootRole === roleId) return account;
    this.#spendRepair(context, "set the account's display name and root role back to the declared values");
    const updated = await connection.client.updateServiceAccount(account.id, { name: context.displayName, rootRole: roleId });
    connection.snapshots.recordAccount({ ...updated, tokens: [...account.tokens] });
    this.#event(context, "Normal", "Updated", `Updated Unleash service account ${account.username}: display name and root role set to the declared values`);
    return { ...account, name: context.displayName, rootRole: roleId };
  }

  async #ensureProjects(context: Account, connection: NamespacedConnection, accountId: number, declared: readonly ProjectGrant[], snapshot: Snapshot): Promise<ProjectPlan> {
    const view = await connection.projectAccess.get();
    const plan = planProjectAccess({ accountId, declared, view, policy: connection.projectPolicy, rootRoles: snapshot.rootRoles, connectionId: connection.id });
    if (plan.steps.length === 0) return plan;
    this.#spendRepair(context, "set the account's project access to the declared list");
    await applyProjectSteps(connection.client, connection.projectAccess, accountId, plan.steps);
    this.#event(context, "Normal", "ProjectAccessUpdated", `Project access of Unleash service account ${context.username}: ${describeSteps(plan.steps)}`);
    return plan;
  }

  /** A write undone again and again means another writer: stop before the two flip the account back and forth for ever. */
  #spendRepair(context: Account, what: string): void {
    const { uid, generation, annotations } = context.meta;
    const now = this.deps.now().getTime();
    const verdict = this.repairs.check(uid, { generation, annotations }, now);
    if (!verdict.allowed) throw new StalledError(verdict.outcome);
    this.repairs.record(uid, { generation, annotations }, what, now);
  }

  async finalize(context: ReconcileContext<ServiceAccountStatus> & { facts: ServiceAccountFinalization }): Promise<undefined> {
    const { facts } = context;
    const account = this.#account(context, facts);
    const namespace = context.meta.namespace ?? "";
    if (abandons(context.meta, this.deps.connections.metadataOf(facts.connectionRef, namespace))) {
      this.#abandon(account);
    } else {
      const connection = await this.deps.connections.resolve(facts.connectionRef, namespace);
      const match = matchAccount(await connection.snapshots.get(), context.status.current, account);
      // An account another resource owns is never touched with this one, whatever this one's status says.
      const owner = match.kind === "ours" ? otherOwner(this.#claimant(account), claimantsOf(this.deps.claims, connection.target), match.account) : undefined;
      if (match.kind === "ours" && !owner) await this.#release(account, facts, connection, match.account);
    }
    this.repairs.forget(context.meta.uid);
    return undefined;
  }

  /** Delete: the account goes, and its tokens with it. Orphan: the account stays, without the tokens this cluster issued. */
  async #release(context: Account, facts: ServiceAccountFinalization, connection: ResolvedConnection, account: SnapshotAccount): Promise<void> {
    const { username } = context;
    if (facts.deletionPolicy === "Delete") {
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

  #abandon(context: Account): void {
    const { id } = context.status.current;
    const left = id === undefined ? `no recorded Unleash account (username ${context.username})` : `Unleash service account ${context.username} (id ${id}) and its tokens`;
    const message = `Released without touching Unleash (${ABANDON_ANNOTATION}=true); left behind: ${left}`;
    context.logger.warn({ accountId: id, username: context.username }, message);
    this.#event(context, "Warning", "Abandoned", message);
  }

  #account(context: ReconcileContext<ServiceAccountStatus>, facts: Pick<ServiceAccountFinalization, "username" | "displayName">): Account {
    const username = facts.username ?? context.meta.name;
    return { ...context, username, displayName: facts.displayName ?? username };
  }

  #claimant(context: Account): Claimant {
    return claimantOf(context.meta, context.status.current.id, context.username);
  }

  #event(context: Account, type: EventType, reason: string, message: string): void {
    this.deps.events.record(KIND, context.meta, type, reason, message);
  }
}
