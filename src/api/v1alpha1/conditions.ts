/**
 * Condition types and reasons. README documents each reason with what to do
 * about it; a test holds the two lists equal.
 */
export const ConditionType = { Ready: "Ready", Reconciling: "Reconciling", Stalled: "Stalled" } as const;

/** Ready=True. */
export const ReadyReasons = {
  Ready: "Ready",
  ConnectionReady: "ConnectionReady",
} as const;

/** Ready=False, Reconciling=True: work in progress, or a transient failure being retried. */
export const ProgressingReasons = {
  Reconciling: "Reconciling",
  WaitingForServiceAccount: "WaitingForServiceAccount",
  UnleashUnavailable: "UnleashUnavailable",
  RateLimited: "RateLimited",
  KubernetesError: "KubernetesError",
  InUse: "InUse",
  Paused: "Paused",
} as const;

/** Ready=False, Stalled=True: needs a change by a person before it can progress. */
export const StalledReasons = {
  InvalidSpec: "InvalidSpec",
  ConnectionNotFound: "ConnectionNotFound",
  ConnectionNotAllowed: "ConnectionNotAllowed",
  AdminTokenSecretNotFound: "AdminTokenSecretNotFound",
  AdminTokenRejected: "AdminTokenRejected",
  CertificateInvalid: "CertificateInvalid",
  RootRoleNotFound: "RootRoleNotFound",
  RootRoleNotAllowed: "RootRoleNotAllowed",
  UsernameTaken: "UsernameTaken",
  AdoptionNotAllowed: "AdoptionNotAllowed",
  SecretConflict: "SecretConflict",
  TokenLimitReached: "TokenLimitReached",
  UnleashRejected: "UnleashRejected",
  RepairLoopDetected: "RepairLoopDetected",
  ProjectNotFound: "ProjectNotFound",
  ProjectRoleNotFound: "ProjectRoleNotFound",
  ProjectNotAllowed: "ProjectNotAllowed",
} as const;

/**
 * Reasons about an account's project access only: the account itself and its root role are in place,
 * so its tokens keep working while a person fixes the projects.
 */
export const PROJECT_ACCESS_REASONS: ReadonlySet<string> = new Set([StalledReasons.ProjectNotFound, StalledReasons.ProjectRoleNotFound, StalledReasons.ProjectNotAllowed]);

export type ReadyReason = (typeof ReadyReasons)[keyof typeof ReadyReasons];
export type ProgressingReason = (typeof ProgressingReasons)[keyof typeof ProgressingReasons];
export type StalledReason = (typeof StalledReasons)[keyof typeof StalledReasons];

export type ReadyOutcome = { state: "Ready"; reason: ReadyReason; message: string };
export type ProgressingOutcome = { state: "Progressing"; reason: ProgressingReason; message: string };
export type StalledOutcome = { state: "Stalled"; reason: StalledReason; message: string };
/** Where a reconcile left a resource; the conditions are derived from it. */
export type Outcome = ReadyOutcome | ProgressingOutcome | StalledOutcome;

export const ready = (message: string, reason: ReadyReason = "Ready"): ReadyOutcome => ({ state: "Ready", reason, message });
export const progressing = (reason: ProgressingReason, message: string): ProgressingOutcome => ({ state: "Progressing", reason, message });
export const stalled = (reason: StalledReason, message: string): StalledOutcome => ({ state: "Stalled", reason, message });

export const allReasons = [
  ...Object.values(ReadyReasons),
  ...Object.values(ProgressingReasons),
  ...Object.values(StalledReasons),
];
