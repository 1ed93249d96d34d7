import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { migrateToLatest } from "./migrations.ts";
import type { Database } from "./schema.ts";
import { StripNulPlugin } from "./strip-nul.ts";

const INT8_OID = 20;
export const POOL_SIZE = 20;

/** Connects to PostgreSQL, checks the connection and migrates the current schema. */
export async function openPostgres(url: string): Promise<Kysely<Database>> {
  const target = describeTarget(url);
  // bigint (int8) columns and count(*) come back as JS numbers. Scoped to this
  // pool, so other pg users in the process keep the default (string) parser.
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, Number);

  let db: Kysely<Database> | undefined;
  try {
    // The scheduler runs up to 50 occurrences at once, each a few short statements in a row: with
    // pg's default of 10 connections most of them wait for a connection rather than for the
    // database. 20 keeps three replicas (60) under PostgreSQL's default max_connections of 100.
    const pool = new pg.Pool({ connectionString: url, types, max: POOL_SIZE, connectionTimeoutMillis: 10_000 });
    // A client that loses its connection emits 'error'; without a listener the process would
    // crash. The pool listens only while a client is idle, so every client also gets a listener of
    // its own for the time it is checked out: the statement in flight fails (and is retried where
    // that is safe), the pool drops the client, and the next statement reconnects.
    pool.on("error", () => {});
    pool.on("connect", (client) => {
      client.on("error", () => {});
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new StripNulPlugin()] });
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    const schema = rows[0]?.schema;
    if (!schema) throw new Error("no schema on the search_path exists");
    await migrateToLatest(db, "postgres", schema);
    return db;
  } catch (err) {
    await db?.destroy().catch(() => undefined);
    throw new Error(`Cannot open PostgreSQL database ${target}: ${redact(errorText(err), url)}`);
  }
}

/** user@host:port/database, never the password. */
function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : "";
    return `${user}${u.host || "localhost"}${u.pathname}`;
  } catch {
    return "(the URL could not be parsed: check host, port and percent-encoding)";
  }
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  // Node reports a refused connection to a name with several addresses as an
  // AggregateError with an empty message; its parts carry the reasons.
  let text = err.message;
  if (!text && err instanceof AggregateError) text = err.errors.map((e) => errorText(e)).join("; ");
  if (!text) text = "unknown error";
  return typeof code === "string" && !text.includes(code) ? `${text} (${code})` : text;
}

/** Removes the URL's password (raw and decoded) from a message, in case a driver echoes it. */
function redact(text: string, url: string): string {
  const secrets = new Set<string>();
  const raw = /^[a-z][a-z0-9+.-]*:\/\/[^:@/]*:([^@]*)@/i.exec(url)?.[1];
  if (raw) secrets.add(raw);
  try {
    const password = new URL(url).password;
    if (password) {
      secrets.add(password);
      secrets.add(decodeURIComponent(password));
    }
  } catch {
    // unparseable URL: the pattern above is the best we have
  }
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join("***");
  return out;
}
