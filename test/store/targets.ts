import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { OpenStoreOptions } from "../../src/store/index.ts";

/** A database server the contract suite runs against; each `fresh()` is an empty, isolated database. */
export interface Target {
  readonly dialect: "sqlite" | "postgres";
  fresh(): Promise<OpenStoreOptions>;
  cleanup(): Promise<void>;
}

export function sqliteTarget(): Target {
  let root: string | undefined;
  let n = 0;
  return {
    dialect: "sqlite",
    async fresh() {
      root ??= fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-store-"));
      n += 1;
      return { sqlitePath: path.join(root, `db-${n}`, "dockhand.db") };
    },
    async cleanup() {
      if (root) fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Each fresh() is a new schema, reached through search_path in the URL's `options`. */
export function postgresTarget(baseUrl: string): Target {
  const admin = new pg.Pool({ connectionString: baseUrl, max: 2 });
  const schemas: string[] = [];
  return {
    dialect: "postgres",
    async fresh() {
      const schema = `dockhand_test_${process.pid}_${randomBytes(6).toString("hex")}`;
      await admin.query(`create schema "${schema}"`);
      schemas.push(schema);
      const url = new URL(baseUrl);
      url.searchParams.set("options", `-c search_path=${schema}`);
      return { url: url.toString() };
    },
    async cleanup() {
      for (const schema of schemas) await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    },
  };
}
