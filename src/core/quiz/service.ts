import type { Caller } from "../caller.ts";
import type { Clock } from "../clock.ts";
import { UserError } from "../errors.ts";
import type { KnowledgeBase } from "../knowledge/loader.ts";
import type { Logger } from "../logger.ts";
import { notice, type Reply, reply } from "../reply.ts";
import {
  formatDays,
  formatInZone,
  nextOccurrence,
  parseDays,
  parseTime,
  validateTimezone,
} from "../schedule/recurrence.ts";
import type { Telemetry } from "../telemetry.ts";
import { userText } from "../user-text.ts";
import { type BankQuestion, bank, LETTERS, pickQuestion } from "./bank.ts";
import { type CloseRule, RoundDelivery } from "./delivery.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import type { Poster, QuizChannel, QuizRound } from "./model.ts";
import { questionReply, type RoundView } from "./render.ts";
import type { QuizRepo } from "./repo.ts";
import { RoundReveal } from "./reveal.ts";
import { closeTime, daysFromText, daysToText, recurrenceOf } from "./timing.ts";

export { type CloseRule, roundTag } from "./delivery.ts";

const REFUSALS = {
  already: "You already answered this one; your first answer counts.",
  posting: "This question is still being posted; try again in a moment.",
  closing: "This question has closed; the answer is revealed in a moment.",
  withdrawn:
    "This question was withdrawn because it could not be posted properly; a new one comes with the next round.",
  closed: "This question is closed: the answer has been revealed. A new one comes with the next round.",
} as const;

export const DEFAULT_CLOSE_MS = 4 * 3_600_000;

export interface QuizOptions {
  kb: KnowledgeBase;
  repo: QuizRepo;
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

/** A person who answered a question wrong. */
export interface Missed {
  platform: QuizChannel["platform"];
  workspaceId: string;
  userId: string;
}

export type LeaderboardPeriod = "week" | "month" | "all";

export function channelOf(caller: Caller): QuizChannel {
  return { platform: caller.platform, workspaceId: caller.workspaceId, channelId: caller.channelId };
}

/** Rounds of the daily quiz: post, answer, close and reveal. Scheduling lives in jobs.ts. */
export class QuizService {
  private readonly questions: BankQuestion[];
  private readonly owner: string;
  private readonly leaseMs: number;
  private readonly delivery: RoundDelivery;
  private readonly reveals: RoundReveal;
  /** Work started after a reply (answer counts). */
  private readonly background = new Set<Promise<unknown>>();

  constructor(private readonly o: QuizOptions) {
    this.questions = bank(o.kb);
    this.owner = o.owner ?? "local";
    this.leaseMs = o.leaseMs ?? 60_000;
    this.delivery = new RoundDelivery({
      repo: o.repo,
      poster: o.poster,
      clock: o.clock,
      log: o.log,
      telemetry: o.telemetry,
      owner: this.owner,
      leaseMs: this.leaseMs,
      stuckScanMs: o.stuckScanMs ?? 1_000,
      view: (round) => this.view(round),
    });
    this.reveals = new RoundReveal({
      repo: o.repo,
      poster: o.poster,
      clock: o.clock,
      log: o.log,
      owner: this.owner,
      leaseMs: this.leaseMs,
      stuckScanMs: o.stuckScanMs ?? 1_000,
      showNames: o.showNames,
      view: (round) => this.view(round),
      onMissed: o.onMissed,
    });
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
    const quiz = this.o.repo;
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
    const round = await this.delivery.deliver(opened.round, closesAt, false);
    return { ok: true as const, round };
  }

  /** Takes over a round left in 'posting' by a process that stopped renewing it (see RoundDelivery). */
  resume(roundId: number, closesAt?: CloseRule): Promise<boolean> {
    return this.delivery.resume(roundId, closesAt);
  }

  /**
   * Every round left in 'posting' past its lease, resumed, and every closed round whose reveal was
   * left undone past its lease, revealed; returns how many.
   */
  async recoverStuck(): Promise<number> {
    return (await this.delivery.recoverStuck()) + (await this.reveals.resumeStale());
  }

  /** A failed round whose message turned up in the channel after all, opened; false when not found. */
  adopt(round: QuizRound, closesAt: (postedAt: Date) => Date): Promise<boolean> {
    return this.delivery.adopt(round, closesAt);
  }

  /**
   * At shutdown: waits up to waitMs for messages being sent and work started after replies, then
   * settles rounds still being posted (see RoundDelivery.stop).
   */
  async stop(waitMs: number, findMs = 2_000): Promise<void> {
    await this.delivery.stop(waitMs, findMs, [...this.background, ...this.reveals.pending()]);
    await this.reveals.stop();
  }

