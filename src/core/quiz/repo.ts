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
export interface QuizRepo {
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
    },
  ): Promise<OpenRoundResult>;
  /** posting → open, once the message is out; false when the round was not posting. */
  markPosted(roundId: number, messageRef: string | null): Promise<boolean>;
  /** posting → failed: the round was never posted, never counts and frees the channel. */
  markFailed(roundId: number): Promise<boolean>;
  /** Rounds still 'posting' that started before `before` become failed; returns how many. */
  failStalePosting(before: Date): Promise<number>;
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

  /** Closes an open round and scores it at once; undefined when it was not open. */
  closeRound(roundId: number, at: Date): Promise<{ round: QuizRound; answers: QuizAnswer[] } | undefined>;
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
