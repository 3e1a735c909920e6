import type { NamespaceSet } from "../../api/v1alpha1/common.js";
import { admits, type ProjectAccessRule } from "../../api/v1alpha1/project-access.js";
import { matchesSelector } from "../../kube/label-selector.js";

/** Whether a connection admits one project role in one project for the namespace it was resolved for. */
export type ProjectPolicy = (project: string, role: string) => boolean;

type Labels = Readonly<Record<string, string>>;

/** The policy of a connection's rules for `namespace`; unset rules admit all, or nothing, as `unsetAdmits` says. */
export function projectPolicy(rules: readonly ProjectAccessRule[] | undefined, unsetAdmits: boolean, namespace: string, labels: Labels | undefined): ProjectPolicy {
  if (rules === undefined) return () => unsetAdmits;
  const applying = rules.filter((rule) => rule.namespaces === undefined || inSet(rule.namespaces, namespace, labels));
  return (project, role) => applying.some((rule) => admits(rule.projects, project) && admits(rule.roles, role));
}

/** Whether any rule needs the namespace's labels (so they are read only then). */
export function needsLabels(rules: readonly ProjectAccessRule[] | undefined): boolean {
  return (rules ?? []).some((rule) => rule.namespaces?.selector !== undefined);
}

export function inSet(set: NamespaceSet, namespace: string, labels: Labels | undefined): boolean {
  if (set.names?.includes(namespace)) return true;
  return set.selector !== undefined && labels !== undefined && matchesSelector(set.selector, labels);
}
