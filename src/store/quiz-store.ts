import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import { QuizPostingStore, toRound } from "./quiz-posting.ts";
import { retryIfConnectionLost } from "./reconnect.ts";
import type { Database, QuizAnswersTable, QuizRoundsTable, QuizSchedulesTable } from "./schema.ts";
import { Transactions } from "./transactions.ts";
import type { Platform } from "./types.ts";

/** Where a quiz runs; points, streaks and the one-round-at-a-time rule are per channel. */
export interface QuizChannel {
  platform: Platform;
  workspaceId: string;
  channelId: string;
}

export interface QuizSchedule extends QuizChannel {
  /** Local time of day, "HH:MM". */
  time: string;
  /** IANA time zone name. */
  timezone: string;
  /** "daily", "weekdays" or ISO weekday numbers such as "1,3,5". */
  days: string;
  closeAfterMs: number;
  createdBy: string;
  createdAt: Date;
}

/**
 * posting: claimed, the message is being sent; open: answers accepted;
 * closed: revealed and scored; failed: never posted, never counts.
 */
export type QuizRoundStatus = "posting" | "open" | "closed" | "failed";

export interface QuizRound extends QuizChannel {
  id: number;
  /** The scheduled occurrence this round belongs to; null for `quiz now`. */
  scheduleKey: string | null;
  entryId: string;
  questionIndex: number;
  postedBy: string | null;
  postedAt: Date;
  closesAt: Date;
  closedAt: Date | null;
  messageRef: string | null;
  status: QuizRoundStatus;
}

export interface QuizAnswer {
  roundId: number;
  userId: string;
  userName: string;
  choice: number;
  correct: boolean;
  at: Date;
}

/**
 * "already": this user answered before (the first answer is final); "closed": revealed (or never
 * unknown); "withdrawn": never posted properly (failed); "posting": the question is still being posted; "closing": its time is up but
 * the reveal has not happened yet.
 */
export type QuizAnswerResult = "recorded" | "already" | "closed" | "posting" | "closing" | "withdrawn";

/** `open` is the round in flight in that channel (status posting or open). */
export type OpenRoundResult = { ok: true; round: QuizRound } | { ok: false; open: QuizRound };

export interface LeaderboardRow {
  userId: string;
  userName: string;
  points: number;
  /** Competition ranking by points: ties share a rank (1, 1, 3). */
  rank: number;
}

export interface QuizStanding {
  points: number;
  answered: number;
  correct: number;
  /** correct / answered, 0 when nothing was answered. */
  accuracy: number;
  streak: number;
  bestStreak: number;
  /** 1 + the number of users of the channel with more points. */
  rank: number;
}

const ACTIVE: QuizRoundStatus[] = ["posting", "open"];
/** Rows per multi-row insert, well under SQLite's bound-parameter limit. */
const CHUNK = 500;

/**
 * Persistence of the daily quiz, over the same kysely instance as the Store.
 * Every rule that must hold across processes (one round in flight per
 * channel, a user's first answer is final, a round is closed and scored once)
 * is enforced by the database, never by a read followed by a write.
 */
