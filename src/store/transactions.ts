import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "./schema.ts";

/** SQLite file → the last transaction of this process queued on it. Shared by every store instance. */
const sqliteQueues = new Map<string, Promise<unknown>>();

/**
 * Runs transactions. On SQLite, this process's transactions on one file run one after another:
 * better-sqlite3 blocks the thread while it waits for a lock, so a second store instance starting
 * BEGIN IMMEDIATE while another instance of this process holds the lock would stall that very
 * holder until SQLITE_BUSY. Other processes simply wait for the lock.
 */
export class Transactions {
  /** The SQLite database file, undefined for :memory:. */
  #file: Promise<string | undefined> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: "sqlite" | "postgres",
  ) {}

  async run<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const run = () => this.db.transaction().execute(fn);
    if (this.dialect !== "sqlite") return run();
    this.#file ??= sql<{ name: string; file: string }>`pragma database_list`
      .execute(this.db)
      .then((r) => r.rows.find((row) => row.name === "main")?.file || undefined);
    const file = await this.#file;
    if (file === undefined) return run(); // :memory: is private to its connection
    const previous = sqliteQueues.get(file) ?? Promise.resolve();
    const current = previous.then(run);
    const settled = current.catch(() => undefined);
    sqliteQueues.set(file, settled);
    try {
      return await current;
    } finally {
      if (sqliteQueues.get(file) === settled) sqliteQueues.delete(file);
    }
  }
}
