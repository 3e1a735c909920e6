// What a platform engineer sees with plain kubectl: `get` answers "working? which account,
// which role, when does the token expire, why not" without -o yaml, and `explain`
// documents every field.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { GROUP, VERSION } from "../../../src/api/v1alpha1/common.js";
import { repoRoot } from "../../harness/repo.js";
import { connectionYaml, createWorld, type World } from "../support/world.js";
import { clusterConnectionYaml, deleteClusterConnection } from "../support/cluster-connection.js";
import { waitForLive } from "../gitops/support/scenarios.js";

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}
const schemaNode: z.ZodType<SchemaNode> = z.lazy(() =>
  z.looseObject({ description: z.string().optional(), properties: z.record(z.string(), schemaNode).optional(), items: schemaNode.optional() }),
);
const crd = z.object({ spec: z.object({ versions: z.array(z.object({ name: z.string(), schema: z.object({ openAPIV3Schema: schemaNode }) })) }) });

/** Every field under a schema node, as dotted paths (kubectl explain shows array items in place), with its description. */
function fieldsOf(node: SchemaNode, prefix = ""): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const path = `${prefix}${name}`;
    fields.set(path, child.description ?? "");
    for (const [nested, description] of fieldsOf(child.items ?? child, `${path}.`)) fields.set(nested, description);
  }
  return fields;
}

/** The dotted paths in `kubectl explain --recursive` output, from its FIELDS: section's indentation. */
function explainedPaths(output: string): Set<string> {
  const paths = new Set<string>();
  const stack: string[] = [];
  const body = output.slice(output.indexOf("FIELDS:"));
  for (const match of body.matchAll(/^( +)(\S+)\t</gm)) {
    const depth = (match[1] ?? "").length / 2 - 1;
    stack.length = depth;
    stack.push(match[2] ?? "");
    paths.add(stack.join("."));
  }
  return paths;
}

/** `kubectl get` tables (one per kind) as rows keyed by header, sliced at the header's column starts. */
function tables(output: string): Array<Array<Record<string, string>>> {
  return output
    .trim()
    .split(/\n\s*\n/)
    .map((block) => {
      const [header = "", ...lines] = block.split("\n");
      const starts = [...header.matchAll(/\S+( \S+)*/g)].map((m) => ({ name: m[0], at: m.index }));
      return lines.map((line) =>
        Object.fromEntries(starts.map((column, i) => [column.name, line.slice(column.at, starts[i + 1]?.at ?? line.length).trim()])),
      );
    });
}

const tokenCrdPath = resolve(repoRoot, "crds", `${GROUP}_serviceaccounttokens.yaml`);

describe("kubectl experience", () => {
  let world: World;
  const clusterConnection = `kubectl-${Date.now().toString(36)}`;

  beforeAll(async () => {
    world = await createWorld("kubectl");
    await world.apply(
      `${connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken)}
---
apiVersion: ${GROUP}/${VERSION}
kind: ServiceAccount
metadata: { name: checkout }
spec:
  connectionRef: { kind: UnleashConnection, name: unleash }
  rootRole: Editor
---
apiVersion: ${GROUP}/${VERSION}
kind: ServiceAccount
metadata: { name: typo }
spec:
  connectionRef: { kind: UnleashConnection, name: unleash }
  rootRole: Edtor
---
apiVersion: ${GROUP}/${VERSION}
kind: ServiceAccountToken
metadata: { name: checkout-token }
spec:
  serviceAccountRef: { name: checkout }
  lifetime: 720h
`,
    );
    await world.kubectl(["apply", "-f", "-"], clusterConnectionYaml(clusterConnection, world));
    await waitForLive(world, { kind: "ServiceAccountToken", name: "checkout-token" }, "Ready", "True");
    await waitForLive(world, { kind: "ServiceAccount", name: "typo" }, "Stalled", "True");
    await waitForLive(world, { kind: "ClusterUnleashConnection", name: clusterConnection }, "Ready", "True");
  });
  afterAll(async () => {
    await world?.deleteResources();
    if (world) await deleteClusterConnection(world.kubectl, clusterConnection);
    await world?.close();
  });

  it("answers working, account, role, expiry and reason in `kubectl get usa,usat,uc -A`", async () => {
    const [accounts = [], tokens = [], connections = []] = tables(await world.kubectl(["get", "usa,usat,uc", "-A"]));
    const mine = (rows: Array<Record<string, string>>, name: string) => rows.find((row) => row.NAMESPACE === world.namespace && row.NAME?.endsWith(`/${name}`));

    const { status } = await waitForLive(world, { kind: "ServiceAccount", name: "checkout" }, "Ready", "True");
    expect(mine(accounts, "checkout")).toMatchObject({ READY: "True", USERNAME: String(status?.username), ROLE: "Editor", REASON: "Ready" });
    expect(mine(accounts, "typo")).toMatchObject({ READY: "False", REASON: "RootRoleNotFound" });

    const token = await waitForLive(world, { kind: "ServiceAccountToken", name: "checkout-token" }, "Ready", "True");
    expect(mine(tokens, "checkout-token")).toMatchObject({ READY: "True", ACCOUNT: "checkout", EXPIRES: String(token.status?.expiresAt), REASON: "Ready" });
    expect(Date.parse(mine(tokens, "checkout-token")?.EXPIRES ?? "")).toBeGreaterThan(Date.now());

    expect(mine(connections, "unleash")).toMatchObject({ READY: "True", URL: world.emulator.url, REASON: "ConnectionReady" });
  });

  it("shows a cluster connection's state in `kubectl get cuc`", async () => {
    const [rows = []] = tables(await world.kubectl(["get", "cuc"]));
    expect(rows.find((row) => row.NAME === clusterConnection)).toMatchObject({ READY: "True", URL: world.emulator.url, REASON: "ConnectionReady" });
  });

  it("documents every field in `kubectl explain serviceaccounttoken.spec --recursive`", async () => {
    const version = crd.parse(parse(readFileSync(tokenCrdPath, "utf8"))).spec.versions.find((v) => v.name === VERSION);
    const fields = fieldsOf(version?.schema.openAPIV3Schema.properties?.spec ?? {});
    expect(fields.size).toBeGreaterThan(10);

    const explained = explainedPaths(await world.kubectl(["explain", "serviceaccounttoken.spec", "--recursive"]));
    expect([...explained].sort()).toEqual([...fields.keys()].sort());

    for (const [path, description] of fields) {
      expect(description, `${path} has a description`).not.toBe("");
      const shown = (await world.kubectl(["explain", `serviceaccounttoken.spec.${path}`])).replace(/\s+/g, " ");
      expect(shown, `kubectl explain serviceaccounttoken.spec.${path}`).toContain(description.replace(/\s+/g, " "));
    }
  });
});
