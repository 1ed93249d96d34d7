import { type Kysely, sql } from "kysely";
import { ClaimStore } from "./claims.ts";
import { type StoreCheck, StoreProbe } from "./health.ts";
import { OnboardingStore } from "./onboarding-store.ts";
import { QuizStore } from "./quiz-store.ts";
import { ReviewStore } from "./reviews.ts";
import type { Database } from "./schema.ts";
import type { FeedbackResult, GapRow, Platform, QueryRecord, Store } from "./types.ts";

/** The Store over kysely; every method is a single statement or a transaction, so it is committed when it resolves. */
export class KyselyStore implements Store {
  #closing: Promise<void> | undefined;
  readonly quiz: QuizStore;
  readonly onboarding: OnboardingStore;
  readonly claims: ClaimStore;
  readonly reviews: ReviewStore;

  readonly #probe: StoreProbe;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: "sqlite" | "postgres",
    /** The SQLite file, so that health checks notice it being deleted or replaced. */
    file?: string,
  ) {
    this.quiz = new QuizStore(db, dialect);
    this.onboarding = new OnboardingStore(db, dialect);
    this.claims = new ClaimStore(db);
    this.reviews = new ReviewStore(db, dialect);
    this.#probe = new StoreProbe(db, file);
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

  close(): Promise<void> {
    this.#closing ??= this.db.destroy();
    return this.#closing;
  }

  async recordQuery(q: QueryRecord): Promise<number> {
    if (this.dialect === "sqlite") {
      // The question log feeds the gap report; it is not worth an fsync on every question, which
      // made it the largest cost of an answer. With WAL, NORMAL still survives the process dying
      // (only a power cut can lose the last few records). Holding the one connection keeps the
      // lighter setting from reaching any other statement.
      return this.db.connection().execute(async (conn) => {
        await sql`pragma synchronous = NORMAL`.execute(conn);
        try {
          return await this.insertQuery(conn, q);
        } finally {
          await sql`pragma synchronous = FULL`.execute(conn);
        }
      });
    }
    return this.insertQuery(this.db, q);
  }

  private async insertQuery(db: Kysely<Database>, q: QueryRecord): Promise<number> {
    const row = await db
      .insertInto("queries")
      .values({
        platform: q.platform,
        workspace_id: q.workspaceId,
        channel_id: q.channelId,
        user_id: q.userId,
        query: q.query,
        normalized: q.normalized,
        outcome: q.outcome,
        confident: q.confident ? 1 : 0,
        entry_id: q.entryId,
        at: ms(q.at, "at"),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async recordFeedback(f: { queryId: number; userId: string; vote: 1 | -1; at: Date }): Promise<FeedbackResult> {
    const at = ms(f.at, "at");
    // Insert-or-nothing, then change-if-different: each statement is atomic,
    // so concurrent votes by one user never produce two rows or a lost answer.
    let inserted: bigint;
    try {
      const result = await this.db
        .insertInto("query_feedback")
        .values({ query_id: f.queryId, user_id: f.userId, vote: f.vote, at })
        .onConflict((oc) => oc.columns(["query_id", "user_id"]).doNothing())
        .executeTakeFirst();
      inserted = result.numInsertedOrUpdatedRows ?? 0n;
    } catch (err) {
      if (isForeignKeyViolation(err)) return "unknown";
      throw err;
    }
    if (inserted > 0n) return "recorded";
    const updated = await this.db
      .updateTable("query_feedback")
      .set({ vote: f.vote, at })
      .where("query_id", "=", f.queryId)
      .where("user_id", "=", f.userId)
      .where("vote", "<>", f.vote)
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n ? "changed" : "unchanged";
  }

  async gaps(since: Date, limit: number): Promise<GapRow[]> {
    if (!Number.isInteger(limit) || limit <= 0) return [];
    const rows = await this.db
      .with("downvoted", (db) =>
        db
          .selectFrom("query_feedback")
          .select((eb) => ["query_id", eb.fn.countAll().as("n")])
          .where("vote", "=", -1)
          .groupBy("query_id"),
      )
      .with("gap", (db) =>
        db
          .selectFrom("queries as q")
          .leftJoin("downvoted as d", "d.query_id", "q.id")
          .select((eb) => [
            "q.id",
            "q.normalized",
            "q.query",
            "q.at",
            "q.confident",
            eb.fn.coalesce("d.n", sql.lit(0)).as("downvotes"),
          ])
          .where("q.at", ">=", ms(since, "since"))
          .where((eb) => eb.or([eb("q.confident", "=", 0), eb("d.n", ">", 0)])),
      )
      .selectFrom("gap as g")
      .select((eb) => [
        eb.fn.countAll().as("asked"),
        eb.fn.sum(eb.case().when("g.confident", "=", 0).then(sql.lit(1)).else(sql.lit(0)).end()).as("unanswered"),
        eb.fn.sum("g.downvotes").as("downvotes"),
        eb.fn.max("g.at").as("last_asked"),
        eb
          .selectFrom("gap as w")
          .select("w.query")
          .whereRef("w.normalized", "=", "g.normalized")
          .orderBy("w.at", "desc")
          .orderBy("w.id", "desc")
          .limit(1)
          .as("query"),
      ])
      .groupBy("g.normalized")
      .orderBy("asked", "desc")
      .orderBy("last_asked", "desc")
      .orderBy("g.normalized")
      .limit(limit)
      .execute();
    // PostgreSQL returns sum(bigint) as numeric, i.e. a string: normalize here.
    return rows.map((r) => ({
      query: String(r.query),
      asked: Number(r.asked),
      unanswered: Number(r.unanswered),
      downvotes: Number(r.downvotes),
      lastAsked: new Date(Number(r.last_asked)),
    }));
  }

  async recentPost(p: {
    platform: Platform;
    workspaceId: string;
    channelId: string;
    entryId: string;
    since: Date;
  }): Promise<{ messageRef: string | null; at: Date } | undefined> {
    const row = await this.db
      .selectFrom("posts")
      .select(["message_ref", "at"])
      .where("platform", "=", p.platform)
      .where("workspace_id", "=", p.workspaceId)
      .where("channel_id", "=", p.channelId)
      .where("entry_id", "=", p.entryId)
      .where("at", ">=", ms(p.since, "since"))
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    return row && { messageRef: row.message_ref, at: new Date(Number(row.at)) };
  }

  async recordPost(p: {
    platform: Platform;
    workspaceId: string;
    channelId: string;
    entryId: string;
    messageRef: string | null;
    at: Date;
  }): Promise<void> {
    await this.db
      .insertInto("posts")
      .values({
        platform: p.platform,
        workspace_id: p.workspaceId,
        channel_id: p.channelId,
        entry_id: p.entryId,
        message_ref: p.messageRef,
        at: ms(p.at, "at"),
      })
      .execute();
  }

  async claimEvent(p: { platform: Platform; eventId: string; at: Date }): Promise<boolean> {
    const result = await this.db
      .insertInto("processed_events")
      .values({ platform: p.platform, event_id: p.eventId, at: ms(p.at, "at") })
      .onConflict((oc) => oc.columns(["platform", "event_id"]).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async pruneEvents(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom("processed_events")
      .where("at", "<", ms(before, "before"))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async claimOnce(p: { kind: string; key: string; owner: string; at: Date }): Promise<boolean> {
    const result = await this.db
      .insertInto("claims")
      .values({
        kind: p.kind,
        key: p.key,
        owner: p.owner,
        at: ms(p.at, "at"),
        lease_until: ms(p.at, "at"),
        done_at: ms(p.at, "at"),
      })
      .onConflict((oc) => oc.columns(["kind", "key"]).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  transaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }
}

function ms(date: Date, field: string): number {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new TypeError(`Store: ${field} is not a valid Date`);
  return t;
}

/** SQLite and PostgreSQL report a foreign-key violation with different codes. */
function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503";
}
