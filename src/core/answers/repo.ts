import type { FeedbackResult, GapRow, PostPlace, QueryRecord } from "./model.ts";

/** What answering questions needs from storage: the question log, feedback and public posts. */
export interface AnswersRepo {
  /** Records an asked question; returns its id (used to attach feedback). */
  recordQuery(q: QueryRecord): Promise<number>;
  /** One vote per user per query id; a second vote by the same user replaces the first. */
  recordFeedback(f: { queryId: number; userId: string; vote: 1 | -1; at: Date }): Promise<FeedbackResult>;
  /** Unanswered or down-voted queries since `since`, grouped, most asked first, then most recent. */
  gaps(since: Date, limit: number): Promise<GapRow[]>;
  /** The latest public post of the entry in this channel at or after `since`, if any. */
  recentPost(p: PostPlace & { since: Date }): Promise<{ messageRef: string | null; at: Date } | undefined>;
  recordPost(p: PostPlace & { messageRef: string | null; at: Date }): Promise<void>;
}
