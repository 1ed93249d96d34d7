import type { Platform } from "../platform.ts";
import type { Reply } from "../reply.ts";

/** Where a quiz runs; points, streaks and the one-round-at-a-time rule are per channel. */
export interface QuizChannel {
  platform: Platform;
  workspaceId: string;
  channelId: string;
}

export interface QuizSchedule extends QuizChannel {
  /** Local time of day, "HH:MM". */
  time: string;
  /** IANA time zone name. */
  timezone: string;
  /** "daily", "weekdays" or ISO weekday numbers such as "1,3,5". */
  days: string;
  closeAfterMs: number;
  createdBy: string;
  createdAt: Date;
}

/**
 * posting: claimed, the message is being sent; open: answers accepted;
 * closed: revealed and scored; failed: never posted, never counts.
 */
export type QuizRoundStatus = "posting" | "open" | "closed" | "failed";

export interface QuizRound extends QuizChannel {
  id: number;
  /** The scheduled occurrence this round belongs to; null for `quiz now`. */
  scheduleKey: string | null;
  entryId: string;
  questionIndex: number;
  postedBy: string | null;
  postedAt: Date;
  closesAt: Date;
  closedAt: Date | null;
  messageRef: string | null;
  status: QuizRoundStatus;
}

export interface QuizAnswer {
  roundId: number;
  userId: string;
  userName: string;
  choice: number;
  correct: boolean;
  at: Date;
}

/**
 * "already": this user answered before (the first answer is final); "closed": revealed;
 * "withdrawn": never posted properly (failed); "posting": the question is still being posted;
 * "closing": its time is up but the reveal has not happened yet.
 */
export type QuizAnswerResult = "recorded" | "already" | "closed" | "posting" | "closing" | "withdrawn";

/** `open` is the round in flight in that channel (status posting or open). */
export type OpenRoundResult = { ok: true; round: QuizRound } | { ok: false; open: QuizRound };

export interface LeaderboardRow {
  userId: string;
  userName: string;
  points: number;
  /** Competition ranking by points: ties share a rank (1, 1, 3). */
  rank: number;
}

export interface QuizStanding {
  points: number;
  answered: number;
  correct: number;
  /** correct / answered, 0 when nothing was answered. */
  accuracy: number;
  streak: number;
  bestStreak: number;
  /** 1 + the number of users of the channel with more points. */
  rank: number;
}

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
