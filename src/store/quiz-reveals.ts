import type { Kysely } from "kysely";
import type { QuizAnswer, QuizRound } from "../core/quiz/model.ts";
import type { QuizRevealRepo } from "../core/quiz/repo.ts";
import { answersOf, toRound } from "./quiz-rounds.ts";
import { RoundLease } from "./round-lease.ts";
import type { Database } from "./schema.ts";

/**
 * The lease on a closed round's reveal, in the round's owner and lease_until (free once a round
 * is out of 'posting'). closeRound gives it to the closer; revealed_at marks the reveal done. A
 * closed round whose reveal is not done and whose lease ran out is taken over by the next process
 * that looks. Each transition is one statement.
 */
export class QuizRevealStore implements QuizRevealRepo {
  readonly #lease: RoundLease;

  constructor(private readonly db: Kysely<Database>) {
    this.#lease = new RoundLease(db, (q) => q.where("status", "=", "closed").where("revealed_at", "is", null));
  }

  async take(
    roundId: number,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<{ round: QuizRound; answers: QuizAnswer[] } | undefined> {
    const t = now.getTime();
    const row = await this.db
      .updateTable("quiz_rounds")
      .set({ owner, lease_until: t + leaseMs })
      .where("id", "=", roundId)
      .where("status", "=", "closed")
      .where("revealed_at", "is", null)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", t), eb("owner", "=", owner)]))
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    return { round: toRound(row), answers: await answersOf(this.db, roundId) };
  }

  renew(roundId: number, owner: string, until: Date): Promise<boolean> {
    return this.#lease.renew(roundId, owner, until);
  }

  release(roundId: number, owner: string): Promise<void> {
    return this.#lease.release(roundId, owner);
  }

  async done(roundId: number, at: Date): Promise<void> {
    await this.db
      .updateTable("quiz_rounds")
      .set({ revealed_at: at.getTime(), owner: null, lease_until: null })
      .where("id", "=", roundId)
      .where("status", "=", "closed")
      .where("revealed_at", "is", null)
      .execute();
  }

  async stale(now: Date): Promise<QuizRound[]> {
    const rows = await this.db
      .selectFrom("quiz_rounds")
      .selectAll()
      .where("status", "=", "closed")
      .where("revealed_at", "is", null)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now.getTime())]))
      .orderBy("id")
      .limit(100)
      .execute();
    return rows.map(toRound);
  }
}
