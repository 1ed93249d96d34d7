import type {
  LeaderboardRow,
  OpenRoundResult,
  QuizAnswer,
  QuizAnswerResult,
  QuizChannel,
  QuizRound,
  QuizSchedule,
  QuizStanding,
} from "./model.ts";

/**
 * What the quiz needs from storage. Every rule that must hold across processes (one round in
 * flight per channel, a user's first answer is final, a round is closed and scored once) is the
 * implementation's to enforce atomically, never by a read followed by a write.
 */
/**
 * The lease on a round being posted: its opener holds it until the lease runs out and renews it
 * while the message goes out; a round whose lease ran out is taken over by the next process.
 */
export interface QuizPostingRepo {
  /** Takes a round in 'posting' when its lease ran out (or was never set, or is the caller's). */
  take(roundId: number, owner: string, now: Date, leaseMs: number): Promise<QuizRound | undefined>;
  /** Extends the caller's lease; false when the round is no longer the caller's or no longer posting. */
  renew(roundId: number, owner: string, until: Date): Promise<boolean>;
  /** Ends the caller's lease at once, leaving the round to whoever looks next. */
  release(roundId: number, owner: string): Promise<void>;
  /** posting → failed, by the process holding the round. */
  fail(roundId: number, owner: string): Promise<boolean>;
  /** Rounds in 'posting' whose lease ran out by `now`. */
  stale(now: Date): Promise<QuizRound[]>;
  /** The rounds opened for one scheduled occurrence, newest first. */
  forSchedule(scheduleKey: string): Promise<QuizRound[]>;
  /** posting → open once the message is out, with the time it went out and the close time from it. */
  posted(roundId: number, p: { messageRef: string | null; postedAt: Date; closesAt: Date }): Promise<boolean>;
  /** failed → open: a round given up on whose message turned up after all; false when refused. */
  revive(roundId: number, p: { messageRef: string; postedAt: Date; closesAt: Date }): Promise<boolean>;
}

/**
 * The lease on a closed round's reveal: closeRound gives it to the closer, who renews it while the
 * reveal goes out and marks it done; a reveal whose lease ran out undone is taken over.
 */
export interface QuizRevealRepo {
  /** Takes a closed, unrevealed round whose lease ran out (or is the caller's), with its answers. */
  take(
    roundId: number,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<{ round: QuizRound; answers: QuizAnswer[] } | undefined>;
  /** Extends the caller's lease; false when the reveal is done or another process took it. */
  renew(roundId: number, owner: string, until: Date): Promise<boolean>;
  /** Ends the caller's lease at once, leaving the reveal to whoever looks next. */
  release(roundId: number, owner: string): Promise<void>;
  /** The reveal reached the message: never done again. */
  done(roundId: number, at: Date): Promise<void>;
  /** Closed rounds not yet revealed whose lease ran out by `now`. */
  stale(now: Date): Promise<QuizRound[]>;
}

export interface QuizRepo {
  /** The lease on rounds being posted. */
  readonly posting: QuizPostingRepo;
  /** The lease on reveals of closed rounds. */
  readonly reveals: QuizRevealRepo;
  /** Creates or replaces the channel's schedule. */
  setSchedule(
    ch: QuizChannel,
    s: { time: string; timezone: string; days: string; closeAfterMs: number; createdBy: string; at: Date },
  ): Promise<void>;
  /** True when a schedule existed and was removed. */
  removeSchedule(ch: QuizChannel): Promise<boolean>;
  getSchedule(ch: QuizChannel): Promise<QuizSchedule | undefined>;
  /** Every schedule, ordered by platform, workspace and channel. */
  listSchedules(): Promise<QuizSchedule[]>;

  /** Starts a round in status 'posting', or returns the channel's round in flight instead. */
  openRound(
    ch: QuizChannel,
    r: {
      entryId: string;
      questionIndex: number;
      postedBy: string | null;
      scheduleKey: string | null;
      postedAt: Date;
      closesAt: Date;
      /** The process posting it, holding the round until `leaseUntil` (see QuizPostingRepo). */
      owner?: string;
      leaseUntil?: Date;
    },
  ): Promise<OpenRoundResult>;
  /** posting → open, once the message is out; false when the round was not posting. */
  markPosted(roundId: number, messageRef: string | null): Promise<boolean>;
  /** posting → failed: the round was never posted, never counts and frees the channel. */
  markFailed(roundId: number): Promise<boolean>;
  getRound(id: number): Promise<QuizRound | undefined>;
  /** The channel's round in flight (status posting or open), if any. */
  openRoundIn(ch: QuizChannel): Promise<QuizRound | undefined>;
  /** Open rounds whose close time has come, oldest first. */
  dueToClose(now: Date): Promise<QuizRound[]>;

  /** Records a user's first answer while the round is open. */
  answer(
    roundId: number,
    a: { userId: string; userName: string; choice: number; correct: boolean; at: Date },
  ): Promise<QuizAnswerResult>;
  /** Answers per choice index (at least `choices` long) and their total. */
  answerCounts(roundId: number, choices?: number): Promise<{ counts: number[]; total: number }>;
  /** A round's answers, earliest first. */
  answersOf(roundId: number): Promise<QuizAnswer[]>;

  /**
   * Closes an open round and scores it at once; undefined when it was not open. With `reveal`, the
   * closer holds the reveal's lease (see QuizRevealRepo) until then.
   */
  closeRound(
    roundId: number,
    at: Date,
    reveal?: { owner: string; until: Date },
  ): Promise<{ round: QuizRound; answers: QuizAnswer[] } | undefined>;
  /** The channel's best scorers: all-time points (`since` null) or right answers since `since`. */
  leaderboard(ch: QuizChannel, since: Date | null, limit: number): Promise<LeaderboardRow[]>;
  /** The user's standing in the channel, or undefined before their first scored answer. */
  me(ch: QuizChannel, userId: string): Promise<QuizStanding | undefined>;

  /** "entryId#questionIndex" of every question the channel has had (failed rounds excepted). */
  usedQuestions(ch: QuizChannel): Promise<Set<string>>;
  /** "entryId#questionIndex" → how many rounds of the channel used it (failed rounds excepted). */
  questionUses(ch: QuizChannel): Promise<Map<string, number>>;
  /** entryId → wrong answers given in the channel, for entries with at least one. */
  missCounts(ch: QuizChannel): Promise<Map<string, number>>;
}
