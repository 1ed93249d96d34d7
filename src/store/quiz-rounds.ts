import { type Kysely, type Selectable, sql } from "kysely";
import type { Platform } from "../core/platform.ts";
import type {
  OpenRoundResult,
  QuizAnswer,
  QuizAnswerResult,
  QuizChannel,
  QuizRound,
  QuizRoundStatus,
} from "../core/quiz/model.ts";
import { retryIfConnectionLost } from "./reconnect.ts";
import type { Database, QuizAnswersTable, QuizRoundsTable } from "./schema.ts";
import { channelValues, isUniqueViolation, ms } from "./shared.ts";

/** Error messages name the quiz store, as its callers know it. */
const OWNER = "QuizStore";
const ACTIVE: QuizRoundStatus[] = ["posting", "open"];

/**
 * Quiz rounds and their answers. One round in flight per channel and a user's first answer being
 * final are enforced by the database (a partial unique index, insert-or-nothing), never by a read
 * followed by a write.
 */
export class QuizRounds {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: "sqlite" | "postgres",
  ) {}

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
      posted_at: ms(r.postedAt, "postedAt", OWNER),
      closes_at: ms(r.closesAt, "closesAt", OWNER),
      closed_at: null,
      message_ref: null,
      status: "posting",
      owner: r.owner ?? null,
      lease_until: r.leaseUntil ? ms(r.leaseUntil, "leaseUntil", OWNER) : null,
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
      .where("closes_at", "<=", ms(now, "now", OWNER))
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
    const at = ms(a.at, "at", OWNER);
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
}

export function answersOf(db: Kysely<Database>, roundId: number): Promise<QuizAnswer[]> {
  return db
    .selectFrom("quiz_answers")
    .selectAll()
    .where("round_id", "=", roundId)
    .orderBy("at")
    .orderBy("user_id")
    .execute()
    .then((rows) => rows.map(toAnswer));
}

export function toRound(r: Selectable<QuizRoundsTable>): QuizRound {
  return {
    id: Number(r.id),
    platform: r.platform as Platform,
    workspaceId: r.workspace_id,
    channelId: r.channel_id,
    scheduleKey: r.schedule_key,
    entryId: r.entry_id,
    questionIndex: Number(r.question_index),
    postedBy: r.posted_by,
    postedAt: new Date(Number(r.posted_at)),
    closesAt: new Date(Number(r.closes_at)),
    closedAt: r.closed_at === null ? null : new Date(Number(r.closed_at)),
    messageRef: r.message_ref,
    status: r.status as QuizRoundStatus,
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
