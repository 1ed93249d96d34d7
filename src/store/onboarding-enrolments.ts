import type { Kysely, Selectable, Transaction } from "kysely";
import type {
  Enrolment,
  EnrolResult,
  OnboardingPace,
  OnboardingStatus,
  OnboardingUser,
} from "../core/onboarding/model.ts";
import type { Platform } from "../core/platform.ts";
import type { Database, OnboardEnrolmentsTable } from "./schema.ts";
import { ms } from "./shared.ts";
import { Transactions } from "./transactions.ts";

/** Error messages name the onboarding store, as its callers know it. */
const OWNER = "OnboardingStore";
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Onboarding enrolments: one per member, with the track, the current step, the status and the pace. */
export class OnboardingEnrolments {
  readonly #transactions: Transactions;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: "sqlite" | "postgres",
  ) {
    this.#transactions = new Transactions(db, dialect);
  }

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
    const at = ms(o.at, "at", OWNER);
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
      .set({ status, last_activity_at: ms(at, "at", OWNER) })
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
        pace_set_at: ms(p.at, "at", OWNER),
        last_activity_at: ms(p.at, "at", OWNER),
      })
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
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
      .where("last_activity_at", "<", ms(before, "before", OWNER))
      .orderBy("last_activity_at")
      .orderBy("platform")
      .orderBy("workspace_id")
      .orderBy("user_id")
      .execute();
    return rows.map(toEnrolment);
  }

  #transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.#transactions.run(fn);
  }
}

/** Deletes the member's step records of a track (a new run starts). */
export async function clearSteps(trx: Kysely<Database>, u: OnboardingUser, trackId: string): Promise<void> {
  await whereUser(trx.deleteFrom("onboard_steps"), u).where("track_id", "=", trackId).execute();
}

/** Restricts a query on a table with platform, workspace_id and user_id columns to one member. */
export function whereUser<
  Q extends {
    where(col: "platform" | "workspace_id" | "user_id", op: "=", value: string): Q;
  },
>(qb: Q, u: OnboardingUser): Q {
  return qb
    .where("platform", "=", u.platform)
    .where("workspace_id", "=", u.workspaceId)
    .where("user_id", "=", u.userId);
}

export function userValues(u: OnboardingUser): { platform: string; workspace_id: string; user_id: string } {
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

export function checkStep(step: number, field: string): void {
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
