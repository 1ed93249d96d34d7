import { type Kysely, sql } from "kysely";
import type { FeedbackResult, GapRow, PostPlace, QueryRecord } from "../core/answers/model.ts";
import type { OnboardingRepo } from "../core/onboarding/repo.ts";
import type { Platform } from "../core/platform.ts";
import type { QuizRepo } from "../core/quiz/repo.ts";
import { type ExclusiveLock, LocalLock, PostgresAdvisoryLock } from "./advisory-lock.ts";
import { ClaimStore } from "./claims.ts";
import { Events } from "./events.ts";
import { type StoreCheck, StoreProbe } from "./health.ts";
import { onboardingStore } from "./onboarding-store.ts";
import { POOL_SIZE } from "./postgres.ts";
import { Posts } from "./posts.ts";
import { Queries } from "./queries.ts";
import { quizStore } from "./quiz-store.ts";
import { ReviewStore } from "./reviews.ts";
import type { Database } from "./schema.ts";
import { SendSlots } from "./send-slots.ts";
import type { Store } from "./types.ts";

/**
 * The Store over kysely, made of one class per aggregate; every method is a single statement or a
 * transaction, so it is committed when it resolves.
 */
export class KyselyStore implements Store {
  #closing: Promise<void> | undefined;
  readonly quiz: QuizRepo;
  readonly onboarding: OnboardingRepo;
  readonly claims: ClaimStore;
  readonly reviews: ReviewStore;
  readonly sendSlots: SendSlots | undefined;
  readonly #probe: StoreProbe;
  readonly #queries: Queries;
  readonly #posts: Posts;
  readonly #events: Events;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: "sqlite" | "postgres",
    /** The SQLite file, so that health checks notice it being deleted or replaced. */
    file?: string,
    /** PostgreSQL: the URL locks open their own connections with. */
    private readonly lockUrl?: string,
  ) {
    this.quiz = quizStore(db, dialect);
    this.onboarding = onboardingStore(db, dialect);
    this.claims = new ClaimStore(db);
    this.reviews = new ReviewStore(db, dialect);
    this.sendSlots = dialect === "postgres" ? new SendSlots(db) : undefined;
    this.#probe = new StoreProbe(db, file);
    this.#queries = new Queries(db, dialect);
    this.#posts = new Posts(db);
    this.#events = new Events(db);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  assertWritable(): Promise<void> {
    return this.#probe.assertWritable();
  }

  health(): Promise<StoreCheck> {
    return this.#probe.check();
  }

  exclusiveLock(name: string): ExclusiveLock {
    return this.dialect === "postgres" && this.lockUrl ? new PostgresAdvisoryLock(this.lockUrl, name) : new LocalLock();
  }

  async warm(connections: number): Promise<void> {
    if (this.dialect !== "postgres") return;
    // Asked for all at once, each query takes a connection of its own: the pool opens what it lacks.
    const n = Math.max(0, Math.min(connections, POOL_SIZE));
    await Promise.all(Array.from({ length: n }, () => sql`select 1`.execute(this.db)));
  }

  close(): Promise<void> {
    this.#closing ??= this.db.destroy();
    return this.#closing;
  }

  recordQuery(q: QueryRecord): Promise<number> {
    return this.#queries.recordQuery(q);
  }

  recordFeedback(f: { queryId: number; userId: string; vote: 1 | -1; at: Date }): Promise<FeedbackResult> {
    return this.#queries.recordFeedback(f);
  }

  gaps(since: Date, limit: number): Promise<GapRow[]> {
    return this.#queries.gaps(since, limit);
  }

  recentPost(p: PostPlace & { since: Date }): Promise<{ messageRef: string | null; at: Date } | undefined> {
    return this.#posts.recentPost(p);
  }

  recordPost(p: PostPlace & { messageRef: string | null; at: Date }): Promise<void> {
    return this.#posts.recordPost(p);
  }

  claimEvent(p: { platform: Platform; eventId: string; at: Date }): Promise<boolean> {
    return this.#events.claimEvent(p);
  }

  pruneEvents(before: Date): Promise<number> {
    return this.#events.pruneEvents(before);
  }

  claimOnce(p: { kind: string; key: string; owner: string; at: Date }): Promise<boolean> {
    return this.#events.claimOnce(p);
  }

  transaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }
}
