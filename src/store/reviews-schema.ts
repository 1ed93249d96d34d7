import { type ColumnDefinitionBuilder, type Generated, type Kysely, type Migration, sql } from "kysely";

/** The review tables as kysely sees them (timestamps in epoch ms, like every other table). */
export interface ReviewTables {
  review_cards: ReviewCardsTable;
  review_log: ReviewLogTable;
  review_daily: ReviewDailyTable;
}

/**
 * One card per person and quiz question; primary key (platform, workspace_id, user_id, entry_id,
 * question). The columns are ts-fsrs's Card fields.
 */
export interface ReviewCardsTable {
  platform: string;
  workspace_id: string;
  user_id: string;
  entry_id: string;
  /** The question's index among the entry's quiz questions. */
  question: number;
  /** 'quiz' | 'onboarding' | 'remember' | 'topic'. */
  source: string;
  added_at: number;
  due: number;
  stability: number;
  difficulty: number;
  elapsed_days: number;
  scheduled_days: number;
  learning_steps: number;
  reps: number;
  lapses: number;
  /** ts-fsrs State: 0 new, 1 learning, 2 review, 3 relearning. */
  state: number;
  last_review: number | null;
}

/** Every review; `before` is the card as it was just before, as JSON (to re-grade "That was easy"). */
export interface ReviewLogTable {
  id: Generated<number>;
  platform: string;
  workspace_id: string;
  user_id: string;
  entry_id: string;
  question: number;
  /** 'again' | 'good' | 'easy'. */
  grade: string;
  at: number;
  before: string;
}

/** The opt-in daily nudge; one row per person. */
export interface ReviewDailyTable {
  platform: string;
  workspace_id: string;
  user_id: string;
  user_name: string;
  time: string;
  timezone: string;
  set_at: number;
  channel_id: string;
  /** 1 once the person was told their DMs are closed. */
  dm_closed_noticed: number;
}

const PERSON = ["platform", "workspace_id", "user_id"] as const;

/** Migration 0006: the review deck, its history and the daily nudge. */
export function reviewsMigration(dialect: "sqlite" | "postgres"): Migration {
  const idType = dialect === "postgres" ? "bigint" : "integer";
  const id = (col: ColumnDefinitionBuilder) =>
    dialect === "postgres" ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement();
  const person = (t: ReturnType<Kysely<unknown>["schema"]["createTable"]>) =>
    t
      .addColumn("platform", "text", (c) => c.notNull())
      .addColumn("workspace_id", "text", (c) => c.notNull())
      .addColumn("user_id", "text", (c) => c.notNull());
  return {
    async up(db: Kysely<unknown>) {
      await person(db.schema.createTable("review_cards"))
        .addColumn("entry_id", "text", (c) => c.notNull())
        .addColumn("question", "integer", (c) => c.notNull().check(sql`question >= 0`))
        .addColumn("source", "text", (c) =>
          c.notNull().check(sql`source in ('quiz', 'onboarding', 'remember', 'topic')`),
        )
        .addColumn("added_at", "bigint", (c) => c.notNull())
        .addColumn("due", "bigint", (c) => c.notNull())
        .addColumn("stability", "double precision", (c) => c.notNull())
        .addColumn("difficulty", "double precision", (c) => c.notNull())
        .addColumn("elapsed_days", "integer", (c) => c.notNull())
        .addColumn("scheduled_days", "integer", (c) => c.notNull())
        .addColumn("learning_steps", "integer", (c) => c.notNull())
        .addColumn("reps", "integer", (c) => c.notNull().check(sql`reps >= 0`))
        .addColumn("lapses", "integer", (c) => c.notNull().check(sql`lapses >= 0`))
        .addColumn("state", "integer", (c) => c.notNull().check(sql`state in (0, 1, 2, 3)`))
        .addColumn("last_review", "bigint")
        .addPrimaryKeyConstraint("review_cards_pk", [...PERSON, "entry_id", "question"])
        .execute();
      await db.schema
        .createIndex("review_cards_due_idx")
        .on("review_cards")
        .columns([...PERSON, "due"])
        .execute();
      await db.schema
        .createIndex("review_cards_lapses_idx")
        .on("review_cards")
        .columns(["platform", "workspace_id", "entry_id"])
        .execute();

      await person(db.schema.createTable("review_log"))
        .addColumn("id", idType, id)
        .addColumn("entry_id", "text", (c) => c.notNull())
        .addColumn("question", "integer", (c) => c.notNull())
        .addColumn("grade", "text", (c) => c.notNull().check(sql`grade in ('again', 'good', 'easy')`))
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("before", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("review_log_person_at_idx")
        .on("review_log")
        .columns([...PERSON, "at"])
        .execute();

      await person(db.schema.createTable("review_daily"))
        .addColumn("user_name", "text", (c) => c.notNull())
        .addColumn("time", "text", (c) => c.notNull())
        .addColumn("timezone", "text", (c) => c.notNull())
        .addColumn("set_at", "bigint", (c) => c.notNull())
        .addColumn("channel_id", "text", (c) => c.notNull())
        .addColumn("dm_closed_noticed", "integer", (c) =>
          c.notNull().defaultTo(0).check(sql`dm_closed_noticed in (0, 1)`),
        )
        .addPrimaryKeyConstraint("review_daily_pk", [...PERSON])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ["review_daily", "review_log", "review_cards"]) await db.schema.dropTable(table).execute();
    },
  };
}
