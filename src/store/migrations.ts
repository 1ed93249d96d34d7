import { type ColumnDefinitionBuilder, type Kysely, type Migration, Migrator, sql } from "kysely";

export type SqlDialect = "sqlite" | "postgres";

/**
 * The schema history, as code. Names sort in the order they must run; never
 * edit a migration that has shipped, add the next one instead.
 */
export function migrations(dialect: SqlDialect): Record<string, Migration> {
  // Ids are never reused (AUTOINCREMENT / identity), so a late vote on an old
  // message can never attach to a newer query that took a freed id.
  const idType = dialect === "postgres" ? "bigint" : "integer";
  const id = (col: ColumnDefinitionBuilder) =>
    dialect === "postgres" ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement();

  return {
    "0001_initial": {
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