export class QuizStore {
  readonly #transactions: Transactions;
  /** The lease on rounds being posted (see QuizPostingStore). */
  readonly posting: QuizPostingStore;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: "sqlite" | "postgres",
  ) {
    this.#transactions = new Transactions(db, dialect);
    this.posting = new QuizPostingStore(db);
  }

  // --- schedules -------------------------------------------------------------

  /** Creates or replaces the channel's schedule. */
  async setSchedule(
    ch: QuizChannel,
    s: { time: string; timezone: string; days: string; closeAfterMs: number; createdBy: string; at: Date },
  ): Promise<void> {
    if (!Number.isSafeInteger(s.closeAfterMs) || s.closeAfterMs <= 0) {
      throw new TypeError("QuizStore: closeAfterMs must be a positive integer");
    }
    const values = {
      time: s.time,
      timezone: s.timezone,
      days: s.days,
      close_after_ms: s.closeAfterMs,
      created_by: s.createdBy,
      created_at: ms(s.at, "at"),
    };
    await this.db
      .insertInto("quiz_schedules")
      .values({ ...channelValues(ch), ...values })
      .onConflict((oc) => oc.columns(["platform", "workspace_id", "channel_id"]).doUpdateSet(values))
      .execute();
  }

  /** True when a schedule existed and was removed. */
  async removeSchedule(ch: QuizChannel): Promise<boolean> {
    const result = await this.db
      .deleteFrom("quiz_schedules")
      .where("platform", "=", ch.platform)
      .where("workspace_id", "=", ch.workspaceId)
      .where("channel_id", "=", ch.channelId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async getSchedule(ch: QuizChannel): Promise<QuizSchedule | undefined> {
    const row = await this.db
      .selectFrom("quiz_schedules")
      .selectAll()
      .where("platform", "=", ch.platform)
      .where("workspace_id", "=", ch.workspaceId)
      .where("channel_id", "=", ch.channelId)
      .executeTakeFirst();
    return row && toSchedule(row);
  }

  /** Every schedule, ordered by platform, workspace and channel. */
  async listSchedules(): Promise<QuizSchedule[]> {
    const rows = await this.db
      .selectFrom("quiz_schedules")
      .selectAll()
      .orderBy("platform")
      .orderBy("workspace_id")
      .orderBy("channel_id")
      .execute();
    return rows.map(toSchedule);
  }

  // --- rounds ----------------------------------------------------------------

  /**
   * Starts a round in status 'posting'. When the channel already has a round
   * posting or open, nothing is inserted and that round is returned instead.
   * The partial unique index decides between concurrent callers.
   */
  async openRound(
    ch: QuizChannel,
    r: {
      entryId: string;
      questionIndex: number;
      postedBy: string | null;
      scheduleKey: string | null;
      postedAt: Date;
      closesAt: Date;
      /** The process posting it, holding the round until `leaseUntil` (see QuizPostingStore). */
      owner?: string;
      leaseUntil?: Date;
    },
  ): Promise<OpenRoundResult> {
    if (!Number.isSafeInteger(r.questionIndex) || r.questionIndex < 0) {
      throw new TypeError("QuizStore: questionIndex must be a non-negative integer");
    }
    const values = {
      ...channelValues(ch),
      schedule_key: r.scheduleKey,
      entry_id: r.entryId,
      question_index: r.questionIndex,
      posted_by: r.postedBy,
      posted_at: ms(r.postedAt, "postedAt"),
      closes_at: ms(r.closesAt, "closesAt"),
      closed_at: null,
      message_ref: null,
      status: "posting",
      owner: r.owner ?? null,
      lease_until: r.leaseUntil ? ms(r.leaseUntil, "leaseUntil") : null,
    };
    // The blocking round may end between our insert and our read; try again then.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      let row: Selectable<QuizRoundsTable> | undefined;
      try {
        row = await this.db
          .insertInto("quiz_rounds")
          .values(values)
          .onConflict((oc) =>
            oc
              .columns(["platform", "workspace_id", "channel_id"])
              .where(sql<boolean>`status in ('posting', 'open')`)
              .doNothing(),
          )
          .returningAll()
          .executeTakeFirst();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      if (row) return { ok: true, round: toRound(row) };
      const open = await this.openRoundIn(ch);
      if (open) return { ok: false, open };
    }
    throw new Error("QuizStore: could not open a round: the channel's round kept changing");
  }

  /** posting → open, once the message is out; false when the round was not posting. */
  async markPosted(roundId: number, messageRef: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable("quiz_rounds")
      .set({ status: "open", message_ref: messageRef })
      .where("id", "=", roundId)
      .where("status", "=", "posting")
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** posting → failed: the round was never posted, never counts and frees the channel. */
  async markFailed(roundId: number): Promise<boolean> {
    const result = await this.db
      .updateTable("quiz_rounds")
      .set({ status: "failed" })
      .where("id", "=", roundId)
      .where("status", "=", "posting")
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async getRound(id: number): Promise<QuizRound | undefined> {
    const row = await this.db.selectFrom("quiz_rounds").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toRound(row);
  }

  /** The channel's round in flight (status posting or open), if any. */
  async openRoundIn(ch: QuizChannel): Promise<QuizRound | undefined> {
    const row = await this.db
      .selectFrom("quiz_rounds")
      .selectAll()
      .where("platform", "=", ch.platform)
      .where("workspace_id", "=", ch.workspaceId)
      .where("channel_id", "=", ch.channelId)
      .where("status", "in", ACTIVE)
      .executeTakeFirst();
    return row && toRound(row);
  }

  /** Open rounds whose close time has come, oldest first. */
  async dueToClose(now: Date): Promise<QuizRound[]> {
    const rows = await this.db
      .selectFrom("quiz_rounds")
      .selectAll()
      .where("status", "=", "open")
      .where("closes_at", "<=", ms(now, "now"))
      .orderBy("closes_at")
      .orderBy("id")
      .execute();
    return rows.map(toRound);
  }

  // --- answers ---------------------------------------------------------------

  /**
   * Records a user's answer: only while the round is open and `at` is before
   * its close, and only the user's first. One statement (insert from the
   * round row, on conflict do nothing), so concurrent clicks cannot record
   * twice; on PostgreSQL it share-locks the round row, so an answer is
   * either in before closeRound reads the answers or refused as "closed". Tried once more when the
   * connection drops under it (a repeat of the same click is recognised as recorded).
   */
  answer(
    roundId: number,
    a: { userId: string; userName: string; choice: number; correct: boolean; at: Date },
  ): Promise<QuizAnswerResult> {
    let attempt = 0;
    return retryIfConnectionLost(() => this.#answer(roundId, a, attempt++ > 0));
  }

  async #answer(
    roundId: number,
    a: { userId: string; userName: string; choice: number; correct: boolean; at: Date },
    retried: boolean,
  ): Promise<QuizAnswerResult> {
    if (!Number.isSafeInteger(a.choice) || a.choice < 0) {
      throw new TypeError("QuizStore: choice must be a non-negative integer");
    }
    const at = ms(a.at, "at");
    const fromRound = this.db
      .selectFrom("quiz_rounds")
      .select((eb) => [
        "id",
        eb.cast<string>(eb.val(a.userId), "text").as("user_id"),
        eb.cast<string>(eb.val(a.userName), "text").as("user_name"),
        eb.cast<number>(eb.val(a.choice), "integer").as("choice"),
        eb.cast<number>(eb.val(a.correct ? 1 : 0), "integer").as("correct"),
        eb.cast<number>(eb.val(at), "bigint").as("at"),
      ])
      .where("id", "=", roundId)
      .where("status", "=", "open")
      .where("closes_at", ">", at)
      .$if(this.dialect === "postgres", (qb) => qb.forShare());
    const result = await this.db
      .insertInto("quiz_answers")
      .columns(["round_id", "user_id", "user_name", "choice", "correct", "at"])
      .expression(fromRound)
      .onConflict((oc) => oc.columns(["round_id", "user_id"]).doNothing())
      .executeTakeFirst();
    if ((result.numInsertedOrUpdatedRows ?? 0n) > 0n) return "recorded";
    const existing = await this.db
      .selectFrom("quiz_answers")
      .select(["choice", "at"])
      .where("round_id", "=", roundId)
      .where("user_id", "=", a.userId)
      .executeTakeFirst();
    // On the retry, this very click stored by the first attempt (whose reply was lost with its
    // connection) counts as recorded.
    if (existing)
      return retried && Number(existing.at) === at && Number(existing.choice) === a.choice ? "recorded" : "already";
    const round = await this.db
      .selectFrom("quiz_rounds")
      .select(["status", "closes_at"])
      .where("id", "=", roundId)
      .executeTakeFirst();
    if (round?.status === "posting") return "posting";
    if (round?.status === "open") return "closing";
    if (round?.status === "failed") return "withdrawn";
    return "closed";
  }

  /** Answers per choice index (at least `choices` long) and their total. */
  async answerCounts(roundId: number, choices = 0): Promise<{ counts: number[]; total: number }> {
    const rows = await this.db
      .selectFrom("quiz_answers")
      .select((eb) => ["choice", eb.fn.countAll().as("n")])
      .where("round_id", "=", roundId)
      .groupBy("choice")
      .execute();
    const length = Math.max(choices, ...rows.map((r) => Number(r.choice) + 1));
    const counts = Array.from({ length }, () => 0);
    let total = 0;
    for (const r of rows) {
      counts[Number(r.choice)] = Number(r.n);
      total += Number(r.n);
    }
    return { counts, total };
  }

  /** A round's answers, earliest first. */
  async answersOf(roundId: number): Promise<QuizAnswer[]> {
    return answersOf(this.db, roundId);
  }

  // --- closing and scores ----------------------------------------------------

  /**
   * Closes an open round and scores it, in one transaction. Returns undefined
   * when the round is not open (already closed by another caller, never
   * posted, or unknown), so exactly one of several concurrent closers scores.
   *
   * Scoring per channel: a right answer gives a point and extends the streak;
   * a wrong answer ends it; a user with a streak who did not answer loses it.
   */
  async closeRound(roundId: number, at: Date): Promise<{ round: QuizRound; answers: QuizAnswer[] } | undefined> {
    const closedAt = ms(at, "at");
    return this.#transaction(async (trx) => {
      const row = await trx
        .updateTable("quiz_rounds")
        .set({ status: "closed", closed_at: closedAt })
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
        .where("r.posted_at", ">=", ms(since, "since"))
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

  // --- choosing questions ----------------------------------------------------

  /** "entryId#questionIndex" of every question the channel has had (failed rounds excepted). */
  async usedQuestions(ch: QuizChannel): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom("quiz_rounds")
      .select(["entry_id", "question_index"])
      .distinct()
      .where("platform", "=", ch.platform)
      .where("workspace_id", "=", ch.workspaceId)
      .where("channel_id", "=", ch.channelId)
      .where("status", "<>", "failed")
      .execute();
    return new Set(rows.map((r) => `${r.entry_id}#${Number(r.question_index)}`));
  }

  /** "entryId#questionIndex" → how many rounds of the channel used it (failed rounds excepted). */
  async questionUses(ch: QuizChannel): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom("quiz_rounds")
      .select((eb) => ["entry_id", "question_index", eb.fn.countAll().as("n")])
      .where("platform", "=", ch.platform)
      .where("workspace_id", "=", ch.workspaceId)
      .where("channel_id", "=", ch.channelId)
      .where("status", "<>", "failed")
      .groupBy(["entry_id", "question_index"])
      .execute();
    return new Map(rows.map((r) => [`${r.entry_id}#${Number(r.question_index)}`, Number(r.n)]));
  }

  /** entryId → wrong answers given in the channel, for entries with at least one. */
  async missCounts(ch: QuizChannel): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom("quiz_answers as a")
      .innerJoin("quiz_rounds as r", "r.id", "a.round_id")
      .select((eb) => ["r.entry_id", eb.fn.countAll().as("n")])
      .where("r.platform", "=", ch.platform)
      .where("r.workspace_id", "=", ch.workspaceId)
      .where("r.channel_id", "=", ch.channelId)
      .where("a.correct", "=", 0)
      .groupBy("r.entry_id")
      .execute();
    return new Map(rows.map((r) => [r.entry_id, Number(r.n)]));
  }

  #transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.#transactions.run(fn);
  }
}

