import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServingPki } from "../../harness/pki.js";
import { startEmulator, type RunningEmulator } from "../../unleash-emulator/index.js";
import { documents, serviceAccountYaml } from "../support/resources.js";
import { createWorld, type World } from "../support/world.js";

describe("an Unleash served over HTTPS with a private CA", () => {
  let world: World;
  let https: RunningEmulator;
  let caPem: string;

  beforeAll(async () => {
    const pki = await createServingPki(await mkdtemp(join(tmpdir(), "unleash-tls-")));
    caPem = readFileSync(pki.ca.certFile, "utf8");
    https = await startEmulator({ tls: { cert: readFileSync(pki.server.certFile, "utf8"), key: readFileSync(pki.server.keyFile, "utf8") } });
    world = await createWorld("tls");
    const connection = (name: string, ca: string) => `apiVersion: accounts.unleash.dev/v1alpha1
kind: UnleashConnection
metadata: { name: ${name} }
spec:
  url: ${https.url}
  adminTokenSecretRef: { name: admin }
${ca}`;
    await world.apply(
      documents(
        `apiVersion: v1
kind: Secret
metadata: { name: admin }
stringData: { token: "${https.adminToken}", ca.crt: ${JSON.stringify(caPem)} }`,
        connection("trusted", "  caSecretRef: { name: admin }"),
        connection("default-trust", ""),
      ),
    );
  });
  afterAll(async () => {
    await world.close();
    await https.stop();
  });

  it("works when the connection trusts the CA", async () => {
    expect(https.url).toMatch(/^https:/);
    await world.waitForCondition("UnleashConnection", "trusted", "Ready", "True");
    await world.apply(serviceAccountYaml("over-tls", "rootRole: Viewer", "trusted"));
    await world.waitForCondition("ServiceAccount", "over-tls", "Ready", "True");
  });

  it("verifies certificates by default, and says so", async () => {
    const stalled = await world.waitForCondition("UnleashConnection", "default-trust", "Stalled", "True");
    const ready = stalled.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready?.reason).toBe("CertificateInvalid");
    expect(ready?.message).toMatch(/certificate/i);
  });
});
