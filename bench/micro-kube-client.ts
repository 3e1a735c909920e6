// `npx tsx bench/micro-kube-client.ts [--calls N]`: what one Kubernetes API call costs the
// client, three ways, against a private control plane:
//   client-node   CoreV1Api as the operator uses it (client-node 2.0.1 builds a new undici Agent,
//                 so a new TLS connection, for every request)
//   pooled        the same CoreV1Api with one dispatcher reused (a KubeConfig subclass)
//   raw undici    one keep-alive Agent, no generated client (bench/lib/kube-http.ts)
// Reports wall time and this process's CPU per call, sequential and 10 in parallel, and the
// TLS connections each way opened (through the write counter).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { CoreV1Api, KubeConfig, type RequestContext } from "@kubernetes/client-node";
import type { Dispatcher } from "undici";
import { startControlPlane } from "../test/harness/control-plane.js";
import { PKI_DIR } from "../test/harness/identities.js";
import { spawnKubeWriteCounter } from "../test/harness/kube-write-counter.js";
import { forEachConcurrently, KubeHttp } from "./lib/kube-http.js";
import { runWithCleanup } from "./lib/lifecycle.js";

/** The proposed fix: client-node applies credentials per request, but one dispatcher serves them all. */
class PooledKubeConfig extends KubeConfig {
  #dispatcher: Dispatcher | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    this.#dispatcher ??= fresh;
    context.setDispatcher(this.#dispatcher);
  }
}

type Call = () => Promise<unknown>;

async function measure(label: string, call: Call, calls: number, parallel: number): Promise<string> {
  await call(); // connection and JIT warm-up
  const cpu = process.cpuUsage();
  const started = performance.now();
  await forEachConcurrently(Array.from({ length: calls }), parallel, async () => void (await call()));
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return `${label.padEnd(14)} x${parallel}: ${(wall / calls).toFixed(2)} ms wall/call, ${((used.user + used.system) / 1000 / calls).toFixed(2)} ms CPU/call`;
}

await runWithCleanup("micro-kube-client", async (cleanup) => {
  const { values } = parseArgs({ options: { calls: { type: "string" } }, strict: true });
  const calls = Number(values.calls ?? 300);
  const dir = await mkdtemp(join(tmpdir(), "micro-"));
  cleanup.add("work dir", () => rm(dir, { recursive: true, force: true }));
  const controlPlane = await startControlPlane({ startControllerManager: false });
  cleanup.add("control plane", () => controlPlane.stop());
  const pki = join(dirname(controlPlane.kubeconfigPath), PKI_DIR);
  const counter = await spawnKubeWriteCounter({
    upstreamKubeconfig: controlPlane.kubeconfigPath,
    tlsCertFile: join(pki, "apiserver.crt"),
    tlsKeyFile: join(pki, "apiserver.key"),
    dir,
    name: "micro-counter",
  });
  cleanup.add("write counter", () => counter.stop());
  const plain = new KubeConfig();
  plain.loadFromFile(counter.kubeconfigPath);
  const pooled = new PooledKubeConfig();
  pooled.loadFromFile(counter.kubeconfigPath);
  const raw = KubeHttp.fromKubeconfig(counter.kubeconfigPath);
  cleanup.add("raw client", () => raw.close());
  const ways: Array<[string, Call]> = [
    ["client-node", () => plain.makeApiClient(CoreV1Api).readNamespace({ name: "default" })],
    ["pooled", () => pooled.makeApiClient(CoreV1Api).readNamespace({ name: "default" })],
    ["raw undici", () => raw.expect("GET", "/api/v1/namespaces/default")],
  ];
  for (const [label, call] of ways) {
    await counter.reset();
    for (const parallel of [1, 10]) process.stdout.write(`${await measure(label, call, calls, parallel)}\n`);
    process.stdout.write(`${"".padEnd(14)}      TLS connections opened: ${(await counter.counts()).connections} for ${2 * (calls + 1)} calls\n`);
  }
});
