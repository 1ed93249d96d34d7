import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { asJson, postSigned } from "../fakes/slack/payloads.ts";
import { BOT_TOKEN, SIGNING_SECRET, SlackStandIn } from "../fakes/slack/standin.ts";
import { asUnprivileged, freePort, runDockhand, startDockhand } from "./dockhand-process.ts";

/**
 * What an attacker or a careless operator can do to the running process: requests it does not
 * expect, bodies Bolt cannot read, a database that cannot be written or is deleted underneath it.
 * Each case runs the real `dockhand start`.
 */
let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function slackHttp() {
  const standIn = await SlackStandIn.start();
  cleanups.push(() => standIn.close());
  const d = await startDockhand(
    { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: standIn.apiUrl },
    cleanups,
  );
  const base = `http://127.0.0.1:${d.port}`;
  const alive = async () => {
    expect(d.child.exitCode).toBeNull();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  };
  return { d, base, alive };
}

/** A directory the unprivileged user (when the tests run as root) may write. */
function ownDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-hard-"));
  if (asUnprivileged.uid !== undefined) fs.chownSync(dir, asUnprivileged.uid, asUnprivileged.gid ?? -1);
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function health(port: number): Promise<{ status: number; body: { checks: { store: { detail?: string } } } }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: (await res.json()) as { checks: { store: { detail?: string } } } };
}

describe("Slack HTTP mode: requests that are not Slack's", () => {
  it("get a status (404, 405) instead of stopping the process", async () => {
    const { base, alive } = await slackHttp();
    const cases: [string, string, number][] = [
      ["GET", "/", 404],
      ["GET", "/healthz/", 200],
      ["GET", "/slack/events", 405],
      ["HEAD", "/slack/events", 405],
      ["PUT", "/metrics", 405],
      ["DELETE", "/healthz", 405],
      ["POST", "/other", 404],
      ["GET", "/slack/events/../../etc/passwd", 404],
      ["OPTIONS", "/slack/events", 405],
    ];
    for (const [method, p, status] of cases) {
      const res = await fetch(`${base}${p}`, { method });
      expect(`${method} ${p} → ${res.status}`).toBe(`${method} ${p} → ${status}`);
      await alive();
    }
    const allow = await fetch(`${base}/slack/events`);
    expect(allow.headers.get("allow")).toBe("POST");
  }, 40_000);

  it("a correctly signed body of null, or payload=null, gets 400 and the process keeps serving", async () => {
    const { base, alive } = await slackHttp();
    const events = `${base}/slack/events`;
    expect((await postSigned(events, asJson(null as unknown as object))).status).toBe(400);
    await alive();
    expect((await postSigned(events, { form: { payload: "null" } })).status).toBe(400);
    await alive();
    expect((await postSigned(events, { form: { payload: "[1,2]" } })).status).toBe(400);
    await alive();
    expect((await postSigned(events, { form: { payload: "{not json" } })).status).toBe(400);
    await alive();
    // Unsigned is still refused as before.
    expect((await postSigned(events, asJson({ type: "event_callback" }), { signature: "v0=00" })).status).toBe(401);
    await alive();
  }, 40_000);
});

describe("the SQLite database", () => {
  it("a read-only database file stops start-up with what to fix, not a failure on every command later", async () => {
    const dir = ownDir();
    const db = path.join(dir, "dockhand.db");
    // A healthy database first, then made read-only.
    const made = await startDockhand({ DOCKHAND_DB_PATH: db }, cleanups, { dir, user: asUnprivileged });
    made.child.kill("SIGTERM");
    expect((await made.exited).code).toBe(0);
    fs.chmodSync(db, 0o444);

    const run = await runDockhand(
      ["start"],
      { DOCKHAND_DB_PATH: db, PORT: String(await freePort()) },
      { cwd: dir, user: asUnprivileged, timeoutMs: 20_000 },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${db} is not writable`);
    expect(run.stderr).toContain("DOCKHAND_DB_PATH");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("/healthz turns 503 when the database can no longer be written, and 200 again when it can", async () => {
    const dir = ownDir();
    const db = path.join(dir, "dockhand.db");
    const d = await startDockhand({ DOCKHAND_DB_PATH: db }, cleanups, { dir, user: asUnprivileged });
    expect((await health(d.port)).status).toBe(200);
    fs.chmodSync(db, 0o444);
    const down = await health(d.port);
    expect(down.status).toBe(503);
    expect(down.body.checks.store.detail).toContain("not writable");
    fs.chmodSync(db, 0o644);
    expect((await health(d.port)).status).toBe(200);
  }, 40_000);

  it("a database file deleted while running turns /healthz 503 and is logged", async () => {
    const dir = ownDir();
    const db = path.join(dir, "dockhand.db");
    const d = await startDockhand({ DOCKHAND_DB_PATH: db }, cleanups, { dir });
    expect((await health(d.port)).status).toBe(200);
    fs.rmSync(db);
    const down = await health(d.port);
    expect(down.status).toBe(503);
    expect(down.body.checks.store.detail).toContain("was deleted while Dockhand was running");
    // The log is written asynchronously: give it a moment.
    for (let i = 0; i < 40 && !d.stdout().includes("the database is not healthy"); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(d.stdout()).toContain("the database is not healthy");
  }, 40_000);
});
