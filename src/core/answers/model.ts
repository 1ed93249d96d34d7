import type { Platform } from "../platform.ts";

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

/** Where an answer was posted publicly, for the anti-spam rule. */
export interface PostPlace {
  platform: Platform;
  workspaceId: string;
  channelId: string;
  /** The entry id, or the passage id when a section answered. */
  entryId: string;
}
