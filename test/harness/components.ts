// Command lines and readiness checks of the three control-plane programs
// (envtest's defaults; see /work/shared/docs/real-control-plane.md).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Pki } from "./pki.js";
import { waitForHttpReady, type HttpTarget, type ManagedProcess } from "./processes.js";

export interface Layout {
  dir: string;
  binDir: string;
  pki: Pki;
  ports: { etcdClient: number; etcdPeer: number; apiServer: number; controllerManager: number };
  kubeconfigPath: string;
}

// Two shared cores: a cold kube-apiserver start with its post-start hooks can take a while.
const ETCD_TIMEOUT_MS = 30_000;
const API_SERVER_TIMEOUT_MS = 90_000;
const CONTROLLER_MANAGER_TIMEOUT_MS = 60_000;

export function etcdArgs(layout: Layout): string[] {
  const client = `http://127.0.0.1:${layout.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${layout.ports.etcdPeer}`;
  return [
    "--name=control-plane",
    `--data-dir=${join(layout.dir, "etcd")}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=control-plane=${peer}`,
    // Throwaway data: durability only costs time.
    "--unsafe-no-fsync",
  ];
}

export function apiServerArgs(layout: Layout, etcdUrl: string): string[] {
  const { pki } = layout;
  return [
    `--etcd-servers=${etcdUrl}`,
    "--bind-address=127.0.0.1",
    // Without it a machine with no default route fails: "Unable to find suitable network address".
    "--advertise-address=127.0.0.1",
    // 1.37 refuses a loopback address for the kubernetes Service's endpoints; nothing runs in-cluster here.
    "--endpoint-reconciler-type=none",
    `--secure-port=${layout.ports.apiServer}`,
    `--cert-dir=${join(layout.dir, "apiserver-certs")}`,
    `--tls-cert-file=${pki.apiServer.certFile}`,
    `--tls-private-key-file=${pki.apiServer.keyFile}`,
    `--client-ca-file=${pki.ca.certFile}`,
    "--authorization-mode=RBAC",
    `--service-account-issuer=https://127.0.0.1:${layout.ports.apiServer}`,
    `--service-account-key-file=${pki.serviceAccountPublicKeyFile}`,
    `--service-account-signing-key-file=${pki.serviceAccountKeyFile}`,
    "--service-cluster-ip-range=10.0.0.0/24",
    "--allow-privileged=true",
    "--disable-admission-plugins=ServiceAccount",
  ];
}

export function controllerManagerArgs(layout: Layout): string[] {
  return [
    `--kubeconfig=${layout.kubeconfigPath}`,
    "--leader-elect=false",
    "--controllers=garbage-collector-controller,namespace-controller",
    "--use-service-account-credentials=false",
    "--bind-address=127.0.0.1",
    `--secure-port=${layout.ports.controllerManager}`,
    `--cert-dir=${join(layout.dir, "controller-manager-certs")}`,
  ];
}

const etcdHealth = z.object({ health: z.string() });

export function waitForEtcd(etcdUrl: string, etcd: ManagedProcess): Promise<void> {
  return waitForHttpReady(
    { url: `${etcdUrl}/health` },
    {
      timeoutMs: ETCD_TIMEOUT_MS,
      process: etcd,
      isReady: ({ status, body }) => status === 200 && etcdHealth.safeParse(safeJson(body)).data?.health === "true",
    },
  );
}

/** Ready means /readyz says ok and the bootstrap controller has made the default namespace. */
export async function waitForApiServer(layout: Layout, apiServer: ManagedProcess): Promise<void> {
  const deadline = Date.now() + API_SERVER_TIMEOUT_MS;
  const ready = { timeoutMs: API_SERVER_TIMEOUT_MS, process: apiServer };
  await waitForHttpReady(adminTarget(layout, "/readyz"), {
    ...ready,
    isReady: ({ status, body }) => status === 200 && body.trim() === "ok",
  });
  await waitForHttpReady(adminTarget(layout, "/api/v1/namespaces/default"), {
    ...ready,
    timeoutMs: Math.max(deadline - Date.now(), 1_000),
  });
}

export function waitForControllerManager(layout: Layout, controllerManager: ManagedProcess): Promise<void> {
  // Its health port serves a certificate it signed itself; the port is on loopback.
  const target = {
    url: `https://127.0.0.1:${layout.ports.controllerManager}/healthz`,
    tls: { rejectUnauthorized: false },
  };
  return waitForHttpReady(target, { timeoutMs: CONTROLLER_MANAGER_TIMEOUT_MS, process: controllerManager });
}

function adminTarget(layout: Layout, path: string): HttpTarget {
  const { pki } = layout;
  return {
    url: `https://127.0.0.1:${layout.ports.apiServer}${path}`,
    tls: {
      ca: readFileSync(pki.ca.certFile),
      cert: readFileSync(pki.admin.certFile),
      key: readFileSync(pki.admin.keyFile),
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
