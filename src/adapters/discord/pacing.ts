import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../core/logger.ts";
import { errorText } from "../shared/dedupe.ts";

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

/** Paces quiz posts under Discord's global limit. */
export interface Pacer {
  /** Resolves when the next send may start. */
  turn(): Promise<void>;
  /** Discord answered a global 429 asking to wait retryAfterMs. */
  globalLimited(retryAfterMs?: number): void;
}

/**
 * Spreads a process's channel sends evenly in time instead of in bursts: discord.js lets 50
 * requests start at the top of each second, and a burst whose requests arrive late meets the next
 * second's burst inside Discord's window, which answers 429 and blocks every request. This is the
 * pace of a process alone (SQLite, or replicas while their database does not answer; replicas
 * otherwise share SharedPacer's times). A global 429 means the limit is taken by something else
 * the bot sends: it cuts the pace by a quarter, which grows back while no global 429 comes.
 */
export class SendPacer implements Pacer {
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

/** Send times shared by every replica on the database (the store implements it; PostgreSQL only). */
export interface SharedSlots {
  /** Reserves the next free time of `name`, at least gapMs after the one before; resolves to the ms to wait. */
  reserve(name: string, gapMs: number): Promise<number>;
  /** Nothing of `name` goes out for the next ms. */
  pause(name: string, ms: number): Promise<void>;
}

/**
 * Reservations a process holds at a time (taken, not yet due). A reserved time that its process
 * misses (a stalled event loop, a slow moment on a busy host) is lost to every replica, so each
 * process reserves only a few sends ahead, enough to cover a slow round trip to the database.
 */
const AHEAD = 4;

/** The one global limit of the bot's token, as named in the shared slots. */
const GLOBAL_SLOTS = "discord-global";
/** A 429's pause is at most this long, whatever its retry_after says. */
const MAX_PAUSE_MS = 5_000;
/**
 * Global 429s within a second that mean the limit is really taken (other traffic of the bot, say):
 * fewer are the jitter of sends that left a little late, and the limit's window frees within
 * milliseconds, so pausing every replica for them would lose more sends than it spares.
 */
const OVERLOAD_429S = 5;

/**
 * Replicas (PostgreSQL) pace their sends together: each send takes the next free time of one
 * shared sequence spaced for 48 a second, so the bot's global limit is met whether one replica
 * posts or three, instead of each replica pacing itself at the full rate and all of them meeting
 * in 429s. A send that meets a 429 anyway takes a new turn (see handBackGlobalSends); when 429s come
 * in numbers, every replica's sends pause for their retry_after. When the database does not
 * answer, this process paces itself alone until it does again.
 */
export class SharedPacer implements Pacer {
  readonly #alone = new SendPacer();
  #failing = false;
  /** When this process met its recent global 429s. */
  #limitedAt: number[] = [];
  /** Reservations held now, and the turns waiting to reserve (in order). */
  #held = 0;
  readonly #queue: (() => void)[] = [];

  constructor(
    private readonly slots: SharedSlots,
    private readonly log: Logger,
    private readonly perSecond = DEFAULT_PER_SECOND,
  ) {}

  async turn(): Promise<void> {
    // A finished turn hands its place to the next waiting one, so no more than AHEAD ever hold one.
    if (this.#held < AHEAD) this.#held += 1;
    else await new Promise<void>((resolve) => this.#queue.push(resolve));
    try {
      await this.#reserveAndWait();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#held -= 1;
    }
  }

  async #reserveAndWait(): Promise<void> {
    let waitMs: number;
    try {
      waitMs = await this.slots.reserve(GLOBAL_SLOTS, 1000 / this.perSecond);
      if (this.#failing) this.log.info("shared send pacing is back");
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) this.log.warn({ err: errorText(err) }, "could not reserve a shared send time; pacing alone");
      this.#failing = true;
      return this.#alone.turn();
    }
    if (waitMs > 0) await sleep(waitMs);
  }

  globalLimited(retryAfterMs = 1_000): void {
    this.#alone.globalLimited();
    const now = performance.now();
    this.#limitedAt = [...this.#limitedAt.filter((t) => now - t < 1_000), now];
    if (this.#limitedAt.length < OVERLOAD_429S) return;
    const ms = Math.min(MAX_PAUSE_MS, Math.max(0, retryAfterMs));
    this.slots.pause(GLOBAL_SLOTS, Math.ceil(ms)).catch((err: unknown) => {
      this.log.warn({ err: errorText(err) }, "could not pause the shared send times after a 429");
    });
  }
}
