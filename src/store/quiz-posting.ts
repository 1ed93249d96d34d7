import { type Kysely, sql } from "kysely";
import type { QuizRound } from "../core/quiz/model.ts";
import type { QuizPostingRepo } from "../core/quiz/repo.ts";
import { toRound } from "./quiz-rounds.ts";
import { RoundLease } from "./round-lease.ts";
import type { Database } from "./schema.ts";

/**
 * The lease on a round being posted. openRound gives the round to its opener until
 * `lease_until`; the opener renews it while the message goes out. A round whose lease ran out
 * (its process died or gave up at shutdown) is taken over by the next process that looks, which
 * checks the channel for the message before posting it again. Each transition is one statement.
 */
export class QuizPostingStore implements QuizPostingRepo {
  readonly #lease: RoundLease;

  constructor(private readonly db: Kysely<Database>) {
    this.#lease = new RoundLease(db, (q) => q.where("status", "=", "posting"));
  }

  /** Takes a round in 'posting' when its lease ran out (or was never set, or is the caller's). */
  async take(roundId: number, owner: string, now: Date, leaseMs: number): Promise<QuizRound | undefined> {
    const t = now.getTime();
    const row = await this.db
      .updateTable("quiz_rounds")
      .set({ owner, lease_until: t + leaseMs })
      .where("id", "=", roundId)
      .where("status", "=", "posting")
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", t), eb("owner", "=", owner)]))
      .returningAll()
      .executeTakeFirst();
    return row && toRound(row);
  }

  renew(roundId: number, owner: string, until: Date): Promise<boolean> {
    return this.#lease.renew(roundId, owner, until);
  }

  release(roundId: number, owner: string): Promise<void> {
    return this.#lease.release(roundId, owner);
  }

  /** posting → failed, by the process holding the round (never under another process that took it over). */
  async fail(roundId: number, owner: string): Promise<boolean> {
    const result = await this.db
      .updateTable("quiz_rounds")
      .set({ status: "failed", owner: null, lease_until: null })
      .where("id", "=", roundId)
      .where("status", "=", "posting")
      .where((eb) => eb.or([eb("owner", "=", owner), eb("owner", "is", null)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Rounds in 'posting' whose lease ran out by `now`. */
  async stale(now: Date): Promise<QuizRound[]> {
    const rows = await this.db
      .selectFrom("quiz_rounds")
      .selectAll()
      .where("status", "=", "posting")
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now.getTime())]))
      .orderBy("id")
      .limit(100)
      .execute();
    return rows.map(toRound);
  }

  /** The rounds opened for one scheduled occurrence, newest first. */
  async forSchedule(scheduleKey: string): Promise<QuizRound[]> {
    const rows = await this.db
      .selectFrom("quiz_rounds")
      .selectAll()
      .where("schedule_key", "=", scheduleKey)
      .orderBy("id", "desc")
      .execute();
    return rows.map(toRound);
  }

  /**
   * posting → open once the message is out, with the time it actually went out and the close time
   * counted from it. False when the round was not posting (another process finished it).
   */
  async posted(roundId: number, p: { messageRef: string | null; postedAt: Date; closesAt: Date }): Promise<boolean> {
    const result = await this.db
      .updateTable("quiz_rounds")
      .set({
        status: "open",
        message_ref: p.messageRef,
        posted_at: p.postedAt.getTime(),
        closes_at: p.closesAt.getTime(),
        owner: null,
        lease_until: null,
      })
      .where("id", "=", roundId)
      .where("status", "=", "posting")
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * failed → open: a round given up on whose message turned up in the channel after all. False when
   * the channel has another round in flight by now (the partial unique index refuses it).
   */
  async revive(roundId: number, p: { messageRef: string; postedAt: Date; closesAt: Date }): Promise<boolean> {
    try {
      const result = await this.db
        .updateTable("quiz_rounds")
        .set({
          status: "open",
          message_ref: p.messageRef,
          posted_at: p.postedAt.getTime(),
          closes_at: p.closesAt.getTime(),
        })
        .where("id", "=", roundId)
        .where("status", "=", "failed")
        .where(sql<boolean>`closed_at is null`)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505") return false;
      throw err;
    }
  }
}
