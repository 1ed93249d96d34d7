import type { Clock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import type { Poster, QuizAnswer, QuizChannel, QuizRound } from "./model.ts";
import { type RoundView, revealReply } from "./render.ts";
import type { QuizRepo } from "./repo.ts";

export interface RevealOptions {
  repo: QuizRepo;
  poster: Poster;
  clock: Clock;
  log: Logger;
  owner: string;
  leaseMs: number;
  stuckScanMs: number;
  showNames: boolean;
  view: (round: QuizRound) => RoundView;
  onMissed?:
    | ((
        who: { platform: QuizChannel["platform"]; workspaceId: string; userId: string },
        ref: { entryId: string; question: number },
      ) => Promise<void>)
    | undefined;
}

/**
 * Closing a round and revealing its answer under a lease: closeRound scores the round and hands
 * the reveal's lease to the closer, which renews it while the reveal goes out and marks it done.
 * A reveal whose process died (or failed) before marking it done is taken over by the next process
 * once the lease ran out. The reveal is an edit of the round's message to the same content, so
 * doing it again after a reveal that reached the platform shows nothing twice; the wrong answers'
 * review cards are added once each whatever the number of attempts.
 */
export class RoundReveal {
  private readonly inFlight = new Map<number, Promise<unknown>>();
  private lastScan = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: RevealOptions) {}

  /** Closes a round once (whoever calls first), scores it and shows the reveal. */
  async close(roundId: number): Promise<boolean> {
    const now = this.o.clock.now();
    const until = new Date(now.getTime() + this.o.leaseMs);
    const closed = await this.o.repo.closeRound(roundId, now, { owner: this.o.owner, until });
    if (!closed) return false;
    await this.reveal(closed.round, closed.answers, false);
    return true;
  }

  /**
   * Reveals of closed rounds whose process stopped before finishing them, taken over and done;
   * returns how many. Looks at most once per stuckScanMs of real time. Errors are logged.
   */
  async resumeStale(): Promise<number> {
    if (performance.now() - this.lastScan < this.o.stuckScanMs) return 0;
    this.lastScan = performance.now();
    let n = 0;
    for (const stale of await this.o.repo.reveals.stale(this.o.clock.now())) {
      if (this.inFlight.has(stale.id)) continue;
      try {
        const taken = await this.o.repo.reveals.take(stale.id, this.o.owner, this.o.clock.now(), this.o.leaseMs);
        if (!taken) continue;
        this.o.log.warn({ round: stale.id, channel: stale.channelId }, "revealing a round another process closed");
        await this.reveal(taken.round, taken.answers, true);
        n += 1;
      } catch (err) {
        this.o.log.error({ err, round: stale.id }, "could not reveal a round left unrevealed");
      }
    }
    return n;
  }

  private async reveal(round: QuizRound, answers: QuizAnswer[], resumed: boolean): Promise<void> {
    const work = this.send(round, answers, resumed);
    this.inFlight.set(round.id, work);
    try {
      await work;
    } finally {
      this.inFlight.delete(round.id);
    }
  }

  private async send(round: QuizRound, answers: QuizAnswer[], resumed: boolean): Promise<void> {
    const reveals = this.o.repo.reveals;
    const renew = setInterval(() => {
      const until = new Date(this.o.clock.now().getTime() + this.o.leaseMs);
      reveals.renew(round.id, this.o.owner, until).catch((err: unknown) => {
        this.o.log.warn({ err, round: round.id }, "could not renew the reveal's lease");
      });
    }, this.o.leaseMs / 3);
    renew.unref();
    try {
      // A failure here leaves the lease to run out: the reveal is tried again then (a back-off).
      await this.o.poster.update(round, round.messageRef, revealReply(this.o.view(round), answers, this.o.showNames));
      const ref = { entryId: round.entryId, question: round.questionIndex };
      for (const a of answers.filter((x) => !x.correct))
        await this.o.onMissed?.({ platform: round.platform, workspaceId: round.workspaceId, userId: a.userId }, ref);
      await reveals.done(round.id, this.o.clock.now());
      this.o.log.info({ round: round.id, answers: answers.length, resumed }, "quiz round closed");
    } finally {
      clearInterval(renew);
    }
  }

  /** At shutdown: reveals still in flight are left to the next process at once, not after their lease. */
  async stop(): Promise<void> {
    for (const id of this.inFlight.keys())
      await this.o.repo.reveals.release(id, this.o.owner).catch((err: unknown) => {
        this.o.log.warn({ err, round: id }, "could not hand over a reveal; it is taken over after its lease");
      });
  }

  /** The reveals in flight, for a shutdown that waits for them. */
  pending(): Promise<unknown>[] {
    return [...this.inFlight.values()].map((p) => p.catch(() => undefined));
  }
}
