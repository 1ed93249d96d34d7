import type { Clock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import type { Telemetry } from "../telemetry.ts";
import type { Poster, QuizRound } from "./model.ts";
import { questionReply, type RoundView } from "./render.ts";
import type { QuizRepo } from "./repo.ts";

/** When a round closes, given when its message actually went out. */
export type CloseRule = Date | ((postedAt: Date) => Date);

/** The tag a round's message carries, so that a process resuming the round can find it. */
export function roundTag(roundId: number): string {
  return `dockhand-round-${roundId}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export interface DeliveryOptions {
  repo: QuizRepo;
  poster: Poster;
  clock: Clock;
  log: Logger;
  telemetry?: Telemetry | undefined;
  owner: string;
  leaseMs: number;
  stuckScanMs: number;
  view: (round: QuizRound) => RoundView;
}

/**
 * Getting a round's message out under the posting lease: renewed while it is sent, resumed by the
 * next process when its holder stopped (looking for the message in the channel before posting it
 * again), and settled at shutdown.
 */
export class RoundDelivery {
  /** Rounds whose message is being sent by this process. */
  private readonly deliveries = new Map<number, { round: QuizRound; done: Promise<unknown> }>();
  private lastStuckScan = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: DeliveryOptions) {}

  /**
   * Takes over a round left in 'posting' by a process that stopped renewing it, and finishes it:
   * the message is looked for in the channel first (it may have gone out just before that process
   * died) and posted only when it is not there. False when another process holds the round.
   */
  async resume(roundId: number, closesAt?: CloseRule): Promise<boolean> {
    const round = await this.o.repo.posting.take(roundId, this.o.owner, this.o.clock.now(), this.o.leaseMs);
    if (!round) return false;
    const duration = round.closesAt.getTime() - round.postedAt.getTime();
    const rule = closesAt ?? ((at: Date) => new Date(at.getTime() + duration));
    this.o.log.warn({ round: round.id, channel: round.channelId }, "resuming a round left in 'posting'");
    await this.deliver(round, typeof rule === "function" ? rule : () => rule, true);
    return true;
  }

  /**
   * Every round left in 'posting' past its lease, resumed; returns how many. Errors are logged.
   * Looks at most once per stuckScanMs of real time (a query each time).
   */
  async recoverStuck(): Promise<number> {
    if (performance.now() - this.lastStuckScan < this.o.stuckScanMs) return 0;
    this.lastStuckScan = performance.now();
    let n = 0;
    for (const round of await this.o.repo.posting.stale(this.o.clock.now())) {
      if (this.deliveries.has(round.id)) continue;
      try {
        if (await this.resume(round.id)) n += 1;
      } catch (err) {
        this.o.log.error({ err, round: round.id }, "could not resume a round left in 'posting'");
      }
    }
    return n;
  }

  /**
   * A failed round whose message turned up in the channel after all (a post that timed out, or
   * one still on its way at shutdown): opened instead of posting another. False when not found.
   */
  async adopt(round: QuizRound, closesAt: (postedAt: Date) => Date): Promise<boolean> {
    if (round.status !== "failed") return false;
    const ref = await this.lookFor(round);
    if (!ref) return false;
    const now = this.o.clock.now();
    return this.o.repo.posting.revive(round.id, { messageRef: ref, postedAt: now, closesAt: closesAt(now) });
  }

  async deliver(round: QuizRound, closesAt: (postedAt: Date) => Date, resumed: boolean): Promise<QuizRound> {
    const done = this.send(round, closesAt, resumed);
    this.deliveries.set(round.id, { round, done: done.catch(() => undefined) });
    try {
      return await done;
    } finally {
      this.deliveries.delete(round.id);
    }
  }

  private async send(round: QuizRound, closesAt: (postedAt: Date) => Date, resumed: boolean): Promise<QuizRound> {
    const posting = this.o.repo.posting;
    const renew = setInterval(() => {
      const until = new Date(this.o.clock.now().getTime() + this.o.leaseMs);
      posting.renew(round.id, this.o.owner, until).catch((err: unknown) => {
        this.o.log.warn({ err, round: round.id }, "could not renew the round's lease");
      });
    }, this.o.leaseMs / 3);
    renew.unref();
    const tag = roundTag(round.id);
    try {
      // Resumed: the process before may have posted it just before it stopped.
      let ref = resumed ? await this.lookFor(round) : null;
      if (ref) this.o.log.info({ round: round.id }, "the round's message was already in the channel");
      else ref = await this.o.poster.post(round, questionReply(this.o.view(round), 0), { tag });
      const postedAt = this.o.clock.now();
      await posting.posted(round.id, { messageRef: ref, postedAt, closesAt: closesAt(postedAt) });
      this.o.telemetry?.quizPost("posted");
      this.o.log.info({ round: round.id, channel: round.channelId, resumed }, "quiz round posted");
      return { ...round, messageRef: ref, postedAt, closesAt: closesAt(postedAt), status: "open" as const };
    } catch (err) {
      this.o.telemetry?.quizPost("failed");
      await posting.fail(round.id, this.o.owner);
      throw err;
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * The round's message if it is in the channel. Where the platform cannot look (or the look
   * fails), null: the caller posts it, and the message may then appear twice (at least once).
   */
  private async lookFor(round: QuizRound): Promise<string | null> {
    if (!this.o.poster.find) return null;
    try {
      return await this.o.poster.find(round, roundTag(round.id), round.postedAt);
    } catch (err) {
      this.o.log.warn({ err, round: round.id }, "could not look for the round's message; posting it");
      return null;
    }
  }

  /**
   * At shutdown: waits up to waitMs for messages being sent (and the other work given). A message
   * still on its way then is looked for in the channel: found, its round opens; not found, the
   * round fails (its scheduled occurrence is posted again by the next process, which first looks
   * for this message once more); when the channel cannot be checked, the round is left to the next
   * process at once. Either way no round stays in 'posting' under this process's lease.
   */
  async stop(waitMs: number, findMs: number, other: Promise<unknown>[]): Promise<void> {
    const all = [...this.deliveries.values()].map((d) => d.done).concat(other);
    await Promise.race([Promise.allSettled(all), sleep(waitMs)]);
    const posting = this.o.repo.posting;
    for (const { round } of this.deliveries.values()) {
      const ctx = { round: round.id, channel: round.channelId };
      try {
        const find = this.o.poster.find;
        const ref = find
          ? await Promise.race([find.call(this.o.poster, round, roundTag(round.id), round.postedAt), sleep(findMs)])
          : undefined;
        const duration = round.closesAt.getTime() - round.postedAt.getTime();
        const now = this.o.clock.now();
        if (typeof ref === "string") {
          await posting.posted(round.id, {
            messageRef: ref,
            postedAt: now,
            closesAt: new Date(now.getTime() + duration),
          });
          this.o.log.warn(ctx, "shutdown: the round's message was out; the round is open");
        } else if (ref === null) {
          await posting.fail(round.id, this.o.owner);
          this.o.log.warn(ctx, "shutdown: the round's message did not go out; the round failed");
        } else {
          await posting.release(round.id, this.o.owner);
          this.o.log.warn(ctx, "shutdown: could not check the channel; the round is left to the next process");
        }
      } catch (err) {
        this.o.log.error({ ...ctx, err }, "shutdown: could not settle the round being posted");
      }
    }
  }
}
