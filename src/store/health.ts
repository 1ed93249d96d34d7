import fs from "node:fs";
import path from "node:path";
import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";

/** A write is tried at most this often by health checks (each costs a commit). */
export const WRITE_PROBE_MS = 5_000;

export interface StoreCheck {
  ok: boolean;
  detail?: string;
}

/** What to do about a SQLite file that cannot be written. */
export const READ_ONLY_FIX = `Make the file and its directory (SQLite adds -wal and -shm files beside it) writable by the user running Dockhand${process.getuid ? ` (uid ${process.getuid()})` : ""}, or set DOCKHAND_DB_PATH to a writable place.`;

/** Where an opened SQLite file lives, and which file it was when it was opened. */
interface OpenedFile {
  file: string;
  dev: number;
  ino: number;
}

/**
 * Checks that the database can be read and written, and (SQLite) that the path still names the
 * file that is open: a file deleted or replaced under a running process keeps answering from the
 * unlinked copy, and everything written after that is gone at the next start.
 */
export class StoreProbe {
  private readonly opened: OpenedFile | undefined;
  private lastWrite: { at: number; check: StoreCheck } | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    file?: string,
  ) {
    if (file && file !== ":memory:") {
      const st = fs.statSync(file);
      this.opened = { file, dev: st.dev, ino: st.ino };
    }
  }

  /** Start-up: throws a message that says what to fix when the database cannot be written. */
  async assertWritable(): Promise<void> {
    const where = this.opened ? `The SQLite database ${this.opened.file}` : "The PostgreSQL database";
    const problem = this.fileProblem() ?? (await this.write()).detail;
    if (!problem) return;
    const fix = this.opened
      ? READ_ONLY_FIX
      : "Connect as a user that may write, to a primary server (not a read-only replica), with DATABASE_URL.";
    throw new Error(`${where} cannot be written: ${problem}. ${fix}`);
  }

  /** For /healthz: reads answer, writes answer (probed every few seconds), and the file is still there. */
  async check(): Promise<StoreCheck> {
    try {
      await sql`select 1`.execute(this.db);
    } catch (err) {
      return { ok: false, detail: `the database does not answer: ${message(err)}` };
    }
    const file = this.fileProblem();
    if (file) return { ok: false, detail: file };
    const now = Date.now();
    let last = this.lastWrite;
    if (!last?.check.ok || now - last.at >= WRITE_PROBE_MS) {
      last = { at: now, check: await this.write() };
      this.lastWrite = last;
    }
    return last.check;
  }

  private async write(): Promise<StoreCheck> {
    try {
      const at = Date.now();
      await this.db
        .insertInto("store_probe")
        .values({ id: 1, at })
        .onConflict((oc) => oc.column("id").doUpdateSet({ at }))
        .execute();
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: `writes fail: ${message(err)}` };
    }
  }

  /** SQLite: the path no longer names the open file, or can no longer be written. */
  private fileProblem(): string | undefined {
    const o = this.opened;
    if (!o) return undefined;
    let st: fs.Stats;
    try {
      st = fs.statSync(o.file);
    } catch {
      return `the database file ${o.file} was deleted while Dockhand was running; what is written now is lost at the next start. Restore the file from a backup or restart Dockhand to start a new one`;
    }
    if (st.dev !== o.dev || st.ino !== o.ino) {
      return `the database file ${o.file} was replaced while Dockhand was running; Dockhand still writes to the old one. Restart Dockhand to use the new file`;
    }
    return unwritable(o.file);
  }
}

/** Why SQLite could not write this file (or add its -wal and -shm files beside it), if it could not. */
export function unwritable(file: string): string | undefined {
  for (const [target, what] of [
    [file, "file"],
    [path.dirname(file), "directory"],
  ] as const) {
    try {
      fs.accessSync(target, fs.constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && what === "file") continue; // created on open
      return `the database ${what} ${target} is not writable (${code ?? message(err)})`;
    }
  }
  return undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
