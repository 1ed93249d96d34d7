import type { Clock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import type { Claims, LeaseResult } from "./leases.ts";
import { inParallel, LANE_RAMP_MS, rotated } from "./parallel.ts";
import { type Listed, WakeTimer } from "./wake.ts";

/**
 * Something that happens at computed instants for each of a changing set of items, e.g. "post the
 * quiz question" for every channel schedule. The scheduler asks for the items on every tick, so a
 * schedule added or removed in the store takes effect on the next tick.
 */
export interface Job<T> {
  /** Names the job in claims and logs, e.g. "quiz.post". Stable across releases: claims are keyed by it. */
  kind: string;
  /** The current items, e.g. the schedules in the store. */
  items(): Promise<T[]>;
  /** A stable id for an item, e.g. "slack:T1:C1"; with the occurrence instant it names the claim. */
  key(item: T): string;
  /**
   * The instants t with from < t <= to at which the item is due (a pure function such as
   * occurrencesBetween). Leave out instants before the item existed: a schedule created at 09:30
   * for 09:00 should not post at once.
   */
  occurrences(item: T, from: Date, to: Date): Date[];
  /**
   * Does the work for one occurrence; throwing means "try again later" (within the grace period).
   * `resumed`: an earlier attempt (maybe by a process that died) did not finish, so part of the
   * work may be done: check before acting. A returned string is kept with the finished claim.
   */
  run(item: T, at: Date, attempt: { resumed: boolean }): Promise<unknown>;
  /** Called once when retries of an occurrence ran out: record the failure. */
  onGiveUp?(item: T, at: Date, err: unknown): Promise<void> | void;
}

export interface SchedulerOptions {
  store: Claims;
  clock: Clock;
  log: Logger;
  /** How long a claim holds unrenewed (renewed every third of it while running); default 60 s. */
  leaseMs?: number;
  /** At most one look for claims left by dead processes per this much real time (default 1 s). */
  takeoverScanMs?: number;
  /** Names this process in claims, e.g. "host-1234". */
  owner: string;
  /** How late an occurrence may still run (after downtime or failures); default one hour. */
  graceMs?: number;
  /** Backoff between retries of a failed run: baseMs, doubling, at most maxMs; default 1 s to 60 s. */
  retry?: { baseMs: number; maxMs: number };
  /**
   * How far the first tick looks back (at least graceMs; default 24 hours). Occurrences older than
   * the grace period are never run; looking further only lets the scheduler log the ones that no
   * process ran while all were down.
   */
  lookbackMs?: number;
  /** Due occurrences of a job run at once (default 50): a post that waits holds up only its own slot. */
  concurrency?: number;
  /** Called about 2 s before many occurrences fall due at once, with how many (the store warms up). */
  prepare?: (due: number) => unknown;
}

interface Entry extends Listed {
  job: Job<unknown>;
  /** The end of the last window looked at; undefined until the first successful tick. */
  cursor?: number;
}

interface Pending {
  entry: Entry;
  itemKey: string;
  claimKey: string;
  at: number;
  attempts: number;
  nextAttempt: number;
  lastError: unknown;
}

/**
 * Runs jobs at their occurrences across all processes that share the store and across restarts:
 * each occurrence is claimed by one process at a time, and run again (resumed) when that process
 * dies before finishing it.
 *
 * A tick looks at the window (previous tick, now]; the first tick after a start looks back a grace
 * period, so a restart catches up what it missed. For each occurrence in the window:
 *  - later than the grace period: never run (no burst of stale posts); it is claimed as skipped
 *    and logged by the one process that claims it;
 *  - otherwise claimed in the store (a unique row per job kind and occurrence) and run only by the
 *    process whose claim succeeded.
 *
 * The claim is a lease taken *before* running, renewed while the run lasts and finished with the
 * run's result. When the process dies mid-run its lease runs out and the next tick of any process
 * (this one restarted, or another replica) takes the claim over and runs the occurrence again with
 * `resumed` set: claims are at least once, and each job makes its run idempotent by checking what
 * already happened. Failures the run reports (platform down, rate limit) are retried with
 * exponential backoff, re-taking the claim before each attempt, until the occurrence is older than
 * the grace period; the job's onGiveUp then records the failure and the claim is finished as given up.
 *
 * The timer in start() only drives ticks; the store's claims are the source of truth.
 */
export class Scheduler {
  private readonly store: Claims;
  private readonly leaseMs: number;
  private readonly takeoverScanMs: number;
  private lastScan = Number.NEGATIVE_INFINITY;
  /** Claims this process holds while their run is in flight, with their renewal timers. */
  private readonly held = new Map<string, { kind: string; key: string; timer: ReturnType<typeof setInterval> }>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly owner: string;
  private readonly graceMs: number;
  private readonly retry: { baseMs: number; maxMs: number };
  private readonly lookbackMs: number;
  private readonly concurrency: number;
  private readonly entries: Entry[] = [];
  private readonly pending = new Map<string, Pending>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly wake: WakeTimer;
  private running: Promise<void> | undefined;

  constructor(opts: SchedulerOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.log = opts.log.child({ component: "scheduler" });
    this.owner = opts.owner;
    this.graceMs = opts.graceMs ?? 3_600_000;
    this.retry = opts.retry ?? { baseMs: 1_000, maxMs: 60_000 };
    this.lookbackMs = Math.max(this.graceMs, opts.lookbackMs ?? 86_400_000);
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.takeoverScanMs = opts.takeoverScanMs ?? 1_000;
    this.concurrency = Math.max(1, opts.concurrency ?? 50);
    this.wake = new WakeTimer(opts.prepare && ((n: number) => opts.prepare?.(Math.min(n, this.concurrency))));
  }

  add<T>(job: Job<T>): void {
    if (this.entries.some((e) => e.job.kind === job.kind)) throw new Error(`Scheduler: job "${job.kind}" added twice`);
    this.entries.push({ job: job as Job<unknown> });
  }

  /** One pass over every job (by the timers, or directly by tests); never overlaps itself. */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Ticks now, every intervalMs (default 30 s) and at due instants in between; logs errors, never throws. */
  start(intervalMs = 30_000): void {
    if (this.timer) return;
    const tick = () => {
      this.tick()
        .then(() => this.timer && this.wake.arm(this.entries, this.clock.now().getTime(), intervalMs, tick))
        .catch((err: unknown) => this.log.error({ err }, "scheduler tick failed"));
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  /**
   * Stops the timer and waits for a running tick, at most waitMs. Claims whose run is still in
   * flight then are released, so that another process takes them over at once instead of after
   * their lease; their runs are not cancelled (the job's own stop decides about those).
   */
  async stop(waitMs = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.wake.clear();
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const bound = Number.isFinite(waitMs)
      ? new Promise<void>((r) => {
          timeout = setTimeout(r, waitMs);
        })
      : new Promise<void>(() => {});
    await Promise.race([this.running?.catch(() => undefined), bound]);
    clearTimeout(timeout);
    for (const [id, h] of this.held) {
      clearInterval(h.timer);
      this.held.delete(id);
      await this.store.claims.release({ kind: h.kind, key: h.key, owner: this.owner }).catch((err: unknown) => {
        this.log.warn({ err, job: h.kind, key: h.key }, "could not release a claim; it is taken over after its lease");
      });
    }
  }

  private async pass(): Promise<void> {
    const now = this.clock.now().getTime();
    let expired: { kind: string; key: string; owner: string }[] = [];
    const scan = performance.now() - this.lastScan >= this.takeoverScanMs;
    if (scan) this.lastScan = performance.now();
    try {
      if (scan)
        expired = await this.store.claims.expired(
          this.entries.map((e) => e.job.kind),
          new Date(now),
        );
    } catch (err) {
      this.log.warn({ err }, "could not look for claims left by other processes");
    }
    for (const entry of this.entries)
      await this.tickJob(
        entry,
        now,
        expired.filter((c) => c.kind === entry.job.kind),
      );
  }

  private async tickJob(entry: Entry, now: number, expired: { key: string; owner: string }[]): Promise<void> {
    const { job } = entry;
    let items: unknown[];
    try {
      items = await job.items();
    } catch (err) {
      // The cursor stays put, so the next tick looks at this window again.
      this.log.error({ err, job: job.kind }, "could not list the job's items; trying again next tick");
      return;
    }
    entry.items = items;
    const byKey = new Map(items.map((item) => [job.key(item), item]));
    await this.runDueRetries(entry, byKey, now);
    await this.takeOverExpired(entry, byKey, now, expired);

    const from = entry.cursor ?? now - this.lookbackMs;
    const due: { itemKey: string; item: unknown; at: number }[] = [];
    for (const [itemKey, item] of byKey) {
      try {
        for (const at of job.occurrences(item, new Date(from), new Date(now)))
          due.push({ itemKey, item, at: at.getTime() });
      } catch (err) {
        this.log.error({ err, job: job.kind, item: itemKey }, "could not compute occurrences");
      }
    }
    const failed = (err: unknown) => this.log.error({ err, job: job.kind }, "occurrence failed");
    const run = (d: (typeof due)[number]) => this.occurrence(entry, d.itemKey, d.item, d.at, now).catch(failed);
    await inParallel(rotated(due), this.concurrency, run, LANE_RAMP_MS);
    entry.cursor = Math.max(from, now);
  }

  private async occurrence(entry: Entry, itemKey: string, item: unknown, at: number, now: number): Promise<void> {
    const kind = entry.job.kind;
    const claimKey = `${itemKey}@${new Date(at).toISOString()}`;
    const ctx = { job: kind, key: claimKey };
    if (this.pending.has(`${kind}\0${claimKey}`)) return;
    if (now - at > this.graceMs) {
      // Claimed under a marked owner: the one process that wins logs it, and no process (say one
      // with a longer grace period) posts it in a burst later.
      try {
        const skipped = await this.store.claimOnce({
          kind,
          key: claimKey,
          owner: `${this.owner} (skipped)`,
          at: new Date(now),
        });
        if (skipped)
          this.log.warn(
            { ...ctx, lateMs: now - at, graceMs: this.graceMs },
            "occurrence skipped: missed by more than the grace period",
          );
        else this.log.debug(ctx, "occurrence already handled by another process");
      } catch (err) {
        this.log.warn(
          { ...ctx, err, lateMs: now - at },
          "occurrence skipped: missed by more than the grace period (could not record it)",
        );
      }
      return;
    }

    const p: Pending = { entry, itemKey, claimKey, at, attempts: 0, nextAttempt: now, lastError: undefined };
    await this.claimAndRun(p, item, now);
  }

  /**
   * Claims whose holder's lease ran out unfinished: that process died, or gave up at shutdown.
   * Those still within the grace period run again (resumed); older ones are finished as given up.
   */
  private async takeOverExpired(
    entry: Entry,
    byKey: Map<string, unknown>,
    now: number,
    expired: { key: string; owner: string }[],
  ): Promise<void> {
    const kind = entry.job.kind;
    for (const c of expired) {
      if (this.pending.has(`${kind}\0${c.key}`) || this.held.has(`${kind}\0${c.key}`)) continue;
      const split = c.key.lastIndexOf("@");
      const itemKey = c.key.slice(0, split);
      const at = Date.parse(c.key.slice(split + 1));
      const item = byKey.get(itemKey);
      const ctx = { job: kind, key: c.key, previousOwner: c.owner };
      if (split < 0 || Number.isNaN(at) || item === undefined || now - at > this.graceMs) {
        const result = item === undefined ? "dropped: no longer scheduled" : "gave up: past the grace period";
        this.log.warn({ ...ctx, result }, "claim left unfinished by another process closed");
        await this.finish(kind, c.key, now, result);
        continue;
      }
      this.log.warn(ctx, "taking over an occurrence whose process stopped renewing its claim");
      const p: Pending = { entry, itemKey, claimKey: c.key, at, attempts: 0, nextAttempt: now, lastError: undefined };
      await this.claimAndRun(p, item, now);
    }
  }

  private async claimAndRun(p: Pending, item: unknown, now: number): Promise<void> {
    const kind = p.entry.job.kind;
    const ctx = { job: kind, key: p.claimKey };
    const lease = { kind, key: p.claimKey, owner: this.owner, leaseMs: this.leaseMs };
    let taken: LeaseResult;
    try {
      taken = await this.store.claims.take({ ...lease, now: new Date(now) });
    } catch (err) {
      await this.failed(p, now, err, "could not claim the occurrence");
      return;
    }
    if (!taken.won) {
      this.pending.delete(pendingId(p));
      this.log.debug(ctx, "occurrence claimed by another process");
      return;
    }
    const id = pendingId(p);
    const timer = setInterval(() => {
      this.store.claims.renew({ ...lease, now: this.clock.now() }).then(
        (mine) => {
          if (!mine) this.log.warn(ctx, "lost the claim while running: another process took it over");
        },
        (err: unknown) => this.log.warn({ ...ctx, err }, "could not renew the claim"),
      );
    }, this.leaseMs / 3);
    timer.unref();
    this.held.set(id, { kind, key: p.claimKey, timer });
    let result: unknown;
    try {
      result = await p.entry.job.run(item, new Date(p.at), { resumed: taken.resumed || p.attempts > 0 });
    } catch (err) {
      await this.failed(p, now, err, "run failed");
      return;
    } finally {
      clearInterval(timer);
      this.held.delete(id);
    }
    this.pending.delete(id);
    await this.finish(kind, p.claimKey, this.clock.now().getTime(), typeof result === "string" ? result : "done");
    this.log.info({ ...ctx, lateMs: now - p.at, attempts: p.attempts + 1, resumed: taken.resumed }, "occurrence ran");
  }

  /** Finishing can fail (database away): the claim runs out and the next taker finds the work done. */
  private async finish(kind: string, key: string, now: number, result: string): Promise<void> {
    try {
      await this.store.claims.finish({ kind, key, now: new Date(now), result });
    } catch (err) {
      this.log.warn({ err, job: kind, key }, "could not mark the claim finished");
    }
  }

  private async failed(p: Pending, now: number, err: unknown, what: string): Promise<void> {
    p.attempts += 1;
    p.lastError = err;
    const delay = Math.min(this.retry.baseMs * 2 ** (p.attempts - 1), this.retry.maxMs);
    p.nextAttempt = now + delay;
    this.pending.set(pendingId(p), p);
    // Held until a lease after the retry; should this process die, another takes it over then.
    const lease = { kind: p.entry.job.kind, key: p.claimKey, owner: this.owner, leaseMs: this.leaseMs };
    await this.store.claims.renew({ ...lease, now: new Date(p.nextAttempt) }).catch(() => false);
    this.log.warn(
      { job: p.entry.job.kind, key: p.claimKey, err, attempts: p.attempts, retryInMs: delay },
      `${what}; will retry`,
    );
  }

  private async runDueRetries(entry: Entry, byKey: Map<string, unknown>, now: number): Promise<void> {
    for (const p of [...this.pending.values()]) {
      if (p.entry !== entry) continue;
      const ctx = { job: entry.job.kind, key: p.claimKey, attempts: p.attempts };
      if (!byKey.has(p.itemKey)) {
        this.pending.delete(pendingId(p));
        this.log.info(ctx, "retry dropped: the item is no longer scheduled");
        await this.finish(entry.job.kind, p.claimKey, now, "dropped: no longer scheduled");
      } else if (now - p.at > this.graceMs) {
        this.pending.delete(pendingId(p));
        await this.giveUp(p, byKey.get(p.itemKey));
      } else if (now >= p.nextAttempt) {
        await this.claimAndRun(p, byKey.get(p.itemKey), now);
      }
    }
  }

  private async giveUp(p: Pending, item: unknown): Promise<void> {
    const ctx = { job: p.entry.job.kind, key: p.claimKey, attempts: p.attempts };
    this.log.error({ ...ctx, err: p.lastError }, "gave up: the occurrence kept failing for the whole grace period");
    try {
      await p.entry.job.onGiveUp?.(item, new Date(p.at), p.lastError);
    } catch (err) {
      this.log.error({ ...ctx, err }, "onGiveUp failed");
    }
    await this.finish(p.entry.job.kind, p.claimKey, this.clock.now().getTime(), "gave up: kept failing");
  }
}

function pendingId(p: Pending): string {
  return `${p.entry.job.kind}\0${p.claimKey}`;
}
