import type { Generated } from "kysely";
import type { ReviewTables } from "./reviews-schema.ts";

/**
 * Table shapes as kysely sees them. Timestamps are epoch milliseconds
 * (`bigint` in PostgreSQL, `integer` in SQLite; both read back as JS numbers)
 * and booleans are stored as 0/1 so one schema serves both dialects.
 */
export interface Database extends ReviewTables {
  queries: QueriesTable;
  query_feedback: QueryFeedbackTable;
  posts: PostsTable;
  processed_events: ProcessedEventsTable;
  claims: ClaimsTable;
  quiz_schedules: QuizSchedulesTable;
  quiz_rounds: QuizRoundsTable;
  quiz_answers: QuizAnswersTable;
  quiz_scores: QuizScoresTable;
  onboard_enrolments: OnboardEnrolmentsTable;
  onboard_steps: OnboardStepsTable;
  onboard_dm_failures: OnboardDmFailuresTable;
  store_probe: StoreProbeTable;
  send_slots: { name: string; next_at: number };
}

/** One row that health checks write, to know that writes still work. */
export interface StoreProbeTable {
  id: number;
  at: number;
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

/** Leased claims of scheduled work; primary key (kind, key). */
export interface ClaimsTable {
  kind: string;
  key: string;
  owner: string;
  /** When the claim was first taken. */
  at: number;
  /** The owner holds the claim until then; an unfinished claim past it may be taken over. */
  lease_until: number | null;
  /** Set when the work is finished (or given up); a finished claim is never taken again. */
  done_at: number | null;
  result: string | null;
  /** 1 for the first claim, +1 for each takeover. */
  attempts: Generated<number>;
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
  /** While 'posting': the process sending the message, and until when it holds the round. */
  owner: Generated<string | null>;
  lease_until: Generated<number | null>;
  /** When the reveal reached the round's message; null while a closed round awaits its reveal. */
  revealed_at: Generated<number | null>;
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

/**
 * One onboarding enrolment per member; primary key (platform, workspace_id,
 * user_id). A drip pace requires drip_time and drip_timezone (a check).
 */
export interface OnboardEnrolmentsTable {
  platform: string;
  workspace_id: string;
  user_id: string;
  user_name: string;
  track_id: string;
  /** Index of the current step, 0-based. */
  step: number;
  /** 'active' | 'paused' | 'stopped' | 'finished'. */
  status: string;
  /** 'self' | 'drip'. */
  pace: string;
  /** Local time of day of the drip, "HH:MM". */
  drip_time: string | null;
  /** IANA time zone name of the drip. */
  drip_timezone: string | null;
  /** When the pace was last chosen: a drip starts with the first occurrence after it. */
  pace_set_at: number | null;
  started_at: number;
  last_activity_at: number;
  finished_at: number | null;
}

/** A step of a member's track; primary key (platform, workspace_id, user_id, track_id, step). */
export interface OnboardStepsTable {
  platform: string;
  workspace_id: string;
  user_id: string;
  track_id: string;
  step: number;
  delivered_at: number;
  done_at: number | null;
  quiz_attempts: Generated<number>;
  /** 1 once a checkpoint answer was right, else 0. */
  quiz_passed: Generated<number>;
  /** 1 when the very first checkpoint answer was right, else 0. */
  passed_first_try: Generated<number>;
}

/**
 * Direct messages that could not be delivered. At most one row per member has
 * notified = 1 (a partial unique index): the in-channel fallback is sent once.
 */
export interface OnboardDmFailuresTable {
  id: Generated<number>;
  platform: string;
  workspace_id: string;
  user_id: string;
  reason: string;
  at: number;
  notified: number;
}
