import { readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";

export interface KubeEndpoint {
  server: string;
  ca: string;
  cert: string;
  key: string;
}

/** Server, CA and client certificate of a kubeconfig's current context (embedded data or files). */
export function endpointOf(kubeconfigPath: string): KubeEndpoint {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  if (!cluster || !user) throw new Error(`${kubeconfigPath} has no current cluster or user`);
  const pem = (data: string | undefined, file: string | undefined, what: string): string => {
    if (data) return Buffer.from(data, "base64").toString("utf8");
    if (file) return readFileSync(file, "utf8");
    throw new Error(`${kubeconfigPath} has no ${what}`);
  };
  return {
    server: cluster.server,
    ca: pem(cluster.caData, cluster.caFile, "certificate authority"),
    cert: pem(user.certData, user.certFile, "client certificate"),
    key: pem(user.keyData, user.keyFile, "client key"),
  };
}
