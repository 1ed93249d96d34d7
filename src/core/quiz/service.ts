import type { QuizChannel, QuizRound } from "../../store/quiz-store.ts";
import type { Store } from "../../store/types.ts";
import type { Clock } from "../clock.ts";
import type { Caller } from "../command.ts";
import { UserError } from "../errors.ts";
import type { KnowledgeBase } from "../knowledge/loader.ts";
import type { Logger } from "../logger.ts";
import { notice, type Reply } from "../reply.ts";
import type { Telemetry } from "../telemetry.ts";
import { type BankQuestion, bank, LETTERS, pickQuestion } from "./bank.ts";
import { questionReply, type RoundView, revealReply } from "./render.ts";

const REFUSALS = {
  already: "You already answered this one; your first answer counts.",
  posting: "This question is still being posted; try again in a moment.",
  closing: "This question has closed; the answer is revealed in a moment.",
  withdrawn:
    "This question was withdrawn because it could not be posted properly; a new one comes with the next round.",
  closed: "This question is closed: the answer has been revealed. A new one comes with the next round.",
} as const;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** How a quiz message reaches a channel; each adapter implements it for its platform. */
export interface Poster {
  /**
   * Posts a message in the channel; returns a reference for later edits. `tag` marks the message
   * (Slack message metadata) so that `find` can recognise it later.
   */
  post(ch: QuizChannel, reply: Reply, o?: { tag?: string }): Promise<string | null>;
  /**
   * Looks among the channel's messages since `since` for one posted with `tag`: its reference, or
   * null when there is none. Throws when it cannot tell. Absent where the platform cannot look.
   */
  find?(ch: QuizChannel, tag: string, since: Date): Promise<string | null>;
  /** Replaces a posted message (answer counts, the reveal). */
  update(ch: QuizChannel, messageRef: string | null, reply: Reply): Promise<void>;
}

export const DEFAULT_CLOSE_MS = 4 * 3_600_000;

export interface QuizOptions {
  kb: KnowledgeBase;
  store: Store;
  clock: Clock;
  log: Logger;
  poster: Poster;
  /** Show who got it right by name in the reveal. */
  showNames: boolean;
  telemetry?: Telemetry;
  /** The time zone closing times are shown in (DOCKHAND_TIMEZONE; default UTC). */
  timezone?: string;
  /** Names this process on the rounds it posts (see the posting lease); default "local". */
  owner?: string;
  /** How long a round being posted stays this process's without renewal; default 60 s. */
  leaseMs?: number;
  /** At most one look for rounds left in 'posting' per this much real time; default 1 s. */
  stuckScanMs?: number;
  /** Told of each wrong answer once a round closes (the question joins that person's reviews). */
  onMissed?: (who: Missed, ref: { entryId: string; question: number }) => Promise<void>;
}

/** When a round closes, given when its message actually went out. */
export type CloseRule = Date | ((postedAt: Date) => Date);

/** The tag a round's message carries, so that a process resuming the round can find it. */
export function roundTag(roundId: number): string {
  return `dockhand-round-${roundId}`;
}

/** A person who answered a question wrong. */
export interface Missed {
  platform: QuizChannel["platform"];
  workspaceId: string;
  userId: string;
}

export function channelOf(caller: Caller): QuizChannel {
  return { platform: caller.platform, workspaceId: caller.workspaceId, channelId: caller.channelId };
}

