import type { Kysely } from "kysely";
import type { ClaimStore } from "./claims.ts";
import type { OnboardingStore } from "./onboarding-store.ts";
import type { QuizStore } from "./quiz-store.ts";
import type { ReviewStore } from "./reviews.ts";
import type { Database } from "./schema.ts";

export type Platform = "slack" | "discord" | "console";
export type Outcome = "answer" | "comparison" | "suggestions" | "none";

/** One question as asked, and how the bot answered it. */
export interface QueryRecord {
  platform: Platform;
  workspaceId: string;
  channelId: string;
  userId: string;
  /** The original wording. */
  query: string;
  /** The grouping key for the gap report. */
  normalized: string;
  outcome: Outcome;
  confident: boolean;
  entryId: string | null;
  at: Date;
}

/** One line of the knowledge-gap report; counts cover only the gap queries. */
export interface GapRow {
  /** The most recent original wording in the group. */
  query: string;
  /** Gap queries in the group (unanswered or down-voted). */
  asked: number;
  /** Of those, how many got no confident answer. */
  unanswered: number;
  /** Down-votes on those queries. */
  downvotes: number;
  lastAsked: Date;
}

/** "unknown": no stored query has that id (a forged or very old button). */
export type FeedbackResult = "recorded" | "changed" | "unchanged" | "unknown";

/** The persistence boundary; one implementation works on SQLite and PostgreSQL. */
export interface Store {
  readonly dialect: "sqlite" | "postgres";
  /** Answers when the database does (used by health checks). */
  ping(): Promise<void>;
  /** Throws a message saying what to fix when the database cannot be written (checked at open). */
  assertWritable(): Promise<void>;
  /**
   * For /healthz: the database reads and writes (a write is probed every few seconds), and for
   * SQLite the path still names the file that is open.
   */
  health(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
  /** Records an asked question; returns its id (used to attach feedback). */
  recordQuery(q: QueryRecord): Promise<number>;
  /** One vote per user per query id; a second vote by the same user replaces the first. */
  recordFeedback(f: { queryId: number; userId: string; vote: 1 | -1; at: Date }): Promise<FeedbackResult>;
  /**
   * Queries asked since `since` that got no confident answer or at least one
   * down-vote, grouped by `normalized`, most asked first, then most recent.
   */
  gaps(since: Date, limit: number): Promise<GapRow[]>;
  /** Anti-spam: the latest public post of entryId in this channel at or after `since`, if any. */
  recentPost(p: {
    platform: Platform;
    workspaceId: string;
    channelId: string;
    entryId: string;
    since: Date;
  }): Promise<{ messageRef: string | null; at: Date } | undefined>;
  recordPost(p: {
    platform: Platform;
    workspaceId: string;
    channelId: string;
    entryId: string;
    messageRef: string | null;
    at: Date;
  }): Promise<void>;
  /** Dedupe of retried deliveries: true the first time an event id is seen, false afterwards (atomic). */
  claimEvent(p: { platform: Platform; eventId: string; at: Date }): Promise<boolean>;
  /** Deletes processed event ids seen before `before`; returns how many. */
  pruneEvents(before: Date): Promise<number>;
  /** A claim taken and finished at once: true for one caller per (kind, key), across processes. */
  claimOnce(p: { kind: string; key: string; owner: string; at: Date }): Promise<boolean>;
  /** Leased claims of scheduled work: taken, renewed, finished, taken over when their holder died. */
  readonly claims: ClaimStore;
  /** Runs fn in one transaction (for later features). */
  transaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /** The underlying kysely instance, for feature repositories added later. */
  readonly db: Kysely<Database>;
  /** The daily quiz: schedules, rounds, answers and scores. */
  readonly quiz: QuizStore;
  /** Team onboarding: enrolments, step progress, checkpoints and undeliverable DMs. */
  readonly onboarding: OnboardingStore;
  /** Personal spaced-repetition reviews: cards, history and daily nudges. */
  readonly reviews: ReviewStore;
}
