import type { Logger } from "../core/logger.ts";
import type { Store } from "../store/types.ts";
import type { Check } from "./server.ts";

/** How often the store's health is checked when nobody asks /healthz. */
const STORE_WATCH_MS = 30_000;

/**
 * The store's health, logged when it changes: a database that stops taking writes, or a SQLite
 * file deleted under the running process, shows in the log as well as in /healthz.
 */
export function watchStore(store: Pick<Store, "health">, log: Logger) {
  let lastProblem: string | undefined;
  const check = async () => {
    const result = await store.health();
    const problem = result.ok ? undefined : (result.detail ?? "failing");
    if (problem !== lastProblem) {
      if (problem) log.error({ problem }, "the database is not healthy");
      else log.info("the database is healthy again");
      lastProblem = problem;
    }
    return result;
  };
  const timer = setInterval(() => void check().catch(() => undefined), STORE_WATCH_MS);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}

/** /readyz: each configured chat platform is connected; with none configured, not ready. */
export function readiness(
  wanted: { slack: boolean; discord: boolean },
  a: { slack?: { ready: boolean }; discord?: { ready: boolean } },
): Record<string, Check> {
  const checks: Record<string, Check> = {};
  if (wanted.slack) checks.slack = a.slack?.ready ? { ok: true } : { ok: false, detail: "not connected to Slack" };
  if (wanted.discord)
    checks.discord = a.discord?.ready ? { ok: true } : { ok: false, detail: "not connected to Discord" };
  if (!wanted.slack && !wanted.discord)
    checks.chat = { ok: false, detail: "no chat platform configured: set Slack or Discord tokens (see README.md)" };
  return checks;
}