/** Rounds of the daily quiz: post, answer, close and reveal. Scheduling lives in jobs.ts. */
export class QuizService {
  private readonly questions: BankQuestion[];
  private readonly owner: string;
  private readonly leaseMs: number;
  /** Rounds whose message is being sent by this process, and other work started after a reply. */
  private readonly deliveries = new Map<number, { round: QuizRound; done: Promise<unknown> }>();
  private readonly background = new Set<Promise<unknown>>();
  private lastStuckScan = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: QuizOptions) {
    this.questions = bank(o.kb);
    this.owner = o.owner ?? "local";
    this.leaseMs = o.leaseMs ?? 60_000;
  }

  private view(round: QuizRound): RoundView {
    const entry = this.o.kb.byId.get(round.entryId);
    if (!entry?.quiz[round.questionIndex])
      throw new Error(`round ${round.id}: question ${round.entryId}#${round.questionIndex} is gone`);
    return {
      id: round.id,
      entry,
      index: round.questionIndex,
      closesAt: round.closesAt,
      ...(this.o.timezone ? { timezone: this.o.timezone } : {}),
    };
  }

  /**
   * Opens and posts a round. When the channel already has one open, returns it instead. When the
   * post fails the round is marked failed (it never counts) and the error is rethrown for retries.
   * The close time counts from when the message actually went out.
   */
  async post(ch: QuizChannel, opts: { postedBy: string | null; scheduleKey: string | null; closesAt: CloseRule }) {
    const quiz = this.o.store.quiz;
    const [uses, misses] = await Promise.all([quiz.questionUses(ch), quiz.missCounts(ch)]);
    const rounds = [...uses.values()].reduce((a, b) => a + b, 0);
    const q = pickQuestion(this.questions, uses, misses, `${ch.platform}:${ch.channelId}:${rounds}`);
    if (!q) throw new UserError("quiz_empty", "The knowledge packs have no quiz questions.");
    const now = this.o.clock.now();
    const closesAt = typeof opts.closesAt === "function" ? opts.closesAt : () => opts.closesAt as Date;
    const opened = await quiz.openRound(ch, {
      entryId: q.entryId,
      questionIndex: q.index,
      postedBy: opts.postedBy,
      scheduleKey: opts.scheduleKey,
      postedAt: now,
      closesAt: closesAt(now),
      owner: this.owner,
      leaseUntil: new Date(now.getTime() + this.leaseMs),
    });
    if (!opened.ok) return opened;
    const round = await this.deliver(opened.round, closesAt, false);
    return { ok: true as const, round };
  }

  /**
   * Takes over a round left in 'posting' by a process that stopped renewing it, and finishes it:
   * the message is looked for in the channel first (it may have gone out just before that process
   * died) and posted only when it is not there. False when another process holds the round.
   */
  async resume(roundId: number, closesAt?: CloseRule): Promise<boolean> {
    const round = await this.o.store.quiz.posting.take(roundId, this.owner, this.o.clock.now(), this.leaseMs);
    if (!round) return false;
    const duration = round.closesAt.getTime() - round.postedAt.getTime();
    const rule = closesAt ?? ((at: Date) => new Date(at.getTime() + duration));
    this.o.log.warn({ round: round.id, channel: round.channelId }, "resuming a round left in 'posting'");
    await this.deliver(round, typeof rule === "function" ? rule : () => rule, true);
    return true;
  }

  /**
   * Every round left in 'posting' past its lease, resumed; returns how many. Errors are logged.
   * Looks at most once a second of real time (a query each time).
   */
  async recoverStuck(): Promise<number> {
    if (performance.now() - this.lastStuckScan < (this.o.stuckScanMs ?? 1_000)) return 0;
    this.lastStuckScan = performance.now();
    let n = 0;
    for (const round of await this.o.store.quiz.posting.stale(this.o.clock.now())) {
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
    return this.o.store.quiz.posting.revive(round.id, { messageRef: ref, postedAt: now, closesAt: closesAt(now) });
  }

  private async deliver(round: QuizRound, closesAt: (postedAt: Date) => Date, resumed: boolean) {
    const done = this.send(round, closesAt, resumed);
    this.deliveries.set(round.id, { round, done: done.catch(() => undefined) });
    try {
      return await done;
    } finally {
      this.deliveries.delete(round.id);
    }
  }

  private async send(round: QuizRound, closesAt: (postedAt: Date) => Date, resumed: boolean): Promise<QuizRound> {
    const posting = this.o.store.quiz.posting;
    const renew = setInterval(() => {
      const until = new Date(this.o.clock.now().getTime() + this.leaseMs);
      posting.renew(round.id, this.owner, until).catch((err: unknown) => {
        this.o.log.warn({ err, round: round.id }, "could not renew the round's lease");
      });
    }, this.leaseMs / 3);
    renew.unref();
    const tag = roundTag(round.id);
    try {
      // Resumed: the process before may have posted it just before it stopped.
      let ref = resumed ? await this.lookFor(round) : null;
      if (ref) this.o.log.info({ round: round.id }, "the round's message was already in the channel");
      else ref = await this.o.poster.post(round, questionReply(this.view(round), 0), { tag });
      const postedAt = this.o.clock.now();
      await posting.posted(round.id, { messageRef: ref, postedAt, closesAt: closesAt(postedAt) });
      this.o.telemetry?.quizPost("posted");
      this.o.log.info({ round: round.id, channel: round.channelId, resumed }, "quiz round posted");
      return { ...round, messageRef: ref, postedAt, closesAt: closesAt(postedAt), status: "open" as const };
    } catch (err) {
      this.o.telemetry?.quizPost("failed");
      await posting.fail(round.id, this.owner);
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
   * At shutdown: waits up to waitMs for messages being sent and for work started after replies.
   * A message still on its way then is looked for in the channel: found, its round opens; not
   * found, the round fails (its scheduled occurrence is posted again by the next process, which
   * first looks for this message once more); when the channel cannot be checked, the round is left
   * to the next process at once. Either way no round stays in 'posting' under this process's lease.
   */
  async stop(waitMs: number, findMs = 2_000): Promise<void> {
    const all = [...this.deliveries.values()].map((d) => d.done).concat([...this.background]);
    await Promise.race([Promise.allSettled(all), sleep(waitMs)]);
    const posting = this.o.store.quiz.posting;
    for (const { round } of this.deliveries.values()) {
      const ctx = { round: round.id, channel: round.channelId };
      try {
        const find = this.o.poster.find;
        const ref = find
          ? await Promise.race([find(round, roundTag(round.id), round.postedAt), sleep(findMs)])
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
          await posting.fail(round.id, this.owner);
          this.o.log.warn(ctx, "shutdown: the round's message did not go out; the round failed");
        } else {
          await posting.release(round.id, this.owner);
          this.o.log.warn(ctx, "shutdown: could not check the channel; the round is left to the next process");
        }
      } catch (err) {
        this.o.log.error({ ...ctx, err }, "shutdown: could not settle the round being posted");
      }
    }
  }

  /** A click on a choice: the first one counts and is final. */
  async answer(roundId: number, choice: number, caller: Caller): Promise<Reply> {
    const quiz = this.o.store.quiz;
    const round = await quiz.getRound(roundId);
    if (!round || round.platform !== caller.platform || round.channelId !== caller.channelId) {
      return notice("This quiz question has expired.");
    }
    const view = this.view(round);
    const q = view.entry.quiz[view.index];
    if (!q || choice >= q.choices.length) return notice("This quiz question has expired.");
    const result = await quiz.answer(roundId, {
      userId: caller.userId,
      userName: caller.userName,
      choice,
      correct: choice === q.answer,
      at: this.o.clock.now(),
    });
    if (result !== "recorded") return notice(REFUSALS[result]);
    // The answer is stored; the count on the message is cosmetic and follows after the reply.
    this.later(async () => {
      const { total } = await quiz.answerCounts(roundId, q.choices.length);
      await this.o.poster.update(channelOf(caller), round.messageRef, questionReply(view, total));
    }, "could not update the answer count");
    return notice(`Locked in: ${LETTERS[choice]}. The answer is revealed when the question closes.`);
  }

  /** Resolves once the work started after replies (answer counts) has finished. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private later(work: () => Promise<void>, failure: string): void {
    const p: Promise<void> = work()
      .catch((err: unknown) => this.o.log.warn({ err }, failure))
      .finally(() => this.background.delete(p));
    this.background.add(p);
  }

  /** Closes a round once (whoever calls first), scores it and shows the reveal. */
  async close(roundId: number): Promise<boolean> {
    const closed = await this.o.store.quiz.closeRound(roundId, this.o.clock.now());
    if (!closed) return false;
    const view = this.view(closed.round);
    await this.o.poster.update(
      closed.round,
      closed.round.messageRef,
      revealReply(view, closed.answers, this.o.showNames),
    );
    this.o.log.info({ round: roundId, answers: closed.answers.length }, "quiz round closed");
    const ref = { entryId: closed.round.entryId, question: closed.round.questionIndex };
    for (const a of closed.answers.filter((x) => !x.correct))
      await this.o.onMissed?.(
        { platform: closed.round.platform, workspaceId: closed.round.workspaceId, userId: a.userId },
        ref,
      );
    return true;
  }
}
