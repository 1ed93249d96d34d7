/** A wake-up comes this long after the instant it is for: a timer may fire a millisecond early. */
const MARGIN_MS = 5;
/** How long before a burst of due occurrences `prepare` is called. */
const PREPARE_LEAD_MS = 2_000;
/** How far ahead bursts are looked for, at least: far enough to prepare with ticks of a second. */
const LOOKAHEAD_MS = 5_000;
/** Occurrences due at one instant that make a burst worth preparing for. */
const BURST = 10;

/** A job with the items it listed on its last tick. */
export interface Listed {
  job: { occurrences(item: unknown, from: Date, to: Date): Date[] };
  items?: unknown[];
}

/**
 * The earliest instant in (from, to) at which one of the listed items is due, with how many are due
 * then, or undefined. It looks at the items each job listed on its last tick: an item added since
 * is found by the next regular tick, as before.
 */
export function nextDue(
  listed: readonly Listed[],
  from: number,
  to: number,
): { at: number; count: number } | undefined {
  let first: { at: number; count: number } | undefined;
  for (const { job, items } of listed) {
    for (const item of items ?? []) {
      let due: Date[];
      try {
        due = job.occurrences(item, new Date(from), new Date(to));
      } catch {
        continue; // the tick logs it
      }
      for (const d of due) {
        const at = d.getTime();
        if (at >= to || (first && at > first.at)) continue;
        first = first?.at === at ? { at, count: first.count + 1 } : { at, count: 1 };
      }
    }
  }
  return first;
}

/**
 * Timers between regular ticks. One ticks at the next due instant: with ticks every 15 s, a
 * question due at 09:00:00 would otherwise go out at up to 09:00:15, and a fan-out to many channels
 * start that much later. The other calls `prepare` (the store opens database connections) a
 * little before many occurrences fall due at once, so that the first of them do not wait for
 * connections being opened while the others ask for theirs.
 */
export class WakeTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private prepareTimer: ReturnType<typeof setTimeout> | undefined;
  /** The burst instant `prepare` was last called for: once per burst, not once per tick. */
  private prepared = Number.NaN;

  constructor(private readonly prepare?: (due: number) => unknown) {}

  /** Arms the timers for what is due next (replacing armed ones). */
  arm(listed: readonly Listed[], now: number, intervalMs: number, tick: () => void): void {
    this.clear();
    const next = nextDue(listed, now, now + Math.max(intervalMs, LOOKAHEAD_MS));
    if (!next) return;
    if (next.at < now + intervalMs) {
      this.timer = setTimeout(tick, next.at - now + MARGIN_MS);
      this.timer.unref();
    }
    const { prepare } = this;
    if (prepare && next.count >= BURST && this.prepared !== next.at) {
      this.prepareTimer = setTimeout(
        () => {
          this.prepared = next.at;
          Promise.resolve()
            .then(() => prepare(next.count))
            .catch(() => undefined); // only a head start: the burst runs without it
        },
        Math.max(0, next.at - PREPARE_LEAD_MS - now),
      );
      this.prepareTimer.unref();
    }
  }

  clear(): void {
    clearTimeout(this.timer);
    clearTimeout(this.prepareTimer);
    this.timer = undefined;
    this.prepareTimer = undefined;
  }
}
