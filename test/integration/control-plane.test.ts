// The test world's Kubernetes is real: the pinned version, a working garbage collector and
// namespace controller, real RBAC, and nothing left running once it is stopped.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
  VersionApi,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { eventually } from "../harness/eventually.js";
import { issueKubeconfig } from "../harness/identities.js";
import { isAlive, processesMentioning } from "../harness/processes.js";
import { kubernetesVersion } from "../harness/repo.js";

const SETTLE_TIMEOUT_MS = 60_000;

function loadKubeConfig(path: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  return kubeConfig;
}

function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

async function expectGone(read: () => Promise<unknown>): Promise<void> {
  await eventually(() => expect(read()).rejects.toMatchObject({ code: 404 }), { timeoutMs: SETTLE_TIMEOUT_MS });
}

describe("the shared control plane", () => {
  const adminKubeconfig = inject("kubeconfigPath");
  const admin = loadKubeConfig(adminKubeconfig);
  const core = admin.makeApiClient(CoreV1Api);
  const namespace = uniqueName("control-plane-test");

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace });
  });

  it("serves the Kubernetes version asked for (KUBERNETES_VERSION, else the pin in hack/versions.env)", async () => {
    const version = await admin.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe(kubernetesVersion());
    expect(admin.getCurrentCluster()?.server).toBe(inject("controlPlaneServer"));
  });

  it("garbage-collects a Secret once its owner is deleted", async () => {
    const owner = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: "owner" }, data: { role: "owner" } },
    });
    const ownerReference = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata?.uid ?? "" };
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: "owned", ownerReferences: [ownerReference] }, stringData: { key: "value" } },
    });
    await expect(core.readNamespacedSecret({ name: "owned", namespace })).resolves.toBeDefined();

    await core.deleteNamespacedConfigMap({ name: "owner", namespace });

    await expectGone(() => core.readNamespacedSecret({ name: "owned", namespace }));
  });

  it("forbids a non-admin identity to list secrets until a RoleBinding grants it", async () => {
    const user = uniqueName("rbac-tester");
    const asUser = loadKubeConfig(await issueKubeconfig(adminKubeconfig, user, ["testers"])).makeApiClient(CoreV1Api);
    await expect(asUser.listNamespacedSecret({ namespace })).rejects.toMatchObject({ code: 403 });

    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: "secret-reader" },
        rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: "secret-reader" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "secret-reader" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
      },
    });

    const secrets = await eventually(() => asUser.listNamespacedSecret({ namespace }), { timeoutMs: SETTLE_TIMEOUT_MS });
    expect(secrets.items).toBeInstanceOf(Array);
    await expect(asUser.listNamespacedSecret({ namespace: "default" })).rejects.toMatchObject({ code: 403 });
  });

  it("finishes deleting a namespace together with its contents", async () => {
    const doomed = uniqueName("doomed");
    await core.createNamespace({ body: { metadata: { name: doomed } } });
    await core.createNamespacedConfigMap({ namespace: doomed, body: { metadata: { name: "content" } } });

    await core.deleteNamespace({ name: doomed });

    await expectGone(() => core.readNamespace({ name: doomed }));
  });
});

const WIDGET = { group: "harness.test.example", version: "v1", plural: "widgets" } as const;
const WIDGET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${WIDGET.plural}.${WIDGET.group}
spec:
  group: ${WIDGET.group}
  scope: Namespaced
  names: { plural: ${WIDGET.plural}, singular: widget, kind: Widget }
  versions:
    - name: ${WIDGET.version}
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;

describe("a private control plane", () => {
  let crdDir: string;
  let controlPlane: ControlPlane;

  beforeAll(async () => {
    crdDir = await mkdtemp(join(tmpdir(), "control-plane-test-crds-"));
    await writeFile(join(crdDir, "widgets.yaml"), WIDGET_CRD);
    controlPlane = await startControlPlane({ crdDir });
  });
  afterAll(async () => {
    await controlPlane?.stop();
    await rm(crdDir, { recursive: true, force: true });
  });

  function customObjects(): CustomObjectsApi {
    return controlPlane.kubeConfig().makeApiClient(CustomObjectsApi);
  }

  it("serves the CRDs from crdDir, schema included, as soon as it is started", async () => {
    const created = await customObjects().createNamespacedCustomObject({
      ...WIDGET,
      namespace: "default",
      body: { apiVersion: `${WIDGET.group}/${WIDGET.version}`, kind: "Widget", metadata: { name: "w" }, spec: { size: 3 } },
    });
    expect(created).toMatchObject({ spec: { size: 3 } });
  });

  it("keeps its address and its data across an API server restart", async () => {
    const serverBefore = controlPlane.server;
    await controlPlane.restartApiServer();

    expect(controlPlane.server).toBe(serverBefore);
    const widget = await customObjects().getNamespacedCustomObject({ ...WIDGET, namespace: "default", name: "w" });
    expect(widget).toMatchObject({ spec: { size: 3 } });
  });

  it("leaves no etcd, kube-apiserver or kube-controller-manager process behind once stopped", async () => {
    const dir = dirname(controlPlane.kubeconfigPath);
    const before = processesMentioning(dir);
    const programs = [...before.values()];
    expect(programs).toEqual(expect.arrayContaining(["etcd", "kube-apiserver", "kube-controller-manager"]));

    await controlPlane.stop();

    expect([...before.keys()].filter(isAlive)).toEqual([]);
    expect(processesMentioning(dir)).toEqual(new Map());
  });
});
