// One benchmark block: a fresh set of namespaces, an emulator for the operator and one for the
// floor (both with the block's latency), a write counter in front of each Kubernetes client,
// and the operator process. Blocks share one control plane.
import { dirname, join } from "node:path";
import type { ControlPlane } from "../../test/harness/control-plane.js";
import { PKI_DIR } from "../../test/harness/identities.js";
import { spawnKubeWriteCounter, type RemoteKubeWriteCounter, type RequestCounts } from "../../test/harness/kube-write-counter.js";
import type { ClusterView } from "./cluster-view.js";
import { startEmulatorHost, type EmulatorHost, type HostedEmulator } from "./emulator-host.js";
import { KubeHttp } from "./kube-http.js";
import type { Cleanup } from "./lifecycle.js";
import { cpuSeconds } from "./proc.js";
import { launchOperator, type Diagnostics, type OperatorKnobs, type OperatorProcess } from "./operator.js";
import { accountObject, API, connectionRefOf, createConnection, createNamespaces, tokenObject, type ConnectionKind, type ConnectionSetup, type Workload } from "./workload.js";

export interface BenchWorld {
  controlPlane: ControlPlane;
  /** Direct admin client: applies resources and watches progress; never counted. */
  admin: KubeHttp;
  view: ClusterView;
  dir: string;
  cleanup: Cleanup;
}

export interface BlockSpec {
  index: number;
  latencyMs: number;
  namespaces: number;
  connection: ConnectionKind;
  /** Accounts declare project access (--project-access), and the cluster connection admits it. */
  projectAccess: boolean;
  knobs: OperatorKnobs;
  diagnostics: Diagnostics;
}

export interface Usage {
  /** Calls the emulator received, by route. */
  unleashCalls: Record<string, number>;
  /** The client's Kubernetes requests, counted by its write counter. */
  kube: RequestCounts;
  /** CPU seconds of the operator process (of the new one, after a restart). */
  cpuSeconds: number;
  /** CPU seconds of the write counter in front of it: the measurement's own cost, which a real cluster does not have. */
  counterCpuSeconds: number;
}

export class Block {
  operator: OperatorProcess | undefined;
  readonly workload: Workload = { accounts: [], tokens: [] };

  private constructor(
    readonly spec: BlockSpec,
    readonly world: BenchWorld,
    readonly namespaces: string[],
    readonly floorNamespaces: string[],
    readonly connection: ConnectionSetup,
    private readonly emulatorHost: EmulatorHost,
    readonly operatorEmulator: HostedEmulator,
    readonly floorEmulator: HostedEmulator,
    readonly operatorCounter: RemoteKubeWriteCounter,
    readonly floorKube: KubeHttp,
    readonly floorCounter: RemoteKubeWriteCounter,
  ) {}

  static async open(world: BenchWorld, spec: BlockSpec): Promise<Block> {
    const prefix = `b${spec.index}-l${spec.latencyMs}`;
    const names = (kind: string) => Array.from({ length: spec.namespaces }, (_, i) => `${prefix}-${kind}-${String(i).padStart(2, "0")}`);
    const namespaces = names("ns");
    const floorNamespaces = names("floor");
    const label = { key: "bench.unleash.dev/block", value: prefix };
    await createNamespaces(world.admin, [...namespaces, ...floorNamespaces], { [label.key]: label.value });

    const host = await startEmulatorHost(["operator", "floor"], spec.latencyMs, world.dir);
    world.cleanup.add(`emulators of ${prefix}`, () => host.stop());
    const { operator: operatorEmulator, floor: floorEmulator } = host.emulators;
    if (!operatorEmulator || !floorEmulator) throw new Error("emulator host did not start both emulators");

    const counter = (name: string) => {
      const pki = join(dirname(world.controlPlane.kubeconfigPath), PKI_DIR);
      return spawnKubeWriteCounter({
        upstreamKubeconfig: world.controlPlane.kubeconfigPath,
        tlsCertFile: join(pki, "apiserver.crt"),
        tlsKeyFile: join(pki, "apiserver.key"),
        dir: world.dir,
        name: `${prefix}-${name}-counter`,
      });
    };
    const operatorCounter = await counter("operator");
    world.cleanup.add(`operator write counter of ${prefix}`, () => operatorCounter.stop());
    const floorCounter = await counter("floor");
    world.cleanup.add(`floor write counter of ${prefix}`, () => floorCounter.stop());
    const floorKube = KubeHttp.fromKubeconfig(floorCounter.kubeconfigPath);
    world.cleanup.add(`floor client of ${prefix}`, () => floorKube.close());

    const connection: ConnectionSetup = {
      kind: spec.connection,
      name: spec.connection === "cluster" ? `bench-${prefix}` : "unleash",
      url: operatorEmulator.url,
      adminToken: operatorEmulator.adminToken,
      namespaceLabel: label,
      projectAccess: spec.projectAccess,
    };
    await createConnection(world.admin, connection, namespaces);
    await warmUp(world.admin, floorNamespaces[0] as string, connectionRefOf(connection));
    return new Block(spec, world, namespaces, floorNamespaces, connection, host, operatorEmulator, floorEmulator, operatorCounter, floorKube, floorCounter);
  }