function answersOf(db: Kysely<Database>, roundId: number): Promise<QuizAnswer[]> {
  return db
    .selectFrom("quiz_answers")
    .selectAll()
    .where("round_id", "=", roundId)
    .orderBy("at")
    .orderBy("user_id")
    .execute()
    .then((rows) => rows.map(toAnswer));
}

function channelValues(ch: QuizChannel): { platform: string; workspace_id: string; channel_id: string } {
  return { platform: ch.platform, workspace_id: ch.workspaceId, channel_id: ch.channelId };
}

function toSchedule(r: Selectable<QuizSchedulesTable>): QuizSchedule {
  return {
    platform: r.platform as Platform,
    workspaceId: r.workspace_id,
    channelId: r.channel_id,
    time: r.time,
    timezone: r.timezone,
    days: r.days,
    closeAfterMs: Number(r.close_after_ms),
    createdBy: r.created_by,
    createdAt: new Date(Number(r.created_at)),
  };
}

function toAnswer(r: Selectable<QuizAnswersTable>): QuizAnswer {
  return {
    roundId: Number(r.round_id),
    userId: r.user_id,
    userName: r.user_name,
    choice: Number(r.choice),
    correct: Number(r.correct) === 1,
    at: new Date(Number(r.at)),
  };
}

function ms(date: Date, field: string): number {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new TypeError(`QuizStore: ${field} is not a valid Date`);
  return t;
}

/** SQLite and PostgreSQL report a unique violation with different codes. */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}
