import type { Kysely, UpdateQueryBuilder, UpdateResult } from "kysely";
import type { Database } from "./schema.ts";

type RoundUpdate = UpdateQueryBuilder<Database, "quiz_rounds", "quiz_rounds", UpdateResult>;

/**
 * The lease a process holds on a round while it works on one stage of it (posting, revealing):
 * renewed and released only by its holder, and only while the round is still in that stage.
 */
export class RoundLease {
  constructor(
    private readonly db: Kysely<Database>,
    /** Narrows an update to rounds in this lease's stage, e.g. status = 'posting'. */
    private readonly inStage: (q: RoundUpdate) => RoundUpdate,
  ) {}

  /** Extends the caller's lease; false when the round is no longer the caller's or past the stage. */
  async renew(roundId: number, owner: string, until: Date): Promise<boolean> {
    const update = this.db.updateTable("quiz_rounds").set({ lease_until: until.getTime() });
    const result = await this.inStage(update).where("id", "=", roundId).where("owner", "=", owner).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Ends the caller's lease at once, leaving the round to whoever looks next. */
  async release(roundId: number, owner: string): Promise<void> {
    const update = this.db.updateTable("quiz_rounds").set({ lease_until: 0 });
    await this.inStage(update).where("id", "=", roundId).where("owner", "=", owner).execute();
  }
}
