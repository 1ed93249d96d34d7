import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";
import { READ_ONLY_FIX, unwritable } from "./health.ts";
import { migrateToLatest } from "./migrations.ts";
import type { Database } from "./schema.ts";

export const DEFAULT_SQLITE_PATH = "./data/dockhand.db";

// Transactions take the write lock up front (BEGIN IMMEDIATE): a deferred
// transaction that reads and then writes fails with SQLITE_BUSY at once,
// without waiting for busy_timeout, when another process wrote in between.
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

// better-sqlite3 blocks the thread while it waits for a lock, so a second
// open of the same file in this process, waiting on BEGIN IMMEDIATE, would
// stall the very migration it waits for. Opens of one file queue up instead.
const opening = new Map<string, Promise<unknown>>();

/** Opens (creating if needed) and migrates a SQLite database file, or `:memory:`. */
export async function openSqlite(file: string): Promise<Kysely<Database>> {
  if (file === ":memory:") return open(file, true);
  const target = path.resolve(file);
  const previous = opening.get(target) ?? Promise.resolve();
  const current = previous.then(() => open(target, false));
  const settled = current.catch(() => undefined);
  opening.set(target, settled);
  try {
    return await current;
  } finally {
    if (opening.get(target) === settled) opening.delete(target);
  }
}

async function open(target: string, memory: boolean): Promise<Kysely<Database>> {
  let raw: BetterSqlite3.Database | undefined;
  try {
    if (!memory) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      // A read-only file opens, and even takes writes into a new -wal file, until it fails later.
      const problem = unwritable(target);
      if (problem) throw new Error(`${problem}. ${READ_ONLY_FIX}`);
    }
    raw = new BetterSqlite3(target);
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    raw.pragma("busy_timeout = 5000");
    // Switching a new file to WAL can answer "database is locked" at once, without waiting, while
    // another process does the same: try again for a few seconds.
    for (let attempt = 0; ; attempt++) {
      try {
        raw.pragma("journal_mode = WAL");
        break;
      } catch (err) {
        if (attempt >= 100 || !/locked|busy/i.test(errorText(err))) throw err;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
      }
    }
    raw.pragma("synchronous = FULL");
    raw.pragma("foreign_keys = ON");
  } catch (err) {
    raw?.close();
    throw new Error(`Cannot open SQLite database at ${target}: ${errorText(err)}`);
  }

  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: raw }) });
  try {
    // kysely takes no migration lock on SQLite: hold the write lock for the
    // whole check-and-migrate, so concurrent processes migrate once.
    raw.exec("BEGIN IMMEDIATE");
    try {
      await migrateToLatest(db, "sqlite");
      // A write proves the file takes writes, inside the lock this open already holds.
      raw
        .prepare("insert into store_probe (id, at) values (1, ?) on conflict (id) do update set at = excluded.at")
        .run(Date.now());
      raw.exec("COMMIT");
    } catch (err) {
      if (raw.inTransaction) raw.exec("ROLLBACK");
      throw err;
    }
  } catch (err) {
    await db.destroy();
    if (raw.open) raw.close();
    throw new Error(`Cannot prepare SQLite database at ${target}: ${errorText(err)}`);
  }
  return db;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
