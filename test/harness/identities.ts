// Non-admin identities for real RBAC tests. Works with any control plane this harness
// started (the shared one of the integration run, env:up's, a private one) given only its
// admin kubeconfig, because the CA sits next to it.
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { writeKubeconfig } from "./kubeconfig.js";
import { issueClientCertificate, type KeyPair } from "./pki.js";

export const ADMIN_KUBECONFIG_FILE = "admin.kubeconfig";
export const PKI_DIR = "pki";

/** Path of a new kubeconfig for the client-certificate identity CN=user, O=groups. */
export async function issueKubeconfig(adminKubeconfigPath: string, user: string, groups: readonly string[] = []): Promise<string> {
  const dir = dirname(adminKubeconfigPath);
  const usersDir = join(dir, "users");
  await mkdir(usersDir, { recursive: true, mode: 0o700 });
  // Unique across test workers issuing at the same time.
  const name = `${user.replace(/[^A-Za-z0-9-]/g, "_")}-${randomBytes(4).toString("hex")}`;
  const client = await issueClientCertificate(caOf(dir), join(usersDir, name), user, groups);
  const path = join(usersDir, `${name}.kubeconfig`);
  await writeKubeconfig(path, { server: serverOf(adminKubeconfigPath), caCertFile: caOf(dir).certFile, client, userName: user });
  return path;
}

function caOf(controlPlaneDir: string): KeyPair {
  return { certFile: join(controlPlaneDir, PKI_DIR, "ca.crt"), keyFile: join(controlPlaneDir, PKI_DIR, "ca.key") };
}

function serverOf(kubeconfigPath: string): string {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const server = kubeConfig.getCurrentCluster()?.server;
  if (server === undefined) throw new Error(`${kubeconfigPath} names no current cluster`);
  return server;
}
