import type { Kysely, Selectable } from "kysely";
import type { Platform } from "../core/platform.ts";
import type { QuizChannel, QuizSchedule } from "../core/quiz/model.ts";
import type { Database, QuizSchedulesTable } from "./schema.ts";
import { channelValues, ms } from "./shared.ts";

/** Error messages name the quiz store, as its callers know it. */
const OWNER = "QuizStore";

/** The quiz's schedules: one per channel. */
export class QuizSchedules {
  constructor(private readonly db: Kysely<Database>) {}

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
      created_at: ms(s.at, "at", OWNER),
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
