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
