import { type ColumnDefinitionBuilder, type Kysely, type Migration, Migrator, sql } from "kysely";
import { reviewsMigration } from "./reviews-schema.ts";
import { sendSlotsMigration } from "./send-slots.ts";

export type SqlDialect = "sqlite" | "postgres";

/** How ids are declared on each dialect. */
interface Ids {
  idType: "bigint" | "integer";
  id: (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
}

/**
 * The schema history, as code. Names sort in the order they must run; never
 * edit a migration that has shipped, add the next one instead.
 */
export function migrations(dialect: SqlDialect): Record<string, Migration> {
  // Ids are never reused (AUTOINCREMENT / identity), so a late vote on an old
  // message can never attach to a newer query that took a freed id.
  const ids: Ids = {
    idType: dialect === "postgres" ? "bigint" : "integer",
    id: (col) =>
      dialect === "postgres" ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement(),
  };
  return {
    "0001_initial": initial(ids),
    "0002_quiz": quiz(ids),
    "0003_onboarding": onboarding(ids),
    "0004_store_probe": storeProbe(),
    "0005_leased_claims": leasedClaims(),
    "0006_reviews": reviewsMigration(dialect),
    "0007_reveal_lease": revealLease(),
    "0008_send_slots": sendSlotsMigration(dialect),
  };
}

/** The question log, its feedback, posts, processed events and claims. */
function initial({ idType, id }: Ids): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("queries")
        .addColumn("id", idType, id)
        .addColumn("platform", "text", (c) => c.notNull())
        .addColumn("workspace_id", "text", (c) => c.notNull())
        .addColumn("channel_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("query", "text", (c) => c.notNull())
        .addColumn("normalized", "text", (c) => c.notNull())
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("confident", "integer", (c) => c.notNull().check(sql`confident in (0, 1)`))
        .addColumn("entry_id", "text")
        .addColumn("at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("queries_at_idx").on("queries").column("at").execute();
      await db.schema.createIndex("queries_normalized_at_idx").on("queries").columns(["normalized", "at"]).execute();

      await db.schema
        .createTable("query_feedback")
        .addColumn("query_id", idType, (c) => c.notNull().references("queries.id").onDelete("cascade"))
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("vote", "integer", (c) => c.notNull().check(sql`vote in (1, -1)`))
        .addColumn("at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("query_feedback_pk", ["query_id", "user_id"])
        .execute();

      await db.schema
        .createTable("posts")
        .addColumn("id", idType, id)
        .addColumn("platform", "text", (c) => c.notNull())
        .addColumn("workspace_id", "text", (c) => c.notNull())
        .addColumn("channel_id", "text", (c) => c.notNull())
        .addColumn("entry_id", "text", (c) => c.notNull())
        .addColumn("message_ref", "text")
        .addColumn("at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("posts_lookup_idx")
        .on("posts")
        .columns(["platform", "workspace_id", "channel_id", "entry_id", "at"])
        .execute();

      await db.schema
        .createTable("processed_events")
        .addColumn("platform", "text", (c) => c.notNull())
        .addColumn("event_id", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("processed_events_pk", ["platform", "event_id"])
        .execute();
      await db.schema.createIndex("processed_events_at_idx").on("processed_events").column("at").execute();

      await db.schema
        .createTable("claims")
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("claims_pk", ["kind", "key"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ["claims", "processed_events", "posts", "query_feedback", "queries"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}

/** The daily quiz: schedules, rounds, answers and scores. */
function quiz({ idType, id }: Ids): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("quiz_schedules")
        .addColumn("platform", "text", (c) => c.notNull())
        .addColumn("workspace_id", "text", (c) => c.notNull())
        .addColumn("channel_id", "text", (c) => c.notNull())
        .addColumn("time", "text", (c) => c.notNull())
        .addColumn("timezone", "text", (c) => c.notNull())
        .addColumn("days", "text", (c) => c.notNull())
        .addColumn("close_after_ms", "bigint", (c) => c.notNull().check(sql`close_after_ms > 0`))
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("quiz_schedules_pk", ["platform", "workspace_id", "channel_id"])
        .execute();

      await db.schema
        .createTable("quiz_rounds")
        .addColumn("id", idType, id)
        .addColumn("platform", "text", (c) => c.notNull())
        .addColumn("workspace_id", "text", (c) => c.notNull())
        .addColumn("channel_id", "text", (c) => c.notNull())
        .addColumn("schedule_key", "text")
        .addColumn("entry_id", "text", (c) => c.notNull())
        .addColumn("question_index", "integer", (c) => c.notNull().check(sql`question_index >= 0`))
        .addColumn("posted_by", "text")
        .addColumn("posted_at", "bigint", (c) => c.notNull())
        .addColumn("closes_at", "bigint", (c) => c.notNull())
        .addColumn("closed_at", "bigint")
        .addColumn("message_ref", "text")
        .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('posting', 'open', 'closed', 'failed')`))
        .execute();
      // At most one round in flight per channel, enforced by the database.
      await db.schema
        .createIndex("quiz_rounds_one_active_idx")
        .on("quiz_rounds")
        .columns(["platform", "workspace_id", "channel_id"])
        .unique()
        .where(sql<boolean>`status in ('posting', 'open')`)
        .execute();
      await db.schema
        .createIndex("quiz_rounds_channel_idx")
        .on("quiz_rounds")
        .columns(["platform", "workspace_id", "channel_id", "posted_at"])
        .execute();
      await db.schema.createIndex("quiz_rounds_due_idx").on("quiz_rounds").columns(["status", "closes_at"]).execute();

      await db.schema
        .createTable("quiz_answers")
        .addColumn("round_id", idType, (c) => c.notNull().references("quiz_rounds.id").onDelete("cascade"))
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("user_name", "text", (c) => c.notNull())
        .addColumn("choice", "integer", (c) => c.notNull().check(sql`choice >= 0`))
        .addColumn("correct", "integer", (c) => c.notNull().check(sql`correct in (0, 1)`))
        .addColumn("at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("quiz_answers_pk", ["round_id", "user_id"])
        .execute();

      await db.schema
        .createTable("quiz_scores")
        .addColumn("platform", "text", (c) => c.notNull())
        .addColumn("workspace_id", "text", (c) => c.notNull())
        .addColumn("channel_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("user_name", "text", (c) => c.notNull())
        .addColumn("points", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("answered", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("correct", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("streak", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("best_streak", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("quiz_scores_pk", ["platform", "workspace_id", "channel_id", "user_id"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ["quiz_scores", "quiz_answers", "quiz_rounds", "quiz_schedules"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}

/** Onboarding: enrolments, steps and undelivered DMs. */
function onboarding({ idType, id }: Ids): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // One enrolment per member (a member follows one track at a time).
      await db.schema
        .createTable("onboard_enrolments")
        .addColumn("platform", "text", (c) => c.notNull())
        .addColumn("workspace_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("user_name", "text", (c) => c.notNull())
        .addColumn("track_id", "text", (c) => c.notNull())
        .addColumn("step", "integer", (c) => c.notNull().check(sql`step >= 0`))
        .addColumn("status", "text", (c) =>
          c.notNull().check(sql`status in ('active', 'paused', 'stopped', 'finished')`),
        )
        .addColumn("pace", "text", (c) => c.notNull().defaultTo("self").check(sql`pace in ('self', 'drip')`))
        .addColumn("drip_time", "text")
        .addColumn("drip_timezone", "text")
        .addColumn("pace_set_at", "bigint")
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("last_activity_at", "bigint", (c) => c.notNull())
        .addColumn("finished_at", "bigint")
        .addPrimaryKeyConstraint("onboard_enrolments_pk", ["platform", "workspace_id", "user_id"])
        // A drip needs its local time and zone.
        .addCheckConstraint(
          "onboard_enrolments_drip_check",
          sql`pace = 'self' or (drip_time is not null and drip_timezone is not null)`,
        )
        .execute();
      await db.schema
        .createIndex("onboard_enrolments_team_idx")
        .on("onboard_enrolments")
        .columns(["platform", "workspace_id", "last_activity_at"])
        .execute();
      await db.schema
        .createIndex("onboard_enrolments_status_idx")
        .on("onboard_enrolments")
        .columns(["status", "last_activity_at"])
        .execute();

      // Per step of a member's track: delivered once, done, checkpoint attempts.
      await db.schema
        .createTable("onboard_steps")
        .addColumn("platform", "text", (c) => c.notNull())
        .addColumn("workspace_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("track_id", "text", (c) => c.notNull())
        .addColumn("step", "integer", (c) => c.notNull().check(sql`step >= 0`))
        .addColumn("delivered_at", "bigint", (c) => c.notNull())
        .addColumn("done_at", "bigint")
        .addColumn("quiz_attempts", "integer", (c) => c.notNull().defaultTo(0).check(sql`quiz_attempts >= 0`))
        .addColumn("quiz_passed", "integer", (c) => c.notNull().defaultTo(0).check(sql`quiz_passed in (0, 1)`))
        .addColumn("passed_first_try", "integer", (c) =>
          c.notNull().defaultTo(0).check(sql`passed_first_try in (0, 1)`),
        )
        .addPrimaryKeyConstraint("onboard_steps_pk", ["platform", "workspace_id", "user_id", "track_id", "step"])
        .execute();

      // Undeliverable DMs; at most one row per member has notified = 1 (the one in-channel mention).
      await db.schema
        .createTable("onboard_dm_failures")
        .addColumn("id", idType, id)
        .addColumn("platform", "text", (c) => c.notNull())
        .addColumn("workspace_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("notified", "integer", (c) => c.notNull().check(sql`notified in (0, 1)`))
        .execute();
      await db.schema
        .createIndex("onboard_dm_failures_notified_once_idx")
        .on("onboard_dm_failures")
        .columns(["platform", "workspace_id", "user_id"])
        .unique()
        .where(sql<boolean>`notified = 1`)
        .execute();
      await db.schema
        .createIndex("onboard_dm_failures_user_idx")
        .on("onboard_dm_failures")
        .columns(["platform", "workspace_id", "user_id", "at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ["onboard_dm_failures", "onboard_steps", "onboard_enrolments"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}

/** The row health checks write to. */
function storeProbe(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("store_probe")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("at", "bigint", (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("store_probe").execute();
    },
  };
}

/**
 * Brings the schema up to date. Concurrent callers are serialized by kysely on
 * PostgreSQL (a session advisory lock around a transaction); on SQLite the
 * caller must hold the write lock (see openStore), because kysely takes none.
 *
 * `migrationTableSchema` matters on PostgreSQL: without it kysely looks for
 * its bookkeeping tables in every schema, so a second schema on the same
 * server would be taken for already migrated.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  dialect: SqlDialect,
  migrationTableSchema?: string,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(dialect) },
    ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
    // SQLite runs inside the caller's BEGIN IMMEDIATE; kysely must not nest one.
    disableTransactions: dialect === "sqlite",
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration ${failed ?? "setup"} failed: ${reason}`);
  }
}

/**
 * A claim becomes a lease: its owner holds it until lease_until and renews it while the work
 * runs; done_at marks it finished (with its result). An unfinished claim whose lease ran out may
 * be taken over, so work claimed by a process that died is still done. Rounds being posted carry
 * the same kind of lease, so a round left in 'posting' is picked up at once.
 */
function leasedClaims(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("claims").addColumn("lease_until", "bigint").execute();
      await db.schema.alterTable("claims").addColumn("done_at", "bigint").execute();
      await db.schema.alterTable("claims").addColumn("result", "text").execute();
      await db.schema
        .alterTable("claims")
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(1))
        .execute();
      // Claims taken before leases existed were done (or lost) under "at most once": keep them closed.
      await sql`update claims set lease_until = at, done_at = at`.execute(db);
      await db.schema
        .createIndex("claims_open_idx")
        .on("claims")
        .columns(["kind", "lease_until"])
        .where(sql<boolean>`done_at is null`)
        .execute();
      await db.schema.alterTable("quiz_rounds").addColumn("owner", "text").execute();
      await db.schema.alterTable("quiz_rounds").addColumn("lease_until", "bigint").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("claims_open_idx").execute();
      for (const column of ["lease_until", "done_at", "result", "attempts"])
        await db.schema.alterTable("claims").dropColumn(column).execute();
      for (const column of ["owner", "lease_until"])
        await db.schema.alterTable("quiz_rounds").dropColumn(column).execute();
    },
  };
}

/**
 * A closed round is revealed under the same kind of lease as a round being posted (owner and
 * lease_until); revealed_at marks the reveal done, so a reveal whose process died is redone by
 * the next one. Rounds closed before this existed were revealed (or never will be): marked done.
 */
function revealLease(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("quiz_rounds").addColumn("revealed_at", "bigint").execute();
      await sql`update quiz_rounds set revealed_at = coalesce(closed_at, 0) where status = 'closed'`.execute(db);
      await db.schema
        .createIndex("quiz_rounds_unrevealed_idx")
        .on("quiz_rounds")
        .column("lease_until")
        .where(sql<boolean>`status = 'closed' and revealed_at is null`)
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("quiz_rounds_unrevealed_idx").execute();
      await db.schema.alterTable("quiz_rounds").dropColumn("revealed_at").execute();
    },
  };
}
