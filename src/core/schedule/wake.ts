/** A wake-up comes this long after the instant it is for: a timer may fire a millisecond early. */
const MARGIN_MS = 5;

/** A job with the items it listed on its last tick. */
export interface Listed {
  job: { occurrences(item: unknown, from: Date, to: Date): Date[] };
  items?: unknown[];
}

/**
 * The earliest instant in (from, to) at which one of the listed items is due, or undefined. It
 * looks at the items each job listed on its last tick: an item added since is found by the next
 * regular tick, as before.
 */
export function nextDue(listed: readonly Listed[], from: number, to: number): number | undefined {
  let first: number | undefined;
  for (const { job, items } of listed) {
    for (const item of items ?? []) {
      let due: Date[];
      try {
        due = job.occurrences(item, new Date(from), new Date(to));
      } catch {
        continue; // the tick logs it
      }
      for (const at of due)
        if (at.getTime() < to && (first === undefined || at.getTime() < first)) first = at.getTime();
    }
  }
  return first;
}

/**
 * A one-shot timer that ticks at the next due instant between regular ticks: with ticks every
 * 15 s, a question due at 09:00:00 would otherwise go out at up to 09:00:15, and a fan-out to many
 * channels starts that much later.
 */
export class WakeTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Arms the timer for the next due instant within intervalMs of now (replacing an armed one). */
  arm(listed: readonly Listed[], now: number, intervalMs: number, tick: () => void): void {
    this.clear();
    const at = nextDue(listed, now, now + intervalMs);
    if (at === undefined) return;
    this.timer = setTimeout(tick, at - now + MARGIN_MS);
    this.timer.unref();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
