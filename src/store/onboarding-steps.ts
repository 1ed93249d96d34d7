import { type Kysely, sql, type Transaction } from "kysely";
import type {
  CheckpointResult,
  OnboardingStatus,
  OnboardingSummary,
  OnboardingUser,
  TeamRow,
} from "../core/onboarding/model.ts";
import type { Platform } from "../core/platform.ts";
import { checkStep, userValues, whereUser } from "./onboarding-enrolments.ts";
import type { Database } from "./schema.ts";
import { isUniqueViolation, ms, num } from "./shared.ts";
import { Transactions } from "./transactions.ts";

/** Error messages name the onboarding store, as its callers know it. */
const OWNER = "OnboardingStore";

/**
 * Progress through a track: steps delivered and done (a double click advances once), checkpoint
 * answers, the reports built on them, and DMs that could not be delivered.
 */
export class OnboardingSteps {
  readonly #transactions: Transactions;

  constructor(
    private readonly db: Kysely<Database>,
    dialect: "sqlite" | "postgres",
  ) {
    this.#transactions = new Transactions(db, dialect);
  }

  /** Records that a step was sent; true only the first time (insert-or-nothing), so a drip sends it once. */
  async markDelivered(u: OnboardingUser, trackId: string, step: number, at: Date): Promise<boolean> {
    checkStep(step, "step");
    const result = await this.db
      .insertInto("onboard_steps")
      .values({ ...userValues(u), track_id: trackId, step, delivered_at: ms(at, "at", OWNER), done_at: null })
      .onConflict((oc) => oc.columns(["platform", "workspace_id", "user_id", "track_id", "step"]).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  /**
   * Moves an active enrolment on `trackId` from `fromStep` to the next step
   * and marks `fromStep` done. The update is conditional on the current step,
   * so of several concurrent clicks exactly one advances (true); the others,
   * and stale buttons, get false.
   */
  async advance(u: OnboardingUser, trackId: string, fromStep: number, at: Date): Promise<boolean> {
    checkStep(fromStep, "fromStep");
    const t = ms(at, "at", OWNER);
    return this.#transaction(async (trx) => {
      const moved = await whereUser(trx.updateTable("onboard_enrolments"), u)
        .set({ step: fromStep + 1, last_activity_at: t })
        .where("track_id", "=", trackId)
        .where("step", "=", fromStep)
        .where("status", "=", "active")
        .executeTakeFirst();
      if (moved.numUpdatedRows === 0n) return false;
      await trx
        .insertInto("onboard_steps")
        .values({ ...userValues(u), track_id: trackId, step: fromStep, delivered_at: t, done_at: t })
        .onConflict((oc) =>
          oc
            .columns(["platform", "workspace_id", "user_id", "track_id", "step"])
            .doUpdateSet((eb) => ({ done_at: eb.fn.coalesce("onboard_steps.done_at", eb.ref("excluded.done_at")) })),
        )
        .execute();
      return true;
    });
  }

