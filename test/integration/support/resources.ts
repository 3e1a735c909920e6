/** YAML of the operator's kinds, as tests apply them. */
export function serviceAccountYaml(name: string, spec = "rootRole: Editor", connection = "unleash"): string {
  return `apiVersion: accounts.unleash.dev/v1alpha1
kind: ServiceAccount
metadata: { name: ${name} }
spec:
  connectionRef: { kind: UnleashConnection, name: ${connection} }
  ${spec.split("\n").join("\n  ")}
`;
}

export function tokenYaml(name: string, account: string, spec = ""): string {
  return `apiVersion: accounts.unleash.dev/v1alpha1
kind: ServiceAccountToken
metadata: { name: ${name} }
spec:
  serviceAccountRef: { name: ${account} }
  ${spec.split("\n").join("\n  ")}
`;
}

export const documents = (...docs: string[]): string => docs.join("\n---\n");
