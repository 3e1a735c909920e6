// Specs that would make the operator loop against Unleash are refused by the API server itself,
// with messages that say what to change (the CRD's CEL rules and patterns, generated from src/api).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNamespace, type TestNamespace } from "../support/namespace.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";

describe("admission refuses what the operator could not honour", () => {
  let space: TestNamespace;
  beforeAll(async () => {
    space = await createTestNamespace("admission");
  });
  afterAll(() => space.deleteNamespace());

  const refused = async (yaml: string): Promise<string> => {
    const error = await space.apply(yaml).then(
      () => undefined,
      (err: unknown) => String(err),
    );
    expect(error, "the API server accepted the spec").toBeDefined();
    return error ?? "";
  };
  const refusal = (spec: string) => refused(tokenYaml("t", "app", spec));

  it("the same Secret key for the token and the URL", async () => {
    expect(await refusal("secret: { keys: { token: K, url: K } }")).toContain("the key names in secret.keys (token, url) must all differ");
    // The defaults take part: the token under the URL's default key.
    expect(await refusal("secret: { keys: { token: UNLEASH_URL } }")).toContain("must all differ");
  });

  it("a grace period that outlasts the time between rotations", async () => {
    const message = await refusal("lifetime: 2m\nrenewBefore: 110s\nrotationGracePeriod: 1h");
    expect(message).toContain("rotationGracePeriod must end before the next rotation");
    expect(message).toContain("lifetime - renewBefore (the time between two rotations) must be at least 1m");
    // renewBefore defaulted to a third of the lifetime: 10m of grace on a 2m lifetime.
    expect(await refusal("lifetime: 2m")).toContain("rotationGracePeriod must end before the next rotation");
  });

  it("a Secret type whose required keys the operator does not write", async () => {
    expect(await refusal("secret: { type: kubernetes.io/tls }")).toContain("secret.type must be Opaque or a type of your own");
  });

  it("Secret labels and annotations the API server would refuse on the Secret", async () => {
    expect(await refusal('secret: { labels: { team: "a b" } }')).toMatch(/labels.team.*should match/);
    expect(await refusal('secret: { labels: { "bad key": "a" } }')).toContain("keys must be qualified names");
    expect(await refusal('secret: { annotations: { "a/b/c": "v" } }')).toContain("keys must be qualified names");
  });

  it("a connection URL that carries credentials", async () => {
    const error = await space
      .apply(`apiVersion: accounts.unleash.dev/v1alpha1
kind: UnleashConnection
metadata: { name: with-password }
spec: { url: "https://admin:secret@unleash.example.com", adminTokenSecretRef: { name: admin } }`)
      .then(
        () => "",
        (err: unknown) => String(err),
      );
    expect(error).toContain("url must not carry credentials");
  });

  it("a lifetime under the minimum, and a renewBefore not shorter than the lifetime", async () => {
    expect(await refusal("lifetime: 90s")).toContain("lifetime must be at least 2m");
    expect(await refusal("lifetime: 1h\nrenewBefore: 1h")).toContain("renewBefore must be smaller than lifetime");
  });

  it("a change of what must not change: a token's account, an account's connection and username", async () => {
    await space.apply(documents(tokenYaml("fixed", "app"), serviceAccountYaml("fixed-account", "rootRole: Viewer\nusername: first")));
    expect(await refused(tokenYaml("fixed", "other"))).toContain("serviceAccountRef is immutable");
    expect(await refused(serviceAccountYaml("fixed-account", "rootRole: Viewer\nusername: second"))).toContain("username is immutable");
    expect(await refused(serviceAccountYaml("fixed-account", "rootRole: Viewer\nusername: first", "another"))).toContain("connectionRef is immutable");
  });

  it("a project listed twice, or a role repeated in a project", async () => {
    const projects = (list: string) => serviceAccountYaml("projects", `rootRole: Viewer\nprojects: ${list}`);
    expect(await refused(projects("[{project: default, roles: [Member]}, {project: default, roles: [Owner]}]"))).toMatch(/Duplicate value.*default/);
    expect(await refused(projects("[{project: default, roles: [Member, Member]}]"))).toMatch(/Duplicate value.*Member/);
    expect(await refused(projects("[{project: 'no spaces', roles: [Member]}]"))).toContain("should match");
  });

  it("accepts the same fields when they fit together", async () => {
    await space.apply(
      tokenYaml("fits", "app", "lifetime: 2m\nrenewBefore: 1m\nrotationGracePeriod: 30s\nsecret: { type: example.com/token, keys: { token: T, url: U }, labels: { team: a-b } }"),
    );
    expect((await space.get("ServiceAccountToken", "fits"))?.spec).toMatchObject({ rotationGracePeriod: "30s" });
  });
});
