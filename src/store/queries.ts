import { type Kysely, sql } from "kysely";
import type { FeedbackResult, GapRow, QueryRecord } from "../core/answers/model.ts";
import type { Database } from "./schema.ts";
import { isForeignKeyViolation, ms } from "./shared.ts";

/** The question log and the votes on its answers, and the gap report built from both. */
export class Queries {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: "sqlite" | "postgres",
  ) {}

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
}
