import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { Database, OnboardEnrolmentsTable } from "./schema.ts";
import { Transactions } from "./transactions.ts";
import type { Platform } from "./types.ts";

/** A member being onboarded; one enrolment per member. */
export interface OnboardingUser {
  platform: Platform;
  workspaceId: string;
  userId: string;
}

/** stopped: left the track (progress kept, enrolling again resumes); finished: completed. */
export type OnboardingStatus = "active" | "paused" | "stopped" | "finished";
/** self: the next step comes on click; drip: one step each workday at a local time. */
export type OnboardingPace = "self" | "drip";

export interface Enrolment extends OnboardingUser {
  userName: string;
  trackId: string;
  /** Index of the current step, 0-based. */
  step: number;
  status: OnboardingStatus;
  pace: OnboardingPace;
  /** Local time of day of the drip, "HH:MM"; null when never set. */
  dripTime: string | null;
  /** IANA time zone of the drip; null when never set. */
  dripTimezone: string | null;
  /** When the pace was last chosen; null when never. */
  paceSetAt: Date | null;
  startedAt: Date;
  lastActivityAt: Date;
  finishedAt: Date | null;
}

/**
 * created: a new run of the track starts at step 0 (a new enrolment, a
 * restart of a finished track, or a switch from another track).
 * resumed: a paused or stopped enrolment on this track is active again.
 * otherTrack: the member is on another, unfinished track; nothing changed and
 * `enrolment` is that one.
 * A finished enrolment on the same track without `restart` is returned
 * unchanged with created false (its status says finished).
 */
export interface EnrolResult {
  enrolment: Enrolment;
  created: boolean;
  resumed?: true;
  restarted?: true;
  otherTrack?: true;
}

export interface CheckpointResult {
  /** Checkpoint answers given for this step so far, this one included. */
  attempts: number;
  /** True once any answer was right; stays true. */
  passed: boolean;
  /** True when the very first answer was right. */
  firstTry: boolean;
}

export interface OnboardingSummary {
  stepsDone: number;
  checkpointsPassed: number;
  /** Checkpoints whose first answer was right. */
  passedFirstTry: number;
  /** Checkpoints with at least one answer. */
  checkpointsAttempted: number;
  /** All checkpoint answers given. */
  attempts: number;
}

/** One member of `onboard team`; figures are for the member's current track. */
export interface TeamRow {
  userId: string;
  userName: string;
  trackId: string;
  step: number;
  stepsDone: number;
  checkpointsPassed: number;
  checkpointsAttempted: number;
  status: OnboardingStatus;
  lastActivityAt: Date;
  startedAt: Date;
  finishedAt: Date | null;
}

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * Persistence of team onboarding, over the same kysely instance as the Store.
 * Rules that must hold across processes (one enrolment per member, a step
 * delivered once, a double click advances once, one fallback mention per
 * member) are enforced by the database: keys, conditional updates and
 * insert-or-nothing, never a read followed by a write.
 */
