import type { Logger } from "../core/logger.ts";
import type { OpsServer } from "./server.ts";

/** Shutdown must finish within this; the hard stop comes a little earlier than the 10 s promised. */
export const SHUTDOWN_DEADLINE_MS = 9_000;

export function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(sig);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

/**
 * Stops taking new work (health checks turn 503, the scheduler and adapters stop), waits for work
 * in flight, then closes the adapters and the database. A second signal, or the deadline, exits at once.
 */
export async function shutdown(
  signal: NodeJS.Signals,
  o: { log: Logger; ops: OpsServer | undefined; closeAll: () => Promise<void>; say: (line: string) => void },
): Promise<void> {
  const started = Date.now();
  o.say(`${signal}: stopping (finishing work in flight; a second signal stops at once)`);
  o.log.info({ signal }, "shutting down");
  const now = (sig: NodeJS.Signals) => {
    o.log.warn({ signal: sig }, "second signal: exiting at once");
    o.log.flush?.();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", now);
  process.once("SIGTERM", now);
  const deadline = setTimeout(() => {
    o.log.error({ afterMs: SHUTDOWN_DEADLINE_MS }, "shutdown did not finish in time; exiting");
    o.log.flush?.();
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  try {
    await o.ops?.drain();
    await o.closeAll();
    o.log.info({ tookMs: Date.now() - started }, "stopped");
    o.log.flush?.();
    // Everything is settled and closed; a request abandoned at shutdown (a post that never
    // answered) must not keep the process alive.
    setTimeout(() => process.exit(process.exitCode ?? 0), 250).unref();
  } finally {
    clearTimeout(deadline);
  }
}
