// `npm run demo [-- --unleash=emulator|real] [--once]`: the operator at work on this machine.
// It starts Kubernetes, an Unleash and the operator, applies examples/, and shows what came of
// it in Unleash and in the Secret, with proof that the token works as the account. Then it keeps
// running until Ctrl-C, or with --once stops everything it started and exits.
import { join } from "node:path";
import { controlPlaneBinDir } from "../harness/binaries.js";
import { kubernetesVersion } from "../harness/repo.js";
import { kubectl } from "../integration/support/kubectl.js";
import { parseBackendKind, type UnleashBackendKind } from "../env/unleash-backend.js";
import { buildOperatorIfStale } from "./build.js";
import { Running, startClusterAndUnleash, startDemoOperator } from "./environment.js";
import { EXAMPLES_NAMESPACE, examplesFor } from "./examples.js";
import { detail, dim, proven, seconds, step, title } from "./output.js";
import { issuedTokens } from "./resources.js";
import { showAccount, showSecret, showTokenAtWork } from "./show.js";

const STEPS = 6;
const READY_TIMEOUT = "120s";
// Fully qualified: plain "serviceaccounts" are Kubernetes' own.
const KINDS = ["unleashconnections", "serviceaccounts", "serviceaccounttokens"].map((kind) => `${kind}.accounts.unleash.dev`).join(",");

const running = new Running();

async function demo(backend: UnleashBackendKind): Promise<{ kubeconfigPath: string; kubectlPath: string; unleashUrl: string }> {
  title(`Unleash accounts operator: demo on ${backend === "real" ? "a real open-source Unleash server" : "the Unleash emulator"}`);

  step(1, STEPS, "Building the operator and finding the Kubernetes binaries");
  let since = Date.now();
  detail((await buildOperatorIfStale()) ? `dist/ compiled in ${seconds(since)}` : "dist/ is up to date");
  const binDir = await controlPlaneBinDir();
  detail(`Kubernetes ${kubernetesVersion()} binaries in ${binDir}`);

  step(2, STEPS, "Starting Kubernetes (etcd, kube-apiserver, kube-controller-manager) and Unleash");
  since = Date.now();
  const { controlPlane, unleash } = await startClusterAndUnleash(running, binDir, backend);
  detail(`Kubernetes API: ${controlPlane.server}`);
  detail(`Unleash:        ${unleash.url} (${backend === "real" ? "unleash-server on PostgreSQL" : "emulator"})`);
  detail(dim(`both up in ${seconds(since)}`));
  const kube = (args: readonly string[], stdin?: string) => kubectl(controlPlane.kubeconfigPath, args, stdin);

  step(3, STEPS, `Starting the operator (watching namespace ${EXAMPLES_NAMESPACE})`);
  const operator = await startDemoOperator(running, controlPlane.kubeconfigPath, EXAMPLES_NAMESPACE);
  detail(`pid ${operator.process.pid}, log ${operator.logFile}`);

  step(4, STEPS, "Applying examples/ and waiting for Ready");
  since = Date.now();
  detail(await kube(["apply", "-f", "-"], await examplesFor(unleash)));
  await kube(["wait", "-n", EXAMPLES_NAMESPACE, "--for=condition=Ready", `--timeout=${READY_TIMEOUT}`, KINDS, "--all"]);
  proven(`everything Ready in ${seconds(since)}:`);
  detail(await kube(["get", "-n", EXAMPLES_NAMESPACE, KINDS]));

  step(5, STEPS, "What the operator created");
  const issued = await issuedTokens(controlPlane.kubeconfigPath, EXAMPLES_NAMESPACE);
  for (const token of issued) {
    await showAccount(unleash, token);
    showSecret(token);
  }

  step(6, STEPS, "The Secret's token at work, as a workload that mounts it would use it");
  for (const token of issued) await showTokenAtWork(unleash, token);
  return { kubeconfigPath: controlPlane.kubeconfigPath, kubectlPath: join(binDir, "kubectl"), unleashUrl: unleash.url };
}

function printHowToLookAround(environment: { kubeconfigPath: string; kubectlPath: string; unleashUrl: string }): void {
  console.log(`
Everything keeps running. From another shell:
  export KUBECONFIG=${environment.kubeconfigPath}
  ${environment.kubectlPath} get usa,usat,uc -n ${EXAMPLES_NAMESPACE}
  ${environment.kubectlPath} describe usat -n ${EXAMPLES_NAMESPACE}
Unleash is at ${environment.unleashUrl}; its admin token is in Secret ${EXAMPLES_NAMESPACE}/unleash-admin-token.
Press Ctrl-C to stop everything.`);
}

function untilStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    // `on`, not `once`: a listener must stay, or the process harness re-raises the signal and
    // ends this process before everything is stopped.
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => resolve());
  });
}

async function stopAndExit(code: number): Promise<never> {
  console.log(`\n${dim("Stopping everything the demo started...")}`);
  const since = Date.now();
  await running.stop();
  console.log(`Stopped in ${seconds(since)}.`);
  process.exit(code);
}

async function main(): Promise<void> {
  const once = process.argv.includes("--once");
  let demonstrated = false;
  const stopSignal = untilStopSignal();
  // Ctrl-C also while starting: it stops what was started so far.
  void stopSignal.then(() => stopAndExit(demonstrated ? 0 : 130));
  const environment = await demo(parseBackendKind(process.argv));
  demonstrated = true;
  if (once) await stopAndExit(0);
  printHowToLookAround(environment);
  await stopSignal;
}

main().catch(async (error: unknown) => {
  console.error(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopAndExit(1);
});
