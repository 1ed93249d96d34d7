import { randomBytes } from "node:crypto";
import pg from "pg";
import { openStore } from "../../src/store/index.ts";
import { buttonsIn } from "../fakes/slack/harness.ts";
import { BOT_TOKEN, SIGNING_SECRET, type SlackStandIn } from "../fakes/slack/standin.ts";
import { type Running, startDockhand } from "./dockhand-process.ts";

/** Helpers for tests that run several real `dockhand start` processes on one PostgreSQL database. */

export const baseUrl = process.env.TEST_DATABASE_URL;
const DATABASE = "test_crashsafe";

/**
 * A database of its own on the test server (created once), and a fresh schema in it per call. A test
 * that cuts every connection of its database names another database for tests running beside it.
 */
export async function freshSchema(
  cleanups: (() => Promise<void> | void)[],
  database = DATABASE,
): Promise<{ url: string; db: pg.Pool }> {
  if (!baseUrl) throw new Error("TEST_DATABASE_URL is not set");
  const server = new pg.Client({ connectionString: baseUrl });
  await server.connect();
  try {
    const { rowCount } = await server.query("select 1 from pg_database where datname = $1", [database]);
    if (!rowCount) await server.query(`create database ${database}`).catch(() => undefined); // a racing creator is fine
  } finally {
    await server.end();
  }
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = `/${database}`;
  const schema = `crashsafe_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Pool({ connectionString: dbUrl.toString(), max: 3 });
  admin.on("error", () => {}); // our own connections are cut too when a test terminates backends
  await admin.query(`create schema "${schema}"`);
  const url = new URL(dbUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  // Migrated up front, so that schedules can be written before any replica starts.
  await (await openStore({ url: url.toString() })).close();
  const db = new pg.Pool({ connectionString: url.toString(), max: 3 });
  db.on("error", () => {});
  cleanups.push(async () => {
    await db.end();
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  });
  return { url: url.toString(), db };
}

/** Two stores on one fresh schema: two replicas' view of the database, closed by the cleanups. */
export async function twoStores(cleanups: (() => Promise<void> | void)[]) {
  const { url } = await freshSchema(cleanups);
  const a = await openStore({ url });
  const b = await openStore({ url });
  cleanups.push(
    () => a.close(),
    () => b.close(),
  );
  return { url, a, b };
}

/** Starts n Dockhand processes in Slack HTTP mode on one database, with short leases and ticks. */
export function startReplicas(
  n: number,
  url: string,
  standIn: SlackStandIn,
  cleanups: (() => Promise<void> | void)[],
): Promise<Running[]> {
  const env = {
    DATABASE_URL: url,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: standIn.apiUrl,
    DOCKHAND_LEASE_SECONDS: "2",
    DOCKHAND_TICK_SECONDS: "1",
  };
  return Promise.all(Array.from({ length: n }, () => startDockhand(env, cleanups)));
}

export const alive = (r: Running) => r.child.exitCode === null && r.child.signalCode === null;

/** Polls until probe returns something truthy. */
export async function until<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  ms = 15_000,
) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Where a schedule is: the Slack stand-in's team unless told. */
export interface Place {
  platform: "slack" | "discord";
  workspaceId: string;
}
const SLACK_T1: Place = { platform: "slack", workspaceId: "T1" };

/** A daily schedule in `channel` whose occurrence was two minutes ago (so the first tick posts it). */
export async function dueSchedule(db: pg.Pool, channel: string, where: Place = SLACK_T1): Promise<void> {
  const due = new Date(Date.now() - 2 * 60_000);
  const time = `${String(due.getUTCHours()).padStart(2, "0")}:${String(due.getUTCMinutes()).padStart(2, "0")}`;
  await db.query(
    `insert into quiz_schedules (platform, workspace_id, channel_id, time, timezone, days, close_after_ms, created_by, created_at)
     values ($4, $5, $1, $2, 'UTC', 'daily', 3600000, 'U-test', $3)`,
    [channel, time, Date.now() - 3 * 3_600_000, where.platform, where.workspaceId],
  );
}

/** The replica holding the quiz-post claim of `channel`, once there is one. */
export async function claimant(
  db: pg.Pool,
  replicas: Running[],
  channel: string,
  where: Place = SLACK_T1,
): Promise<Running> {
  const owner = await until(async () => {
    const { rows } = await db.query("select owner from claims where kind = 'quiz-post' and key like $1", [
      `${where.platform}:${where.workspaceId}:${channel}@%`,
    ]);
    return rows[0]?.owner as string | undefined;
  }, `a claim in ${channel}`);
  const pid = Number(owner.split("-").pop());
  const found = replicas.find((r) => r.child.pid === pid);
  if (!found) throw new Error(`claim owner ${owner} is none of the replicas`);
  return found;
}

/** The quiz questions Dockhand posted in a channel (tagged with its message metadata). */
export function questionsIn(standIn: SlackStandIn, channel: string) {
  return [...standIn.messages.values()].filter(
    (m) => m.channel === channel && (m.metadata as { event_type?: string } | undefined)?.event_type === "dockhand_post",
  );
}

export async function roundsIn(db: pg.Pool, channel: string): Promise<{ status: string; message_ref: string }[]> {
  const { rows } = await db.query("select status, message_ref from quiz_rounds where channel_id = $1 order by id", [
    channel,
  ]);
  return rows;
}

/** The answer buttons' action ids of the question in a channel. */
export function answerButtons(standIn: SlackStandIn, channel: string): string[] {
  const question = questionsIn(standIn, channel)[0];
  return question
    ? buttonsIn(question.blocks)
        .map((b) => b.actionId)
        .filter((a) => a.startsWith("v1|answer|"))
    : [];
}
