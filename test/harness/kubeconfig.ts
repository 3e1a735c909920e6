import { readFile, writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import type { KeyPair } from "./pki.js";

export interface KubeconfigSpec {
  server: string;
  caCertFile: string;
  client: KeyPair;
  userName: string;
}

/** Writes a self-contained kubeconfig (certificates embedded), readable by its owner only. */
export async function writeKubeconfig(path: string, spec: KubeconfigSpec): Promise<void> {
  const [ca, cert, key] = await Promise.all(
    [spec.caCertFile, spec.client.certFile, spec.client.keyFile].map(base64OfFile),
  );
  const context = "control-plane";
  const document = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: context, cluster: { server: spec.server, "certificate-authority-data": ca } }],
    users: [{ name: spec.userName, user: { "client-certificate-data": cert, "client-key-data": key } }],
    contexts: [{ name: context, context: { cluster: context, user: spec.userName, namespace: "default" } }],
    "current-context": context,
    preferences: {},
  };
  await writeFile(path, stringify(document), { mode: 0o600 });
}

async function base64OfFile(file: string): Promise<string> {
  return (await readFile(file)).toString("base64");
}
