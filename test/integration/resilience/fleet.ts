// The accounts and tokens a resilience test creates, and what the API server says about them.
import type { CustomObjectsApi } from "@kubernetes/client-node";
import { z } from "zod";
import { GROUP, VERSION } from "../../../src/api/v1alpha1/common.js";
import { kinds, type KindName } from "../../../src/api/v1alpha1/resources.js";

/** Viewer's id among the emulator's seeded root roles. */
export const VIEWER_ROLE_ID = 3;

export interface Fleet {
  accounts: string[];
  tokens: { name: string; account: string }[];
}

/** `accounts` ServiceAccounts with `tokensPerAccount` ServiceAccountTokens each. */
export function fleet(accounts: number, tokensPerAccount: number, prefix = "svc"): Fleet {
  const names = Array.from({ length: accounts }, (_, a) => `${prefix}-${a}`);
  return {
    accounts: names,
    tokens: names.flatMap((account) => Array.from({ length: tokensPerAccount }, (_, t) => ({ name: `${account}-t${t}`, account }))),
  };
}

/**
 * A fleet for CI, or with RESILIENCE_FULL=1 the sizes (200 and 500 tokens), which take
 * minutes on two cores.
 */
export function sizedFleet(ci: [accounts: number, tokensPerAccount: number], full: [accounts: number, tokensPerAccount: number]): Fleet {
  const [accounts, tokensPerAccount] = process.env.RESILIENCE_FULL === "1" ? full : ci;
  return fleet(accounts, tokensPerAccount);
}

/** How long convergence may take: generous, as on two busy cores the operator settles a few tokens per second. */
export function convergeBoundMs(tokens: number): number {
  return 60_000 + tokens * 500;
}

/**
 * Creates the fleet through the API, several requests at a time: far quicker than `kubectl apply`,
 * which sends one object after the other, so the operator gets the whole load at once.
 */
export async function createFleet(custom: CustomObjectsApi, namespace: string, fleetToCreate: Fleet, concurrency = 8): Promise<void> {
  const create = (kind: KindName, name: string, spec: Record<string, unknown>) =>
    custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: kinds[kind].plural,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name }, spec },
    });
  const work = [
    ...fleetToCreate.accounts.map((name) => () => create("ServiceAccount", name, { connectionRef: { kind: "UnleashConnection", name: "unleash" }, rootRole: "Editor" })),
    ...fleetToCreate.tokens.map(({ name, account }) => () => create("ServiceAccountToken", name, { serviceAccountRef: { name: account }, lifetime: "720h" })),
  ];
  const next = work[Symbol.iterator]();
  const worker = async () => {
    for (let item = next.next(); !item.done; item = next.next()) await item.value();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const conditionList = z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional() })).optional();
const resourceList = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string() }),
      status: z
        .object({
          conditions: conditionList,
          id: z.number().optional(),
          previousTokens: z.array(z.object({ id: z.number() })).optional(),
        })
        .optional(),
    }),
  ),
});
type ResourceItem = z.infer<typeof resourceList>["items"][number];

export async function listResources(custom: CustomObjectsApi, namespace: string, kind: KindName): Promise<ResourceItem[]> {
  const raw: unknown = await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: kinds[kind].plural });
  return resourceList.parse(raw).items;
}

/** Why a resource is not Ready, from its Ready condition; undefined when it is. */
export function notReadyReason(item: ResourceItem | undefined): string | undefined {
  const ready = item?.status?.conditions?.find((c) => c.type === "Ready");
  if (ready?.status === "True") return undefined;
  return ready ? `Ready ${ready.status}, ${ready.reason ?? "no reason"}` : "no Ready condition";
}

export async function readyCount(custom: CustomObjectsApi, namespace: string, kind: KindName): Promise<number> {
  return (await listResources(custom, namespace, kind)).filter((item) => notReadyReason(item) === undefined).length;
}
