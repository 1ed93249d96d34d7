import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { Platform } from "../../core/platform.ts";

/** Where processed event ids are kept, shared by every replica (the store implements it). */
export interface EventLog {
  /** True the first time an event id is seen, false afterwards (atomic across processes). */
  claimEvent(p: { platform: Platform; eventId: string; at: Date }): Promise<boolean>;
  /** Deletes event ids seen before `before`; returns how many. */
  pruneEvents(before: Date): Promise<number>;
}

/** Event ids are kept this long: beyond Slack's retries (about 5 minutes) and a Discord interaction's 15. */
export const EVENT_RETENTION_MS = 3_600_000;
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Drops repeated deliveries: a platform that retries an event it thinks failed, or replicas that
 * all receive the same gateway event. The first delivery of an id claims it in the shared log;
 * when the log cannot be reached the event is handled anyway (a rare double beats a lost answer).
 * Old ids are pruned on a timer, on the injected clock's time.
 */
export class Dedupe {
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: { events: EventLog; platform: Platform; clock: Clock; log: Logger }) {}

  /** True when this delivery is the first of `eventId`, or when that cannot be known. */
  async first(eventId: string): Promise<boolean> {
    try {
      return await this.o.events.claimEvent({ platform: this.o.platform, eventId, at: this.o.clock.now() });
    } catch (err) {
      this.o.log.warn({ err: errorText(err), eventId }, "could not record the event id; handling the event anyway");
      return true;
    }
  }

  /** Prunes now and then every ten minutes, until stop(). */
  start(): void {
    void this.prune();
    this.#timer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async prune(): Promise<void> {
    try {
      const n = await this.o.events.pruneEvents(new Date(this.o.clock.now().getTime() - EVENT_RETENTION_MS));
      if (n > 0) this.o.log.debug({ pruned: n }, "pruned processed event ids");
    } catch (err) {
      this.o.log.warn({ err: errorText(err) }, "could not prune processed event ids");
    }
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
