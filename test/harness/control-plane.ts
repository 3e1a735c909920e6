// A private Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) on
// loopback, the way controller-runtime's envtest runs one, plus the controllers envtest
// lacks: the garbage collector and the namespace controller.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { controlPlaneBinDir } from "./binaries.js";
import {
  apiServerArgs,
  controllerManagerArgs,
  etcdArgs,
  waitForApiServer,
  waitForControllerManager,
  waitForEtcd,
  type Layout,
} from "./components.js";
import { applyManifestDirectory } from "./crds.js";
import { writeKubeconfig } from "./kubeconfig.js";
import { ADMIN_KUBECONFIG_FILE, issueKubeconfig, PKI_DIR } from "./identities.js";
import { createPki } from "./pki.js";
import { freeLoopbackPorts } from "./ports.js";
import { spawnLogged, type ManagedProcess } from "./processes.js";
import { repoRoot } from "./repo.js";

export interface ControlPlaneOptions {
  /** Every *.yaml there is applied, and its CRDs waited for, before the controller manager starts. Default <repo>/crds. */
  crdDir?: string;
  /** Where PKI, etcd data and logs go; stop() leaves it. Default: a new temporary directory, removed by stop(). */
  dataDir?: string;
  /** Default true. Without it nothing garbage-collects and deleted namespaces stay Terminating. */
  startControllerManager?: boolean;
  /** Default: what hack/build-control-plane.sh prints (it builds when nothing is cached). */
  binDir?: string;
}

export interface ControlPlane {
  /** Admin kubeconfig (client certificate in system:masters). */
  kubeconfigPath: string;
  /** https://127.0.0.1:PORT */
  server: string;
  etcdUrl: string;
  kubeConfig(): KubeConfig;
  /** Path of a kubeconfig for a non-admin client-certificate identity (CN=user, O=groups). */
  issueKubeconfig(user: string, groups?: string[]): Promise<string>;
  installCrds(dir?: string): Promise<void>;
  /** Kills kube-apiserver and starts it again on the same port over the same etcd data. */
  restartApiServer(): Promise<void>;
  /** Stops everything started and removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_CRD_DIR = resolve(repoRoot, "crds");

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir = options.binDir ?? (await controlPlaneBinDir());
  const dir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "control-plane-")));
  let plane: LocalControlPlane | undefined;
  try {
    plane = new LocalControlPlane(await prepareLayout(dir, binDir), options.dataDir === undefined);
    await plane.start(options.crdDir ?? DEFAULT_CRD_DIR, options.startControllerManager ?? true);
    return plane;
  } catch (error) {
    // Keep the directory: its logs say why.
    await plane?.stopProcesses();
    throw new Error(`control plane failed to start (logs in ${join(dir, "logs")}): ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function prepareLayout(dir: string, binDir: string): Promise<Layout> {
  await mkdir(join(dir, "logs"), { recursive: true });
  const [ports, pki] = await Promise.all([freeLoopbackPorts(4), createPki(join(dir, PKI_DIR))]);
  const [etcdClient, etcdPeer, apiServer, controllerManager] = ports as [number, number, number, number];
  return {
    dir,
    binDir,
    pki,
    ports: { etcdClient, etcdPeer, apiServer, controllerManager },
    kubeconfigPath: join(dir, ADMIN_KUBECONFIG_FILE),
  };
}

class LocalControlPlane implements ControlPlane {
  readonly kubeconfigPath: string;
  readonly server: string;
  readonly etcdUrl: string;
  private etcd: ManagedProcess | undefined;
  private apiServer: ManagedProcess | undefined;
  private controllerManager: ManagedProcess | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly layout: Layout,
    private readonly ownsDir: boolean,
  ) {
    this.kubeconfigPath = layout.kubeconfigPath;
    this.server = `https://127.0.0.1:${layout.ports.apiServer}`;
    this.etcdUrl = `http://127.0.0.1:${layout.ports.etcdClient}`;
  }

  async start(crdDir: string, withControllerManager: boolean): Promise<void> {
    await writeKubeconfig(this.kubeconfigPath, {
      server: this.server,
      caCertFile: this.layout.pki.ca.certFile,
      client: this.layout.pki.admin,
      userName: "admin",
    });
    this.etcd = await this.spawn("etcd", etcdArgs(this.layout));
    await waitForEtcd(this.etcdUrl, this.etcd);
    await this.startApiServer();
    // The garbage collector discovers resource types only every 30 s: CRDs go in first.
    await this.installCrds(crdDir);
    if (withControllerManager) {
      this.controllerManager = await this.spawn("kube-controller-manager", controllerManagerArgs(this.layout));
      await waitForControllerManager(this.layout, this.controllerManager);
    }
  }

  kubeConfig(): KubeConfig {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(this.kubeconfigPath);
    return kubeConfig;
  }

  issueKubeconfig(user: string, groups: string[] = []): Promise<string> {
    return issueKubeconfig(this.kubeconfigPath, user, groups);
  }

  installCrds(dir: string = DEFAULT_CRD_DIR): Promise<void> {
    return applyManifestDirectory(this.kubeConfig(), dir);
  }

  async restartApiServer(): Promise<void> {
    await this.apiServer?.stop();
    await this.startApiServer();
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopProcesses().then(() =>
      this.ownsDir ? rm(this.layout.dir, { recursive: true, force: true }) : undefined,
    );
    return this.stopping;
  }

  async stopProcesses(): Promise<void> {
    // etcd last: kube-apiserver's graceful shutdown stalls without it.
    await Promise.all([this.controllerManager?.stop(), this.apiServer?.stop()]);
    await this.etcd?.stop();
  }

  private async startApiServer(): Promise<void> {
    this.apiServer = await this.spawn("kube-apiserver", apiServerArgs(this.layout, this.etcdUrl));
    await waitForApiServer(this.layout, this.apiServer);
  }

  private spawn(program: string, args: string[]): Promise<ManagedProcess> {
    return spawnLogged(program, join(this.layout.binDir, program), args, {
      logFile: join(this.layout.dir, "logs", `${program}.log`),
      cwd: this.layout.dir,
    });
  }
}
