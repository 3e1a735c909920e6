import { ApiException, CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { FencedError, type WriteFence } from "./fence.js";
import { sleep, withTimeout } from "./timing.js";

export interface LeaderElectorOptions {
  kubeConfig: KubeConfig;
  /** Namespace and name of the coordination.k8s.io/v1 Lease. */
  namespace: string;
  name: string;
  /** Unique per process (e.g. pod name plus a random suffix). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  logger: Logger;
  /** `signal` aborts when leadership ends, for whatever reason. */
  onStartedLeading: (signal: AbortSignal) => void;
  /**
   * Leadership was lost involuntarily: renewal failed past the deadline, or another holder took
   * the Lease. Not called on `release()`.
   */
  onStoppedLeading: () => void;
}

/** Result of one acquire-or-renew attempt: "taken" means another holder's lease is still valid. */
type Attempt = "held" | "taken" | "retry";

/** client-go's JitterUntil factor for acquisition retries. */
const ACQUIRE_JITTER = 1.2;

/**
 * Leader election on a Lease with client-go's algorithm: a foreign lease counts as expired only
 * when it has not changed for its duration by our own clock, and every write is a replace
 * with the resourceVersion we read, so that a 409 means we lost a race.
 */
export class LeaderElector implements WriteFence {
  private readonly api: CoordinationV1Api;
  private readonly stopController = new AbortController();
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private observed: { record: string; at: number } | undefined;
  /** The Lease as we last wrote it, while we hold it. */
  private held: V1Lease | undefined;
  private leadership: AbortController | undefined;
  private running: Promise<void> | undefined;
  /** performance.now() when the last successful acquire or renew was sent: the lease holds at least until then plus its duration. */
  private renewedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: LeaderElectorOptions) {
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs) {
      throw new Error("renewDeadlineMs must be shorter than leaseDurationMs");
    }
  }

  isLeader(): boolean {
    return this.leadership !== undefined && !this.leadership.signal.aborted;
  }

  /**
   * Writes are allowed while leading and within the renew deadline of the last renewal, by the
   * monotonic clock: other replicas take over no sooner than the lease duration after it, so the
   * difference is the margin for a write already on its way.
   */
  assertCanWrite(what: string): void {
    const sinceRenewalMs = performance.now() - this.renewedAt;
    if (this.isLeader() && sinceRenewalMs < this.renewDeadlineMs) return;
    throw new FencedError(
      `refusing ${what}: ${this.isLeader() ? `the lease was last renewed ${Math.round(sinceRenewalMs)} ms ago, past the renew deadline` : "this replica does not hold the lease"}`,
    );
  }

  /** Campaigns until elected, then renews; resolves when leadership is lost or `release()` was called. */
  run(): Promise<void> {
    this.running ??= this.campaignAndLead();
    return this.running;
  }

  /** Stops campaigning or renewing and, if leading, empties the Lease so another replica takes over at once. */
  async release(): Promise<void> {
    this.stopController.abort();
    await this.running;
    const held = this.held;
    if (!held || !this.leadership) return;
    this.leadership.abort();
    this.held = undefined;
    const now = new V1MicroTime();
    const body: V1Lease = {
      ...held,
      spec: { ...held.spec, holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
    };
    try {
      await withTimeout(this.replace(body), this.renewDeadlineMs, "releasing the lease");
      this.options.logger.info({ lease: this.options.name }, "released leadership");
    } catch (error) {
      this.options.logger.warn({ err: error }, "could not release the lease; other replicas take over once it expires");
    }
  }

  private async campaignAndLead(): Promise<void> {
    if (!(await this.acquire())) return;
    const leadership = new AbortController();
    this.leadership = leadership;
    this.options.logger.info({ lease: this.options.name, identity: this.options.identity }, "became leader");
    this.options.onStartedLeading(leadership.signal);
    await this.renewUntilLost();
    if (this.stopController.signal.aborted) return;
    leadership.abort();
    this.held = undefined;
    this.options.logger.error({ lease: this.options.name }, "lost leadership");
    this.options.onStoppedLeading();
  }

  private async acquire(): Promise<boolean> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      if ((await this.attempt(this.renewDeadlineMs)) === "held") return true;
      await sleep(this.retryPeriodMs * (1 + Math.random() * ACQUIRE_JITTER), signal);
    }
    return false;
  }

  private async renewUntilLost(): Promise<void> {
    const signal = this.stopController.signal;
    for (;;) {
      await sleep(this.retryPeriodMs, signal);
      if (signal.aborted || !(await this.renewWithinDeadline())) return;
    }
  }

  /** Retries every retry period until renewed; false once the renew deadline has passed or another holder took over. */
  private async renewWithinDeadline(): Promise<boolean> {
    const signal = this.stopController.signal;
    const deadline = Date.now() + this.renewDeadlineMs;
    while (!signal.aborted) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) return false;
      const attempt = await this.attempt(remainingMs);
      if (attempt === "held") return true;
      if (attempt === "taken") return false;
      await sleep(Math.min(this.retryPeriodMs, Math.max(0, deadline - Date.now())), signal);
    }
    return true;
  }

  private async attempt(timeoutMs: number): Promise<Attempt> {
    try {
      return await withTimeout(this.tryAcquireOrRenew(), timeoutMs, "acquiring or renewing the lease");
    } catch (error) {
      this.options.logger.warn({ err: error, lease: this.options.name }, "lease acquire/renew attempt failed");
      return "retry";
    }
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const current = await this.read();
    if (!current) return this.create();
    const spec = current.spec ?? {};
    this.observe(spec);
    const holder = spec.holderIdentity ?? "";
    const ours = holder === this.options.identity;
    if (!ours && holder !== "" && !this.observedExpired(spec.leaseDurationSeconds)) return "taken";
    const now = new V1MicroTime();
    const transitions = spec.leaseTransitions ?? 0;
    const body: V1Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: this.options.identity,
        leaseDurationSeconds: this.leaseDurationSeconds(),
        renewTime: now,
        acquireTime: ours ? spec.acquireTime : now,
        leaseTransitions: ours ? transitions : transitions + 1,
      },
    };
    return this.write(() => this.replace(body));
  }

  private create(): Promise<Attempt> {
    const now = new V1MicroTime();
    const body: V1Lease = {
      metadata: { name: this.options.name, namespace: this.options.namespace },
      spec: {
        holderIdentity: this.options.identity,
        leaseDurationSeconds: this.leaseDurationSeconds(),
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    };
    return this.write(() => this.api.createNamespacedLease({ namespace: this.options.namespace, body }));
  }

  /** 409: somebody else wrote the Lease since we read it; the next attempt sees who. */
  private async write(send: () => Promise<V1Lease>): Promise<Attempt> {
    const sentAt = performance.now();
    try {
      this.held = await send();
      this.renewedAt = sentAt;
      return "held";
    } catch (error) {
      if (error instanceof ApiException && error.code === 409) return "retry";
      throw error;
    }
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace });
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  private replace(body: V1Lease): Promise<V1Lease> {
    return this.api.replaceNamespacedLease({ name: this.options.name, namespace: this.options.namespace, body });
  }

  /** Remembers when the record last changed, by our clock, so that clock skew between replicas does not matter. */
  private observe(spec: object): void {
    const record = JSON.stringify(spec);
    if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
  }

  private observedExpired(leaseDurationSeconds: number | undefined): boolean {
    const durationMs = (leaseDurationSeconds ?? this.leaseDurationSeconds()) * 1000;
    return this.observed !== undefined && this.observed.at + durationMs <= Date.now();
  }

  private leaseDurationSeconds(): number {
    return Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
  }
}