  /**
   * Marks an active enrolment on `trackId` finished; true once. Advance past
   * the last step first so that it counts as done.
   */
  async finish(u: OnboardingUser, trackId: string, at: Date): Promise<boolean> {
    const t = ms(at, "at", OWNER);
    const result = await whereUser(this.db.updateTable("onboard_enrolments"), u)
      .set({ status: "finished", finished_at: t, last_activity_at: t })
      .where("track_id", "=", trackId)
      .where("status", "=", "active")
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Records one checkpoint answer of a step in one statement: attempts + 1,
   * passed once right (and stays so), first try only when the first answer
   * was right. Also counts as the member's activity.
   */
  async recordCheckpoint(
    u: OnboardingUser,
    trackId: string,
    step: number,
    correct: boolean,
    at: Date,
  ): Promise<CheckpointResult> {
    checkStep(step, "step");
    const t = ms(at, "at", OWNER);
    const right = correct ? 1 : 0;
    const row = await this.db
      .insertInto("onboard_steps")
      .values({
        ...userValues(u),
        track_id: trackId,
        step,
        delivered_at: t,
        done_at: null,
        quiz_attempts: 1,
        quiz_passed: right,
        passed_first_try: right,
      })
      .onConflict((oc) =>
        oc.columns(["platform", "workspace_id", "user_id", "track_id", "step"]).doUpdateSet((eb) => ({
          quiz_attempts: eb("onboard_steps.quiz_attempts", "+", 1),
          quiz_passed: sql<number>`case when onboard_steps.quiz_passed = 1 or excluded.quiz_passed = 1 then 1 else 0 end`,
          passed_first_try: sql<number>`case when onboard_steps.quiz_attempts = 0 and onboard_steps.quiz_passed = 0 and excluded.quiz_passed = 1 then 1 else onboard_steps.passed_first_try end`,
        })),
      )
      .returning(["quiz_attempts", "quiz_passed", "passed_first_try"])
      .executeTakeFirstOrThrow();
    await whereUser(this.db.updateTable("onboard_enrolments"), u)
      .set({ last_activity_at: t })
      .where("track_id", "=", trackId)
      .execute();
    return {
      attempts: Number(row.quiz_attempts),
      passed: Number(row.quiz_passed) === 1,
      firstTry: Number(row.passed_first_try) === 1,
    };
  }

  /** When the step was first recorded as sent, or undefined when it never was. */
  async deliveredAt(u: OnboardingUser, trackId: string, step: number): Promise<Date | undefined> {
    checkStep(step, "step");
    const row = await whereUser(this.db.selectFrom("onboard_steps").select("delivered_at"), u)
      .where("track_id", "=", trackId)
      .where("step", "=", step)
      .executeTakeFirst();
    return row?.delivered_at == null ? undefined : new Date(Number(row.delivered_at));
  }

  /** Checkpoint answers given for a step so far (0 when none). */
  async checkpointAttempts(u: OnboardingUser, trackId: string, step: number): Promise<number> {
    checkStep(step, "step");
    const row = await whereUser(this.db.selectFrom("onboard_steps").select("quiz_attempts"), u)
      .where("track_id", "=", trackId)
      .where("step", "=", step)
      .executeTakeFirst();
    return num(row?.quiz_attempts);
  }

  /** The member's figures on a track (all zero when nothing was recorded). */
  async summary(u: OnboardingUser, trackId: string): Promise<OnboardingSummary> {
    const row = await whereUser(this.db.selectFrom("onboard_steps"), u)
      .select((eb) => [
        eb.fn.count("done_at").as("steps_done"),
        eb.fn.sum("quiz_passed").as("passed"),
        eb.fn.sum("passed_first_try").as("first_try"),
        eb.fn.sum(eb.case().when("quiz_attempts", ">", 0).then(sql.lit(1)).else(sql.lit(0)).end()).as("attempted"),
        eb.fn.sum("quiz_attempts").as("attempts"),
      ])
      .where("track_id", "=", trackId)
      .executeTakeFirst();
    return {
      stepsDone: num(row?.steps_done),
      checkpointsPassed: num(row?.passed),
      passedFirstTry: num(row?.first_try),
      checkpointsAttempted: num(row?.attempted),
      attempts: num(row?.attempts),
    };
  }

  /** Everyone enrolled in the workspace, with figures for their current track, most recently active first. */
  async team(platform: Platform, workspaceId: string): Promise<TeamRow[]> {
    const rows = await this.db
      .selectFrom("onboard_enrolments as e")
      .leftJoin(
        (eb) =>
          eb
            .selectFrom("onboard_steps")
            .select((s) => [
              "user_id",
              "track_id",
              s.fn.count("done_at").as("steps_done"),
              s.fn.sum("quiz_passed").as("passed"),
              s.fn.sum(s.case().when("quiz_attempts", ">", 0).then(sql.lit(1)).else(sql.lit(0)).end()).as("attempted"),
            ])
            .where("platform", "=", platform)
            .where("workspace_id", "=", workspaceId)
            .groupBy(["user_id", "track_id"])
            .as("s"),
        (join) => join.onRef("s.user_id", "=", "e.user_id").onRef("s.track_id", "=", "e.track_id"),
      )
      .select([
        "e.user_id",
        "e.user_name",
        "e.track_id",
        "e.step",
        "e.status",
        "e.started_at",
        "e.last_activity_at",
        "e.finished_at",
        "s.steps_done",
        "s.passed",
        "s.attempted",
      ])
      .where("e.platform", "=", platform)
      .where("e.workspace_id", "=", workspaceId)
      .orderBy("e.last_activity_at", "desc")
      .orderBy("e.user_id")
      .execute();
    return rows.map((r) => ({
      userId: r.user_id,
      userName: r.user_name,
      trackId: r.track_id,
      step: Number(r.step),
      stepsDone: num(r.steps_done),
      checkpointsPassed: num(r.passed),
      checkpointsAttempted: num(r.attempted),
      status: r.status as OnboardingStatus,
      lastActivityAt: new Date(Number(r.last_activity_at)),
      startedAt: new Date(Number(r.started_at)),
      finishedAt: r.finished_at === null ? null : new Date(Number(r.finished_at)),
    }));
  }

  /**
   * Records that a DM to the member could not be delivered. firstNotice is
   * true for exactly one call per member ever, across processes (a partial
   * unique index on notified = 1): that caller sends the in-channel fallback.
   */
  async recordDmFailure(u: OnboardingUser, reason: string, at: Date): Promise<{ firstNotice: boolean }> {
    const values = { ...userValues(u), reason, at: ms(at, "at", OWNER) };
    let claimed = false;
    try {
      const result = await this.db
        .insertInto("onboard_dm_failures")
        .values({ ...values, notified: 1 })
        .onConflict((oc) =>
          oc.columns(["platform", "workspace_id", "user_id"]).where(sql<boolean>`notified = 1`).doNothing(),
        )
        .executeTakeFirst();
      claimed = (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    if (!claimed)
      await this.db
        .insertInto("onboard_dm_failures")
        .values({ ...values, notified: 0 })
        .execute();
    return { firstNotice: claimed };
  }

  #transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.#transactions.run(fn);
  }
}
