import { KyselyStore } from "./kysely-store.ts";
import { openPostgres } from "./postgres.ts";
import { DEFAULT_SQLITE_PATH, openSqlite } from "./sqlite.ts";
import type { Store } from "./types.ts";

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
    return new KyselyStore(await openPostgres(url), "postgres");
  }
  return new KyselyStore(await openSqlite(options.sqlitePath ?? DEFAULT_SQLITE_PATH), "sqlite");
}
