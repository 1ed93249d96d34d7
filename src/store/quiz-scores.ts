import { type Kysely, sql, type Transaction } from "kysely";
import type { LeaderboardRow, QuizAnswer, QuizChannel, QuizRound, QuizStanding } from "../core/quiz/model.ts";
import { answersOf, toRound } from "./quiz-rounds.ts";
import type { Database } from "./schema.ts";
import { channelValues, ms } from "./shared.ts";
import { Transactions } from "./transactions.ts";

/** Error messages name the quiz store, as its callers know it. */
const OWNER = "QuizStore";
/** Rows per multi-row insert, well under SQLite's bound-parameter limit. */
const CHUNK = 500;

/** Closing rounds and the scores they leave: points and streaks per channel, leaderboards, standings. */
export class QuizScores {
  readonly #transactions: Transactions;

  constructor(
    private readonly db: Kysely<Database>,
    dialect: "sqlite" | "postgres",
  ) {
    this.#transactions = new Transactions(db, dialect);
  }

  /**
   * Closes an open round and scores it, in one transaction. Returns undefined
   * when the round is not open (already closed by another caller, never
   * posted, or unknown), so exactly one of several concurrent closers scores.
   *
   * Scoring per channel: a right answer gives a point and extends the streak;
   * a wrong answer ends it; a user with a streak who did not answer loses it.
   */
  async closeRound(
    roundId: number,
    at: Date,
    reveal?: { owner: string; until: Date },
  ): Promise<{ round: QuizRound; answers: QuizAnswer[] } | undefined> {
    const closedAt = ms(at, "at", OWNER);
    return this.#transaction(async (trx) => {
      const row = await trx
        .updateTable("quiz_rounds")
        .set({
          status: "closed",
          closed_at: closedAt,
          ...(reveal ? { owner: reveal.owner, lease_until: reveal.until.getTime() } : {}),
        })
        .where("id", "=", roundId)
        .where("status", "=", "open")
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      const round = toRound(row);
      const answers = await answersOf(trx, roundId);

      await trx
        .updateTable("quiz_scores")
        .set({ streak: 0, updated_at: closedAt })
        .where("platform", "=", round.platform)
        .where("workspace_id", "=", round.workspaceId)
        .where("channel_id", "=", round.channelId)
        .where("streak", ">", 0)
        .where("user_id", "not in", (eb) =>
          eb.selectFrom("quiz_answers").select("quiz_answers.user_id").where("quiz_answers.round_id", "=", roundId),
        )
        .execute();

      for (let i = 0; i < answers.length; i += CHUNK) {
        const rows = answers.slice(i, i + CHUNK).map((a) => {
          const right = a.correct ? 1 : 0;
          return {
            ...channelValues(round),
            user_id: a.userId,
            user_name: a.userName,
            points: right,
            answered: 1,
            correct: right,
            streak: right,
            best_streak: right,
            updated_at: closedAt,
          };
        });
        await trx
          .insertInto("quiz_scores")
          .values(rows)
          .onConflict((oc) =>
            oc.columns(["platform", "workspace_id", "channel_id", "user_id"]).doUpdateSet((eb) => ({
              user_name: eb.ref("excluded.user_name"),
              points: eb("quiz_scores.points", "+", eb.ref("excluded.points")),
              answered: eb("quiz_scores.answered", "+", eb.ref("excluded.answered")),
              correct: eb("quiz_scores.correct", "+", eb.ref("excluded.correct")),
              streak: sql<number>`case when excluded.correct = 1 then quiz_scores.streak + 1 else 0 end`,
              best_streak: sql<number>`case when excluded.correct = 1 and quiz_scores.streak + 1 > quiz_scores.best_streak then quiz_scores.streak + 1 else quiz_scores.best_streak end`,
              updated_at: eb.ref("excluded.updated_at"),
            })),
          )
          .execute();
      }
      return { round, answers };
    });
  }

  /**
   * The channel's best scorers. `since` null: all-time points; otherwise the
   * right answers in closed rounds posted at or after `since`. Users without
   * a point are left out.
   */
  async leaderboard(ch: QuizChannel, since: Date | null, limit: number): Promise<LeaderboardRow[]> {
    if (!Number.isInteger(limit) || limit <= 0) return [];
    let rows: { userId: string; userName: string; points: number }[];
    if (since === null) {
      const found = await this.db
        .selectFrom("quiz_scores")
        .select(["user_id", "user_name", "points"])
        .where("platform", "=", ch.platform)
        .where("workspace_id", "=", ch.workspaceId)
        .where("channel_id", "=", ch.channelId)
        .where("points", ">", 0)
        .orderBy("points", "desc")
        .orderBy("user_id")
        .limit(limit)
        .execute();
      rows = found.map((r) => ({ userId: r.user_id, userName: r.user_name, points: Number(r.points) }));
    } else {
      const found = await this.db
        .selectFrom("quiz_answers as a")
        .innerJoin("quiz_rounds as r", "r.id", "a.round_id")
        .leftJoin("quiz_scores as s", (join) =>
          join
            .onRef("s.platform", "=", "r.platform")
            .onRef("s.workspace_id", "=", "r.workspace_id")
            .onRef("s.channel_id", "=", "r.channel_id")
            .onRef("s.user_id", "=", "a.user_id"),
        )
        .select((eb) => [
          "a.user_id",
          eb.fn.countAll().as("points"),
          eb.fn.max("a.user_name").as("answer_name"),
          eb.fn.max("s.user_name").as("score_name"),
        ])
        .where("r.platform", "=", ch.platform)
        .where("r.workspace_id", "=", ch.workspaceId)
        .where("r.channel_id", "=", ch.channelId)
        .where("r.status", "=", "closed")
        .where("r.posted_at", ">=", ms(since, "since", OWNER))
        .where("a.correct", "=", 1)
        .groupBy("a.user_id")
        .orderBy("points", "desc")
        .orderBy("a.user_id")
        .limit(limit)
        .execute();
      rows = found.map((r) => ({
        userId: r.user_id,
        userName: String(r.score_name ?? r.answer_name),
        points: Number(r.points),
      }));
    }
    // Rows come sorted by points, so every higher score precedes a row: the
    // rank is the position of the first row with the same points.
    let rank = 0;
    return rows.map((r, i) => {
      if (i === 0 || r.points !== rows[i - 1]?.points) rank = i + 1;
      return { ...r, rank };
    });
  }

  /** The user's standing in the channel, or undefined before their first scored answer. */
  async me(ch: QuizChannel, userId: string): Promise<QuizStanding | undefined> {
    const row = await this.db
      .selectFrom("quiz_scores as s")
      .select((eb) => [
        "s.points",
        "s.answered",
        "s.correct",
        "s.streak",
        "s.best_streak",
        eb
          .selectFrom("quiz_scores as o")
          .select((o) => o.fn.countAll().as("n"))
          .whereRef("o.platform", "=", "s.platform")
          .whereRef("o.workspace_id", "=", "s.workspace_id")
          .whereRef("o.channel_id", "=", "s.channel_id")
          .whereRef("o.points", ">", "s.points")
          .as("ahead"),
      ])
      .where("s.platform", "=", ch.platform)
      .where("s.workspace_id", "=", ch.workspaceId)
      .where("s.channel_id", "=", ch.channelId)
      .where("s.user_id", "=", userId)
      .executeTakeFirst();
    if (!row) return undefined;
    const answered = Number(row.answered);
    const correct = Number(row.correct);
    return {
      points: Number(row.points),
      answered,
      correct,
      accuracy: answered > 0 ? correct / answered : 0,
      streak: Number(row.streak),
      bestStreak: Number(row.best_streak),
      rank: 1 + Number(row.ahead ?? 0),
    };
  }

  #transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.#transactions.run(fn);
  }
}
