import type { Platform } from "./platform.ts";

/**
 * What the core reports for operators (counts and timings), as plain calls. The composition root
 * plugs in the Prometheus implementation (src/ops/metrics.ts); tests and the terminal leave it out.
 */
export interface Telemetry {
  /** A command, free text or button press went through the dispatcher. */
  handled(e: { platform: Platform; kind: string; outcome: "ok" | "user_error" | "error" }): void;
  /** One search of the knowledge index took this long (answers and autocomplete). */
  searched(seconds: number, purpose: "answer" | "autocomplete"): void;
  /** A question got no confident answer (suggestions or nothing). */
  unanswered(platform: Platform): void;
  /** A quiz question was posted, or its post failed. */
  quizPost(outcome: "posted" | "failed"): void;
  /** An onboarding step was sent by DM, completed by the member, or could not be sent (DMs closed). */
  onboardingStep(event: "sent" | "completed" | "dm_closed"): void;
  /** Something failed that was logged as an error, by where it happened. */
  error(where: string): void;
}

/** Times `run` and reports it as a search. */
export function timedSearch<T>(telemetry: Telemetry | undefined, purpose: "answer" | "autocomplete", run: () => T): T {
  if (!telemetry) return run();
  const started = performance.now();
  const result = run(); // a refused query (too long) throws and is not a search
  telemetry.searched((performance.now() - started) / 1000, purpose);
  return result;
}
