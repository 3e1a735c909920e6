import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderCrdFiles } from "../../../hack/crd-files.js";
import { customResourceDefinition, kindNames } from "../../../src/api/v1alpha1/crds.js";
import type { KindName } from "../../../src/api/v1alpha1/resources.js";

const CRD_DIR = join(import.meta.dirname, "..", "..", "..", "crds");

type Schema = { [key: string]: unknown };

interface CrdVersion {
  name: string;
  subresources?: Schema;
  additionalPrinterColumns: Array<{ name: string; type: string; jsonPath: string; description: string; priority?: number }>;
  schema: { openAPIV3Schema: Schema };
}

interface Crd {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    versions: CrdVersion[];
  };
}

const crdOf = (kind: KindName) => customResourceDefinition(kind) as unknown as Crd;
const versionOf = (kind: KindName): CrdVersion => {
  const version = crdOf(kind).spec.versions[0];
  if (!version) throw new Error(`${kind} has no version`);
  return version;
};
const rootSchema = (kind: KindName) => versionOf(kind).schema.openAPIV3Schema;
const propertiesOf = (node: Schema) => (node.properties ?? {}) as Record<string, Schema>;
const childOf = (node: Schema, name: string): Schema => {
  const child = propertiesOf(node)[name];
  if (!child) throw new Error(`no property ${name}`);
  return child;
};

/** Every schema node below `node`, with a JSONPath-like location. */
function* walk(node: Schema, path: string): Generator<[string, Schema]> {
  yield [path, node];
  for (const [name, child] of Object.entries(propertiesOf(node))) yield* walk(child, `${path}.${name}`);
  if (node.items && typeof node.items === "object") yield* walk(node.items as Schema, `${path}[]`);
  if (node.additionalProperties && typeof node.additionalProperties === "object") {
    yield* walk(node.additionalProperties as Schema, `${path}{}`);
  }
}

/** Every named property (not array items or map values) below `node`. */
function* namedProperties(node: Schema, path: string): Generator<[string, Schema]> {
  for (const [location, schema] of walk(node, path)) {
    if (location !== path && !location.endsWith("[]") && !location.endsWith("{}")) yield [location, schema];
  }
}

describe("committed CRDs", () => {
  it("equal what the zod schemas generate (one source of truth)", () => {
    for (const [file, text] of renderCrdFiles()) {
      const committed = readFileSync(join(CRD_DIR, file), "utf8");
      expect(committed, `crds/${file} is out of date: run npm run generate`).toBe(text);
    }
  });

  it("are exactly the generated files, with no stale leftovers", () => {
    const committed = readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml")).sort();
    const generated = renderCrdFiles().map(([file]) => file).sort();
    expect(committed, "crds/ holds files the generator does not write: run npm run generate and delete the rest").toEqual(generated);
  });
});

describe.each(kindNames)("CRD %s", (kind) => {
  it("documents every property for kubectl explain", () => {
    const root = rootSchema(kind);
    const undocumented = [...namedProperties(childOf(root, "spec"), ".spec"), ...namedProperties(childOf(root, "status"), ".status")]
      .filter(([, schema]) => typeof schema.description !== "string" || schema.description.trim() === "")
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
    for (const name of ["spec", "status", "apiVersion", "kind"]) {
      expect(childOf(root, name).description, `${name} needs a description`).toMatch(/\S/);
    }
    expect(root.description).toMatch(/\S/);
    // metadata is left bare on purpose: the API server publishes ObjectMeta's own documentation for it.
  });

  it("bounds every string, array and map a user can write in spec (hostile input)", () => {
    const unbounded = [...walk(childOf(rootSchema(kind), "spec"), ".spec")].flatMap(([path, schema]) => {
      if (schema.type === "string" && schema.maxLength === undefined && schema.enum === undefined) return [`${path}: string without maxLength`];
      if (schema.type === "array" && schema.maxItems === undefined) return [`${path}: array without maxItems`];
      if (schema.additionalProperties !== undefined && schema.maxProperties === undefined) return [`${path}: map without maxProperties`];
      return [];
    });
    expect(unbounded).toEqual([]);
  });

  it("is structural: every schema node has a type, so the API server accepts and prunes it", () => {
    const untyped = [...walk(rootSchema(kind), "")].filter(([, schema]) => typeof schema.type !== "string").map(([path]) => path || "<root>");
    expect(untyped).toEqual([]);
  });

  it("serves v1alpha1 with a status subresource, the unleash category and its short name", () => {
    const crd = crdOf(kind);
    const expectedShortName = { ClusterUnleashConnection: "cuc", UnleashConnection: "uc", ServiceAccount: "usa", ServiceAccountToken: "usat" }[kind];
    expect(crd.spec.group).toBe("accounts.unleash.dev");
    expect(crd.spec.names.shortNames).toEqual([expectedShortName]);
    expect(crd.spec.names.categories).toContain("unleash");
    expect(crd.spec.scope).toBe(kind === "ClusterUnleashConnection" ? "Cluster" : "Namespaced");
    expect(versionOf(kind).name).toBe("v1alpha1");
    expect(versionOf(kind).subresources).toEqual({ status: {} });
  });

  it("has printer columns for Ready, Reason and Age, each pointing at a field the schema has", () => {
    const columns = versionOf(kind).additionalPrinterColumns;
    const names = columns.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["Ready", "Reason", "Age"]));
    expect(new Set(names).size).toBe(names.length);
    for (const column of columns) {
      expect(column.description, `column ${column.name}`).toMatch(/\S/);
      if (column.jsonPath.startsWith(".metadata.") || column.jsonPath.startsWith(".status.conditions[")) continue;
      const segments = column.jsonPath.split(".").slice(1);
      let node = rootSchema(kind);
      for (const segment of segments) node = childOf(node, segment);
      const expectedType = column.type === "integer" ? "integer" : "string";
      expect(node.type, `column ${column.name} (${column.jsonPath})`).toBe(expectedType);
    }
  });
});

describe("what kubectl get shows", () => {
  it("tokens show account, Secret, expiry and renewal time; accounts show username and role", () => {
    expect(versionOf("ServiceAccountToken").additionalPrinterColumns.map((c) => c.name)).toEqual(
      expect.arrayContaining(["Account", "Secret", "Expires", "Renews"]),
    );
    expect(versionOf("ServiceAccount").additionalPrinterColumns.map((c) => c.name)).toEqual(expect.arrayContaining(["Username", "Role"]));
  });

  it("only the namespaced connection's secret refs lack a namespace field", () => {
    const secretRef = (kind: KindName) => childOf(childOf(rootSchema(kind), "spec"), "adminTokenSecretRef");
    expect(propertiesOf(secretRef("ClusterUnleashConnection"))).toHaveProperty("namespace");
    expect(propertiesOf(secretRef("UnleashConnection"))).not.toHaveProperty("namespace");
  });

  it("declares immutability of username, connectionRef and serviceAccountRef as CEL rules", () => {
    const rules = (node: Schema) => ((node["x-kubernetes-validations"] ?? []) as Array<{ rule: string }>).map((r) => r.rule).join(" ");
    const accountSpec = childOf(rootSchema("ServiceAccount"), "spec");
    expect(rules(accountSpec)).toContain("oldSelf.username");
    expect(rules(childOf(accountSpec, "connectionRef"))).toContain("self == oldSelf");
    expect(rules(childOf(childOf(rootSchema("ServiceAccountToken"), "spec"), "serviceAccountRef"))).toContain("self == oldSelf");
  });
});
