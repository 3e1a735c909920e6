import { z } from "zod";

const ownerReference = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});
export type OwnerReference = z.infer<typeof ownerReference>;

/** The metadata fields the operator reads; everything else is ignored. */
export const objectMeta = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string(),
  generation: z.int().optional(),
  creationTimestamp: z.string().optional(),
  resourceVersion: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  finalizers: z.array(z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  ownerReferences: z.array(ownerReference).optional(),
});
export type ObjectMeta = z.infer<typeof objectMeta>;