export class OnboardingStore {
  readonly #transactions: Transactions;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: "sqlite" | "postgres",
  ) {
    this.#transactions = new Transactions(db, dialect);
  }

  // --- enrolment ---------------------------------------------------------------

  /**
   * Starts or resumes the member's track (see EnrolResult). `restart` starts a
   * finished enrolment on the same track again at step 0; `switchTrack` lets
   * an unfinished enrolment on another track be replaced (its position is
   * lost). Starting a run at step 0 clears the member's step records of that
   * track. One transaction, on PostgreSQL with the enrolment row locked.
   */
  async enrol(
    u: OnboardingUser,
    o: { userName: string; trackId: string; at: Date; restart?: boolean; switchTrack?: boolean },
  ): Promise<EnrolResult> {
    const at = ms(o.at, "at");
    return this.#transaction(async (trx) => {
      const inserted = await trx
        .insertInto("onboard_enrolments")
        .values({
          ...userValues(u),
          user_name: o.userName,
          track_id: o.trackId,
          step: 0,
          status: "active",
          pace: "self",
          drip_time: null,
          drip_timezone: null,
          pace_set_at: null,
          started_at: at,
          last_activity_at: at,
          finished_at: null,
        })
        .onConflict((oc) => oc.columns(["platform", "workspace_id", "user_id"]).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) {
        await clearSteps(trx, u, o.trackId);
        return { enrolment: toEnrolment(inserted), created: true };
      }

      const current = await whereUser(trx.selectFrom("onboard_enrolments").selectAll(), u)
        .$if(this.dialect === "postgres", (qb) => qb.forUpdate())
        .executeTakeFirstOrThrow();
      const sameTrack = current.track_id === o.trackId;

      if (sameTrack && current.status !== "finished") {
        const row = await whereUser(trx.updateTable("onboard_enrolments"), u)
          .set({ status: "active", user_name: o.userName, last_activity_at: at })
          .returningAll()
          .executeTakeFirstOrThrow();
        const enrolment = toEnrolment(row);
        return current.status === "active"
          ? { enrolment, created: false }
          : { enrolment, created: false, resumed: true };
      }

      const startOver = sameTrack ? o.restart === true : current.status === "finished" || o.switchTrack === true;
      if (!startOver) {
        const enrolment = toEnrolment(current);
        return sameTrack ? { enrolment, created: false } : { enrolment, created: false, otherTrack: true };
      }

      await clearSteps(trx, u, o.trackId);
      const row = await whereUser(trx.updateTable("onboard_enrolments"), u)
        .set({
          user_name: o.userName,
          track_id: o.trackId,
          step: 0,
          status: "active",
          started_at: at,
          last_activity_at: at,
          finished_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const enrolment = toEnrolment(row);
      return sameTrack ? { enrolment, created: true, restarted: true } : { enrolment, created: true };
    });
  }

  /**
   * The workspace (server) of a member's most recent enrolment on a platform. Discord DMs carry no
   * server, but enrolments are kept per server: this finds the one a DM button belongs to.
   */
  async latestWorkspace(platform: Platform, userId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("onboard_enrolments")
      .select("workspace_id")
      .where("platform", "=", platform)
      .where("user_id", "=", userId)
      .orderBy("last_activity_at", "desc")
      .limit(1)
      .executeTakeFirst();
    return row?.workspace_id;
  }

  async get(u: OnboardingUser): Promise<Enrolment | undefined> {
    const row = await whereUser(this.db.selectFrom("onboard_enrolments").selectAll(), u).executeTakeFirst();
    return row && toEnrolment(row);
  }

  /**
   * Pause, stop or reactivate the member's enrolment. False when there is
   * none, it is finished (use enrol with restart), or it already has that status.
   */
  async setStatus(u: OnboardingUser, status: Exclude<OnboardingStatus, "finished">, at: Date): Promise<boolean> {
    if (!["active", "paused", "stopped"].includes(status)) {
      throw new TypeError(`OnboardingStore: cannot set status "${status}" (use finish)`);
    }
    const result = await whereUser(this.db.updateTable("onboard_enrolments"), u)
      .set({ status, last_activity_at: ms(at, "at") })
      .where("status", "<>", "finished")
      .where("status", "<>", status)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Sets the pace. A drip needs `time` ("HH:MM") and `timezone` (IANA); for
   * self-paced they may be given to remember the choice, or left out (null).
   * False when the member has no enrolment.
   */
  async setPace(
    u: OnboardingUser,
    p: { pace: OnboardingPace; time?: string | null; timezone?: string | null; at: Date },
  ): Promise<boolean> {
    if (p.pace !== "self" && p.pace !== "drip") throw new TypeError(`OnboardingStore: unknown pace "${p.pace}"`);
    const time = p.time ?? null;
    const timezone = p.timezone ?? null;
    if (p.pace === "drip" && (time === null || timezone === null)) {
      throw new TypeError("OnboardingStore: a drip needs a time and a time zone");
    }
    if (time !== null && !HH_MM.test(time)) throw new TypeError(`OnboardingStore: time "${time}" is not HH:MM`);
    if (timezone !== null && !isTimeZone(timezone)) {
      throw new TypeError(`OnboardingStore: unknown time zone "${timezone}"`);
    }
    const result = await whereUser(this.db.updateTable("onboard_enrolments"), u)
      .set({
        pace: p.pace,
        drip_time: time,
        drip_timezone: timezone,
        pace_set_at: ms(p.at, "at"),
        last_activity_at: ms(p.at, "at"),
      })
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  // --- steps -------------------------------------------------------------------

  /** Records that a step was sent; true only the first time (insert-or-nothing), so a drip sends it once. */
  async markDelivered(u: OnboardingUser, trackId: string, step: number, at: Date): Promise<boolean> {
    checkStep(step, "step");
    const result = await this.db
      .insertInto("onboard_steps")
      .values({ ...userValues(u), track_id: trackId, step, delivered_at: ms(at, "at"), done_at: null })
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
    const t = ms(at, "at");
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
    const t = ms(at, "at");
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
    const t = ms(at, "at");
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

  /** Checkpoint answers given for a step so far (0 when none). */
  async checkpointAttempts(u: OnboardingUser, trackId: string, step: number): Promise<number> {
    checkStep(step, "step");
    const row = await whereUser(this.db.selectFrom("onboard_steps").select("quiz_attempts"), u)
      .where("track_id", "=", trackId)
      .where("step", "=", step)
      .executeTakeFirst();
    return num(row?.quiz_attempts);
  }

  // --- reports -----------------------------------------------------------------

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

  /** Active enrolments on a drip, for the scheduler; ordered by platform, workspace and user. */
  async dripEnrolments(): Promise<Enrolment[]> {
    const rows = await this.db
      .selectFrom("onboard_enrolments")
      .selectAll()
      .where("status", "=", "active")
      .where("pace", "=", "drip")
      .orderBy("platform")
      .orderBy("workspace_id")
      .orderBy("user_id")
      .execute();
    return rows.map(toEnrolment);
  }

  /** Active or paused enrolments without activity since `before`, least recently active first. */
  async stalled(before: Date): Promise<Enrolment[]> {
    const rows = await this.db
      .selectFrom("onboard_enrolments")
      .selectAll()
      .where("status", "in", ["active", "paused"])
      .where("last_activity_at", "<", ms(before, "before"))
      .orderBy("last_activity_at")
      .orderBy("platform")
      .orderBy("workspace_id")
      .orderBy("user_id")
      .execute();
    return rows.map(toEnrolment);
  }

  // --- undeliverable direct messages --------------------------------------------

  /**
   * Records that a DM to the member could not be delivered. firstNotice is
   * true for exactly one call per member ever, across processes (a partial
   * unique index on notified = 1): that caller sends the in-channel fallback.
   */
  async recordDmFailure(u: OnboardingUser, reason: string, at: Date): Promise<{ firstNotice: boolean }> {
    const values = { ...userValues(u), reason, at: ms(at, "at") };
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

/** Deletes the member's step records of a track (a new run starts). */
async function clearSteps(trx: Kysely<Database>, u: OnboardingUser, trackId: string): Promise<void> {
  await whereUser(trx.deleteFrom("onboard_steps"), u).where("track_id", "=", trackId).execute();
}

/** Restricts a query on a table with platform, workspace_id and user_id columns to one member. */
function whereUser<
  Q extends {
    where(col: "platform" | "workspace_id" | "user_id", op: "=", value: string): Q;
  },
>(qb: Q, u: OnboardingUser): Q {
  return qb
    .where("platform", "=", u.platform)
    .where("workspace_id", "=", u.workspaceId)
    .where("user_id", "=", u.userId);
}

function userValues(u: OnboardingUser): { platform: string; workspace_id: string; user_id: string } {
  return { platform: u.platform, workspace_id: u.workspaceId, user_id: u.userId };
}

function toEnrolment(r: Selectable<OnboardEnrolmentsTable>): Enrolment {
  return {
    platform: r.platform as Platform,
    workspaceId: r.workspace_id,
    userId: r.user_id,
    userName: r.user_name,
    trackId: r.track_id,
    step: Number(r.step),
    status: r.status as OnboardingStatus,
    pace: r.pace as OnboardingPace,
    dripTime: r.drip_time,
    dripTimezone: r.drip_timezone,
    paceSetAt: r.pace_set_at === null ? null : new Date(Number(r.pace_set_at)),
    startedAt: new Date(Number(r.started_at)),
    lastActivityAt: new Date(Number(r.last_activity_at)),
    finishedAt: r.finished_at === null ? null : new Date(Number(r.finished_at)),
  };
}

function checkStep(step: number, field: string): void {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new TypeError(`OnboardingStore: ${field} must be a non-negative integer`);
  }
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Aggregates come back as numbers, strings (PostgreSQL numeric) or null (no rows). */
function num(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v);
}

function ms(date: Date, field: string): number {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new TypeError(`OnboardingStore: ${field} is not a valid Date`);
  return t;
}

/** SQLite and PostgreSQL report a unique violation with different codes. */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}
