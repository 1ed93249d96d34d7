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

/** How a quiz message reaches a channel; each adapter implements it for its platform. */
export interface Poster {
  /** Posts a message in the channel; returns a reference for later edits. */
  post(ch: QuizChannel, reply: Reply): Promise<string | null>;
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
  /** Told of each wrong answer once a round closes (the question joins that person's reviews). */
  onMissed?: (who: Missed, ref: { entryId: string; question: number }) => Promise<void>;
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

  constructor(private readonly o: QuizOptions) {
    this.questions = bank(o.kb);
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
   */
  async post(ch: QuizChannel, opts: { postedBy: string | null; scheduleKey: string | null; closesAt: Date }) {
    const quiz = this.o.store.quiz;
    const [uses, misses] = await Promise.all([quiz.questionUses(ch), quiz.missCounts(ch)]);
    const rounds = [...uses.values()].reduce((a, b) => a + b, 0);
    const q = pickQuestion(this.questions, uses, misses, `${ch.platform}:${ch.channelId}:${rounds}`);
    if (!q) throw new UserError("quiz_empty", "The knowledge packs have no quiz questions.");
    const now = this.o.clock.now();
    const opened = await quiz.openRound(ch, {
      entryId: q.entryId,
      questionIndex: q.index,
      postedBy: opts.postedBy,
      scheduleKey: opts.scheduleKey,
      postedAt: now,
      closesAt: opts.closesAt,
    });
    if (!opened.ok) return opened;
    try {
      const ref = await this.o.poster.post(ch, questionReply(this.view(opened.round), 0));
      await quiz.markPosted(opened.round.id, ref);
      this.o.telemetry?.quizPost("posted");
      this.o.log.info({ round: opened.round.id, channel: ch.channelId, question: q.key }, "quiz round posted");
      return { ok: true as const, round: { ...opened.round, messageRef: ref, status: "open" as const } };
    } catch (err) {
      this.o.telemetry?.quizPost("failed");
      await quiz.markFailed(opened.round.id);
      throw err;
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
    if (result === "closed")
      return notice("This question is closed: the answer has been revealed. A new one comes with the next round.");
    if (result === "already") return notice("You already answered this one; your first answer counts.");
    const { total } = await quiz.answerCounts(roundId, q.choices.length);
    try {
      await this.o.poster.update(channelOf(caller), round.messageRef, questionReply(view, total));
    } catch (err) {
      // The answer is stored; a missed count update is cosmetic.
      this.o.log.warn({ err, round: roundId }, "could not update the answer count");
    }
    return notice(`Locked in: ${LETTERS[choice]}. The answer is revealed when the question closes.`);
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