  get connectionRef(): { kind: string; name: string } {
    return connectionRefOf(this.connection);
  }

  get tokenKeys(): string[] {
    return this.workload.tokens.map((t) => `${t.namespace}/${t.name}`);
  }

  get accountKeys(): string[] {
    return this.workload.accounts.map((a) => `${a.namespace}/${a.name}`);
  }

  /** Starts the operator watching the block's namespaces, through its write counter. */
  async startOperator(): Promise<OperatorProcess> {
    const operator = await launchOperator({
      kubeconfigPath: this.operatorCounter.kubeconfigPath,
      namespaces: this.namespaces,
      knobs: this.spec.knobs,
      diagnostics: this.spec.diagnostics,
    });
    this.operator = operator;
    this.world.cleanup.add(`operator of block ${this.spec.index}`, () => operator.stop());
    return operator;
  }

  async stopOperator(): Promise<void> {
    await this.operator?.stop();
    this.operator = undefined;
  }

  requireOperator(): OperatorProcess {
    if (!this.operator) throw new Error("the operator is not running");
    return this.operator;
  }

  /** Resets the operator's counters, runs `work`, and returns it with what the operator used meanwhile. */
  async measure<T>(work: () => Promise<T>): Promise<{ result: T; usage: Usage }> {
    await Promise.all([this.operatorEmulator.control.resetCalls(), this.operatorCounter.reset()]);
    const before = this.operator ? { pid: this.operator.pid, cpu: this.operator.cpuSeconds() } : undefined;
    const counterBefore = cpuSeconds(this.operatorCounter.process.pid);
    const result = await work();
    const operator = this.requireOperator();
    const cpu = operator.cpuSeconds() - (before?.pid === operator.pid ? before.cpu : 0);
    const counterCpu = cpuSeconds(this.operatorCounter.process.pid) - counterBefore;
    const [unleashCalls, kube] = await Promise.all([this.operatorEmulator.control.calls(), this.operatorCounter.counts()]);
    return { result, usage: { unleashCalls: nonZero(unleashCalls), kube, cpuSeconds: round(cpu, 2), counterCpuSeconds: round(counterCpu, 2) } };
  }

  /**
   * Stops the operator and the emulators, and deletes a cluster connection, which the next
   * block's operator would otherwise see (and list Unleash for). Namespaces stay until the
   * control plane goes.
   */
  async close(): Promise<void> {
    await this.stopOperator();
    await this.emulatorHost.stop();
    if (this.connection.kind === "cluster") {
      await this.world.admin.expect("DELETE", `${API}/clusterunleashconnections/${this.connection.name}`, undefined, { accept: [404] });
    }
  }
}

/**
 * A fresh kube-apiserver serves its first custom resources slowly (storage initialisation, CEL
 * compilation); one create, status patch and delete of each kind keeps that out of the figures.
 */
async function warmUp(admin: KubeHttp, namespace: string, connectionRef: { kind: string; name: string }): Promise<void> {
  const account = { namespace, name: "warm-up" };
  const token = { namespace, name: "warm-up-token", account: account.name };
  for (const [plural, body, name] of [
    ["serviceaccounts", accountObject(account, connectionRef), account.name],
    ["serviceaccounttokens", tokenObject(token), token.name],
  ] as const) {
    const path = `${API}/namespaces/${namespace}/${plural}`;
    await admin.expect("POST", path, body);
    await admin.expect("PATCH", `${path}/${name}/status`, { status: { observedGeneration: 1 } }, { contentType: "application/merge-patch+json" });
    await admin.expect("DELETE", `${path}/${name}`);
  }
}

function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
