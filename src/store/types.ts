import type { Kysely } from "kysely";
import type { AnswersRepo } from "../core/answers/repo.ts";
import type { OnboardingRepo } from "../core/onboarding/repo.ts";
import type { Platform } from "../core/platform.ts";
import type { QuizRepo } from "../core/quiz/repo.ts";
import type { ExclusiveLock } from "./advisory-lock.ts";
import type { ClaimStore } from "./claims.ts";
import type { ReviewStore } from "./reviews.ts";
import type { Database } from "./schema.ts";
import type { SendSlots } from "./send-slots.ts";

export type { FeedbackResult, GapRow, Outcome, QueryRecord } from "../core/answers/model.ts";
export type { Platform } from "../core/platform.ts";

/** The persistence boundary; one implementation works on SQLite and PostgreSQL. */
export interface Store extends AnswersRepo {
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
  /**
   * A lock one process holds at a time across every process on this database (PostgreSQL: an
   * advisory lock on a connection of its own; SQLite, one process: always this one's).
   */
  exclusiveLock(name: string): ExclusiveLock;
  /**
   * Opens up to `connections` database connections ahead of a burst of work (PostgreSQL: opening
   * one takes tens of milliseconds, and dozens at once far longer); nothing with SQLite.
   */
  warm(connections: number): Promise<void>;
  /** Send times shared by every process (PostgreSQL); undefined with SQLite, where one process paces itself. */
  readonly sendSlots: SendSlots | undefined;
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
  readonly quiz: QuizRepo;
  /** Team onboarding: enrolments, step progress, checkpoints and undeliverable DMs. */
  readonly onboarding: OnboardingRepo;
  /** Personal spaced-repetition reviews: cards, history and daily nudges. */
  readonly reviews: ReviewStore;
}
