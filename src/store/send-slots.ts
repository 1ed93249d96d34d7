import { type Kysely, type Migration, sql } from "kysely";
import type { Database } from "./schema.ts";

/**
 * Send times shared by every process on the database, for a rate limit that all of them count
 * against (Discord's global limit is per bot token, whatever the number of replicas). One row per
 * limit holds the next free time (ms, fractions kept) on PostgreSQL's clock, so the replicas' clocks do not matter: a
 * reservation moves it one gap on and says how long until the reserved time.
 */
export class SendSlots {
  constructor(private readonly db: Kysely<Database>) {}

  /** Reserves the next free time of `name`, at least gapMs after the one before; resolves to the ms to wait. */
  async reserve(name: string, gapMs: number): Promise<number> {
    const gap = Math.max(0, gapMs);
    const now = sql<number>`extract(epoch from clock_timestamp()) * 1000`;
    const { rows } = await sql<{ wait_ms: string | number }>`
      insert into send_slots (name, next_at) values (${name}, ${now} + ${gap})
      on conflict (name) do update set next_at = greatest(send_slots.next_at, ${now}) + ${gap}
      returning next_at - ${gap} - ${now} as wait_ms`.execute(this.db);
    return Math.max(0, Number(rows[0]?.wait_ms ?? 0));
  }

  /** Nothing of `name` is sent for the next ms (a 429 said so): later reservations start after that. */
  async pause(name: string, ms: number): Promise<void> {
    const now = sql<number>`extract(epoch from clock_timestamp()) * 1000`;
    await sql`
      insert into send_slots (name, next_at) values (${name}, ${now} + ${ms})
      on conflict (name) do update set next_at = greatest(send_slots.next_at, ${now} + ${ms})`.execute(this.db);
  }
}

/** The next free send time per shared rate limit (see SendSlots); PostgreSQL's replicas use it. */
export function sendSlotsMigration(dialect: "sqlite" | "postgres"): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Unlogged on PostgreSQL: every send of every replica updates this one row, and a logged
      // update waits for its write-ahead log flush while holding the row, so reservations queued
      // behind each other's disk writes. After a crash the row is simply gone and starts again.
      const table = db.schema.createTable("send_slots");
      await (dialect === "postgres" ? table.modifyFront(sql`unlogged`) : table)
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("next_at", "double precision", (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("send_slots").execute();
    },
  };
}
