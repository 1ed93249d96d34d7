import type { Generated } from "kysely";

/**
 * Table shapes as kysely sees them. Timestamps are epoch milliseconds
 * (`bigint` in PostgreSQL, `integer` in SQLite; both read back as JS numbers)
 * and booleans are stored as 0/1 so one schema serves both dialects.
 */
export interface Database {
  queries: QueriesTable;
  query_feedback: QueryFeedbackTable;
  posts: PostsTable;
  processed_events: ProcessedEventsTable;
  claims: ClaimsTable;
  quiz_schedules: QuizSchedulesTable;
  quiz_rounds: QuizRoundsTable;
  quiz_answers: QuizAnswersTable;
  quiz_scores: QuizScoresTable;
}

/** Every question asked, with how the bot answered it. */
export interface QueriesTable {
  id: Generated<number>;
  platform: string;
  workspace_id: string;
  channel_id: string;
  user_id: string;
  query: string;
  normalized: string;
  outcome: string;
  /** 1 when the answer was confident, else 0. */
  confident: number;
  entry_id: string | null;
  at: number;
}

/** One vote per (query, user); primary key (query_id, user_id). */
export interface QueryFeedbackTable {
  query_id: number;
  user_id: string;
  /** 1 or -1. */
  vote: number;
  at: number;
}

/** Public posts of knowledge entries, for the anti-spam window. */
export interface PostsTable {
  id: Generated<number>;
  platform: string;
  workspace_id: string;
  channel_id: string;
  entry_id: string;
  message_ref: string | null;
  at: number;
}

/** Platform event ids already handled; primary key (platform, event_id). */
export interface ProcessedEventsTable {
  platform: string;
  event_id: string;
  at: number;
}

/** Exactly-once claims; primary key (kind, key). */
export interface ClaimsTable {
  kind: string;
  key: string;
  owner: string;
  at: number;
}

/** One daily-quiz schedule per channel; primary key (platform, workspace_id, channel_id). */
export interface QuizSchedulesTable {
  platform: string;
  workspace_id: string;
  channel_id: string;
  /** Local time of day, "HH:MM". */
  time: string;
  /** IANA time zone name. */
  timezone: string;
  /** "daily", "weekdays" or ISO weekday numbers such as "1,3,5". */
  days: string;
  close_after_ms: number;
  created_by: string;
  created_at: number;
}

/**
 * Quiz rounds. At most one row per channel has status 'posting' or 'open'
 * (a partial unique index); ids are never reused.
 */
export interface QuizRoundsTable {
  id: Generated<number>;
  platform: string;
  workspace_id: string;
  channel_id: string;
  /** The scheduled occurrence this round was posted for; null for `quiz now`. */
  schedule_key: string | null;
  entry_id: string;
  question_index: number;
  posted_by: string | null;
  posted_at: number;
  closes_at: number;
  closed_at: number | null;
  message_ref: string | null;
  /** 'posting' | 'open' | 'closed' | 'failed'. */
  status: string;
}

/** A user's first answer in a round is final; primary key (round_id, user_id). */
export interface QuizAnswersTable {
  round_id: number;
  user_id: string;
  user_name: string;
  choice: number;
  /** 1 when the choice was right, else 0. */
  correct: number;
  at: number;
}

/** Points and streaks per channel; primary key (platform, workspace_id, channel_id, user_id). */
export interface QuizScoresTable {
  platform: string;
  workspace_id: string;
  channel_id: string;
  user_id: string;
  user_name: string;
  points: number;
  answered: number;
  correct: number;
  streak: number;
  best_streak: number;
  updated_at: number;
}
