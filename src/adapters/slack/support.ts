import { setTimeout as sleep } from "node:timers/promises";
import { type Logger as BoltLogger, LogLevel, webApi } from "@slack/bolt";
import type { Logger } from "../../core/logger.ts";

/** The Slack adapter's helpers: message references, Web API errors, rate limits, answer order, logs. */

/** `C123:1700000000.000100` → its channel and ts. */
export function parseRef(ref: string | null): { channel: string; ts: string } | undefined {
  const m = ref ? /^([^:]+):(\d+\.\d+)$/.exec(ref) : null;
  return m ? { channel: m[1] as string, ts: m[2] as string } : undefined;
}

/** The `error` of a Web API `{ok:false}` answer, when that is what err is. */
export function platformError(err: unknown): string | undefined {
  const e = err as { code?: string; data?: { error?: unknown } };
  return e?.code === webApi.ErrorCode.PlatformError && typeof e.data?.error === "string" ? e.data.error : undefined;
}

export function errorText(err: unknown): string {
  return platformError(err) ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Calls again after a 429's Retry-After while the total wait stays within boundMs. The WebClient
 * would retry by itself, but it pauses every call of the client meanwhile and counts attempts, not
 * time; the quiz needs "within the grace period", and a person waiting needs less.
 */
export async function withRetryAfter<T>(call: () => Promise<T>, boundMs: number, log: Logger): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const e = err as { code?: string; retryAfter?: number };
      if (e?.code !== webApi.ErrorCode.RateLimitedError || typeof e.retryAfter !== "number") throw err;
      const waitMs = Math.max(0, e.retryAfter) * 1000;
      if (Date.now() - started + waitMs > boundMs) throw err;
      log.warn({ retryAfterS: e.retryAfter }, "rate limited by Slack; retrying after Retry-After");
      await sleep(waitMs);
    }
  }
}

/**
 * Starts acknowledged work one job per turn of the event loop, so that requests arriving in a
 * burst (fifty people clicking a quiz answer) are all acknowledged, within Slack's 3 seconds,
 * before the answers' CPU work (search, the store, rendering) runs. In HTTP mode answers also wait
 * while requests are still arriving (a burst comes in waves), for at most 100 ms. Under sustained
 * overload the backlog beyond `maxBacklog` starts at once, so answers are never starved by acks.
 */
export class AnswerQueue {
  private readonly jobs: { run: () => void; since: number }[] = [];
  private scheduled = false;
  private wake: NodeJS.Timeout | undefined;

  /**
   * @param busy true while requests are arriving or waiting for their ack (HTTP mode): answers then
   *   wait, at most `maxHoldMs`, so that a burst of requests is acknowledged before the answers' work
   */
  constructor(
    private readonly maxBacklog: number,
    private readonly busy: () => boolean = () => false,
    private readonly maxHoldMs = 100,
  ) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({
        run: () => {
          work().then(resolve, reject);
        },
        since: Date.now(),
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.jobs.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const oldest = this.jobs[0];
      const waited = oldest ? Date.now() - oldest.since : 0;
      if (this.busy() && this.jobs.length <= this.maxBacklog && waited < this.maxHoldMs) {
        this.wake ??= setTimeout(() => {
          this.wake = undefined;
          this.schedule();
        }, 2);
        return;
      }
      for (const job of this.jobs.splice(0, Math.max(1, this.jobs.length - this.maxBacklog))) job.run();
      this.schedule();
    });
  }
}

/** Bolt's and the Web API client's log lines, into the adapter's pino logger. */
export function boltLogger(log: Logger): BoltLogger {
  const line = (parts: unknown[]) =>
    parts.map((p) => (typeof p === "string" ? p : p instanceof Error ? p.message : JSON.stringify(p))).join(" ");
  let level = log.isLevelEnabled("debug") ? LogLevel.DEBUG : LogLevel.INFO;
  return {
    debug: (...m: unknown[]) => log.debug(line(m)),
    info: (...m: unknown[]) => log.info(line(m)),
    warn: (...m: unknown[]) => log.warn(line(m)),
    error: (...m: unknown[]) => log.error(line(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
