/**
 * Fault injection for crash-safety tests: UNLEASH_OPERATOR_CRASH_AT names a
 * step ("after-token-create", "after-secret-write", ...), optionally with the
 * occurrence to crash at ("after-token-create:3"). The process then exits at
 * once, as a kill would stop it, without cleanup.
 */
export type CrashPoint = "after-account-claim" | "after-account-create" | "after-token-create" | "after-secret-write" | "after-revoke";

const EXIT_CODE = 86;
const seen = new Map<string, number>();

export function crashPoint(point: CrashPoint, env: NodeJS.ProcessEnv = process.env): void {
  const setting = env.UNLEASH_OPERATOR_CRASH_AT;
  if (!setting) return;
  const [name, occurrence = "1"] = setting.split(":");
  if (name !== point) return;
  const count = (seen.get(point) ?? 0) + 1;
  seen.set(point, count);
  if (count === Number(occurrence)) {
    process.stderr.write(`{"level":60,"msg":"crash injected","crashPoint":"${point}"}\n`);
    process.exit(EXIT_CODE);
  }
}
