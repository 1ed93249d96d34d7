import { resolve } from "node:path";
import { KyselyStore } from "./kysely-store.ts";
import { openPostgres } from "./postgres.ts";
import { DEFAULT_SQLITE_PATH, openSqlite } from "./sqlite.ts";
import type { Store } from "./types.ts";

export type { ExclusiveLock } from "./advisory-lock.ts";
export type { Database } from "./schema.ts";
export type { FeedbackResult, GapRow, Outcome, Platform, QueryRecord, Store } from "./types.ts";
export { DEFAULT_SQLITE_PATH };

export interface OpenStoreOptions {
  /** A postgres:// or postgresql:// URL; when absent or empty, SQLite is used. */
  url?: string;
  /** SQLite file (default ./data/dockhand.db; the directory is created); `:memory:` allowed. */
  sqlitePath?: string;
}

/**
 * Opens the database, runs pending migrations (safe when several processes
 * open one database at once) and returns the Store. Errors name the problem
 * and never contain the URL's password.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const url = options.url?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
      throw new Error(
        `Unsupported database URL${scheme ? ` scheme "${scheme}"` : ""}: expected one starting with postgres:// or postgresql://`,
      );
    }
    return writable(new KyselyStore(await openPostgres(url), "postgres", undefined, url));
  }
  const file = options.sqlitePath ?? DEFAULT_SQLITE_PATH;
  // SQLite's open already wrote once, under the lock it takes to migrate.
  return new KyselyStore(await openSqlite(file), "sqlite", file === ":memory:" ? undefined : resolve(file));
}

/** A database that answers but cannot take a write would fail every command later: refuse it now. */
async function writable(store: KyselyStore): Promise<Store> {
  try {
    await store.assertWritable();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