  /** A click on a choice: the first one counts and is final. */
  async answer(roundId: number, choice: number, caller: Caller): Promise<Reply> {
    const quiz = this.o.repo;
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

  /** Closes a round once (whoever calls first), scores it and shows the reveal (see RoundReveal). */
  close(roundId: number): Promise<boolean> {
    return this.reveals.close(roundId);
  }

  /** `quiz now`: a question in the caller's channel, closing as the channel's schedule says. */
  async now(caller: Caller): Promise<Reply> {
    const ch = channelOf(caller);
    const schedule = await this.o.repo.getSchedule(ch);
    const closesAt = closeTime(this.o.clock.now(), schedule?.closeAfterMs ?? DEFAULT_CLOSE_MS, schedule);
    const zone = schedule?.timezone ?? this.zone;
    const result = await this.post(ch, { postedBy: caller.userId, scheduleKey: null, closesAt });
    if (!result.ok) {
      return notice(
        `There is already a question open in this channel: answer it above. It closes at ${formatInZone(result.open.closesAt, zone)}.`,
      );
    }
    return notice(
      `Quiz question posted. It closes at ${formatInZone(closesAt, zone)}; close it early with \`/docker quiz close\`.`,
    );
  }

  /** `quiz schedule`: a question at a local time on some days (callers check for admins). */
  async schedule(
    caller: Caller,
    o: { time?: string; timezone?: string; days?: string; closeAfter?: string },
  ): Promise<Reply> {
    if (!o.time)
      throw new UserError(
        "bad_time",
        "Give a time: `/docker quiz schedule 09:30 [time zone] [daily|weekdays|mon,wed,fri] [close after 2h]`.",
      );
    const now = this.o.clock.now();
    const time = parseTime(o.time);
    const timezone = validateTimezone(o.timezone ?? this.zone);
    const days = parseDays(o.days ?? "daily");
    const closeAfterMs = o.closeAfter ? parseDuration(o.closeAfter) : DEFAULT_CLOSE_MS;
    await this.o.repo.setSchedule(channelOf(caller), {
      time,
      timezone,
      days: daysToText(days),
      closeAfterMs,
      createdBy: caller.userId,
      at: now,
    });
    const next = nextOccurrence({ time, timezone, days }, now);
    return reply({
      text: `Daily quiz set for this channel: ${time} ${timezone}, ${formatDays(days)}; each question stays open ${formatDuration(closeAfterMs)}.${next ? ` Next question: ${formatInZone(next, timezone)}.` : ""}`,
      visibility: "channel",
    });
  }

  /** `quiz off` (callers check for admins). */
  async unschedule(ch: QuizChannel): Promise<Reply> {
    return (await this.o.repo.removeSchedule(ch))
      ? reply({
          text: "The daily quiz is off for this channel. `/docker quiz schedule 09:30` turns it on again.",
          visibility: "channel",
        })
      : notice("This channel has no quiz schedule. `/docker quiz schedule 09:30 Europe/Berlin` sets one.");
  }

  /** `quiz status`: the schedule, the next post and the open round. */
  async status(ch: QuizChannel): Promise<Reply> {
    const [schedule, open] = await Promise.all([this.o.repo.getSchedule(ch), this.o.repo.openRoundIn(ch)]);
    const lines: string[] = [];
    if (schedule) {
      const next = nextOccurrence(recurrenceOf(schedule), this.o.clock.now());
      lines.push(
        `Schedule: ${schedule.time} ${schedule.timezone}, ${formatDays(daysFromText(schedule.days))}, open ${formatDuration(schedule.closeAfterMs)}.`,
      );
      if (next) lines.push(`Next question: ${formatInZone(next, schedule.timezone)}.`);
    } else {
      lines.push(
        "No schedule in this channel. An admin can set one: `/docker quiz schedule 09:30 Europe/Berlin weekdays`.",
      );
    }
    lines.push(
      open
        ? `Open now: a question that closes at ${formatInZone(open.closesAt, schedule?.timezone ?? this.zone)}.`
        : "No question is open right now: `/docker quiz now` posts one.",
    );
    return notice(lines.join("\n"));
  }

  /** `quiz leaderboard [week|month|all]`. */
  async leaderboard(ch: QuizChannel, period: LeaderboardPeriod): Promise<Reply> {
    const now = this.o.clock.now();
    const since = period === "all" ? null : new Date(now.getTime() - (period === "week" ? 7 : 30) * 86_400_000);
    const rows = await this.o.repo.leaderboard(ch, since, 10);
    const title = { week: "this week", month: "the last 30 days", all: "all time" }[period];
    if (rows.length === 0) return notice(`No points ${title} yet. \`/docker quiz now\` starts a round.`);
    return reply({
      header: `Quiz leaderboard, ${title}`,
      bullets: rows.map(
        (r) => `${r.rank}. ${userText(r.userName)}: ${r.points} ${r.points === 1 ? "point" : "points"}`,
      ),
      visibility: "channel",
    });
  }

  /** `quiz me`: the caller's points, accuracy, streaks and rank in the channel. */
  async me(caller: Caller): Promise<Reply> {
    const me = await this.o.repo.me(channelOf(caller), caller.userId);
    if (!me) return notice("You have not answered a quiz question in this channel yet.");
    return notice(
      `Points: ${me.points} · accuracy ${Math.round(me.accuracy * 100)}% (${me.correct}/${me.answered}) · streak ${me.streak} (best ${me.bestStreak}) · rank ${me.rank}`,
    );
  }

  /** `quiz close`: the poster of the open question, or an admin, reveals it early. */
  async closeEarly(caller: Caller, admin: boolean): Promise<Reply> {
    const open = await this.o.repo.openRoundIn(channelOf(caller));
    if (!open) return notice("No question is open in this channel.");
    if (open.postedBy !== caller.userId && !admin) {
      throw new UserError("not_yours", "Only the person who posted this question (or an admin) can close it early.");
    }
    await this.close(open.id);
    return notice("Closed: the answer is revealed above.");
  }

  private get zone(): string {
    return this.o.timezone ?? "UTC";
  }
}
