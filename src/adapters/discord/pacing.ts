import { setTimeout as sleep } from "node:timers/promises";

/** Discord's global limit: 50 requests a second for a bot, over all its processes. */
export const GLOBAL_PER_SECOND = 50;
/** The pace sends start at, a little under the limit, so that network jitter does not cross it. */
const DEFAULT_PER_SECOND = 48;
const MIN_PER_SECOND = 4;
/**
 * After a global 429 the pace drops to this share of itself, then grows back by RECOVERY_PER_SECOND
 * a second without one. A mild cut: sending over the limit costs little (the window stays full and
 * the refused sends wait their retry_after), sending under it is time lost, so halving (the pace
 * of a whole recovery below the limit) lost more than the 429s it spared.
 */
const CUT = 0.75;
const RECOVERY_PER_SECOND = 8;
/** 429s within this long of a cut answer sends made before it: they do not cut again. */
const CUT_GUARD_MS = 500;

/**
 * Spreads a process's channel sends evenly in time instead of in bursts: discord.js lets 50
 * requests start at the top of each second, and a burst whose requests arrive late meets the next
 * second's burst inside Discord's window, which answers 429 and blocks every request. Replicas
 * share the bot's one global limit without knowing of each other, so a global 429 (another
 * process is sending too) cuts this process's pace by a quarter, which then grows back while no global 429
 * comes: together the replicas settle near the limit instead of taking turns at 429s.
 */
export class SendPacer {
  private rate: number;
  private next = 0;
  private lastChange = performance.now();
  private lastCut = Number.NEGATIVE_INFINITY;

  constructor(private readonly maxRate = DEFAULT_PER_SECOND) {
    this.rate = maxRate;
  }

  get perSecond(): number {
    this.recover(performance.now());
    return this.rate;
  }

  /** Resolves when the next send may start. */
  async turn(): Promise<void> {
    const now = performance.now();
    this.recover(now);
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.rate;
    if (at > now) await sleep(at - now);
  }

  /** Discord answered a global 429: slow down (once for the sends already on their way with it). */
  globalLimited(): void {
    const now = performance.now();
    this.recover(now);
    if (now - this.lastCut < CUT_GUARD_MS) return;
    this.rate = Math.max(MIN_PER_SECOND, this.rate * CUT);
    this.lastCut = now;
  }

  private recover(now: number): void {
    if (this.rate >= this.maxRate) return;
    const grown = this.rate + ((now - this.lastChange) / 1000) * RECOVERY_PER_SECOND;
    this.rate = Math.min(this.maxRate, grown);
    this.lastChange = now;
  }
}
