import { spawn } from "node:child_process";
import fs from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { buttonsIn } from "../fakes/slack/harness.ts";
import { asForm, asPayload, buttonPress, postSigned, slashCommand } from "../fakes/slack/payloads.ts";
import { BOT_TOKEN, SIGNING_SECRET, SlackStandIn } from "../fakes/slack/standin.ts";
import { bin, freePort, startDockhand as start } from "./dockhand-process.ts";

/**
 * The real process, as `npm start` and the container run it: `dockhand start` in a child process
 * with a port, then signals. These tests are about what an operator sees: health endpoints, a
 * clean exit within 10 seconds, and no acknowledged answer lost on the way down.
 */
let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const startDockhand = (env: Record<string, string>) => start(env, cleanups);

describe("dockhand start as a service", () => {
  it("with a port and no chat tokens: serves health and metrics, and stops on SIGTERM with exit 0", async () => {
    const d = await startDockhand({});
    const base = `http://127.0.0.1:${d.port}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      ok: true,
      checks: {
        process: { ok: true },
        store: { ok: true },
        knowledge: { ok: true, detail: expect.stringMatching(/^113 entries; packs [0-9a-f]{16}$/) },
      },
    });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain("no chat platform configured");
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain("# TYPE dockhand_commands_total counter");
    expect(metrics).toContain("process_cpu_seconds_total");

    const sent = Date.now();
    d.child.kill("SIGTERM");
    const { code, at } = await d.exited;
    expect(code).toBe(0);
    expect(at - sent).toBeLessThan(10_000);
    expect(d.stderr()).toContain("SIGTERM: stopping");
  }, 40_000);

  it("says which port is taken instead of a stack trace", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, r));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = (blocker.address() as { port: number }).port;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-proc-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const child = spawn(process.execPath, [bin, "start"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", PORT: String(port), DOCKHAND_DB_PATH: path.join(dir, "d.db") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect(code).toBe(2);
    expect(err).toContain(`PORT ${port} is already in use`);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  }, 40_000);
});

describe("SIGTERM during start-up", () => {
  it("as soon as /healthz answers, before Slack is connected: stops cleanly with exit 0", async () => {
    const standIn = await SlackStandIn.start();
    cleanups.push(() => standIn.close());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-proc-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const child = spawn(process.execPath, [bin, "start"], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        PORT: String(port),
        DOCKHAND_DB_PATH: path.join(dir, "d.db"),
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: standIn.apiUrl,
      },
      stdio: ["ignore", "ignore", "ignore"],
    });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) =>
      child.once("exit", (code, signal) => r([code, signal])),
    );
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (i > 1500 || child.exitCode !== null) throw new Error("/healthz never answered");
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGTERM");
    expect(await exited).toEqual([0, null]);
  }, 40_000);
});

describe("SIGTERM during an answer storm (Slack over HTTP)", () => {
  it("loses no acknowledged answer and exits 0 within 10 seconds", async () => {
    const standIn = await SlackStandIn.start();
    cleanups.push(() => standIn.close());
    const d = await startDockhand({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: standIn.apiUrl,
    });
    const events = `http://127.0.0.1:${d.port}/slack/events`;

    // A quiz question in #C1.
    const posted = await postSigned(
      events,
      asForm(slashCommand({ text: "quiz now", responseUrl: standIn.responseUrl() })),
    );
    expect(posted.status).toBe(200);
    let answers: { actionId: string }[] = [];
    for (let i = 0; i < 200 && answers.length === 0; i++) {
      const question = [...standIn.messages.values()].find((m) => m.channel === "C1");
      answers = question ? buttonsIn(question.blocks).filter((b) => b.actionId.startsWith("v1|answer|")) : [];
      if (answers.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(answers.length).toBeGreaterThanOrEqual(2);

    // 80 people answer; the process is told to stop while the presses are still coming in: after
    // the first five acknowledgements, with the rest of the first thirty still in flight.
    const acked: string[] = [];
    const presses: Promise<void>[] = [];
    let firstFive: () => void = () => {};
    const fiveAcked = new Promise<void>((r) => {
      firstFive = r;
    });
    const press = (i: number) => {
      const user = `U${1000 + i}`;
      const choice = answers[i % answers.length] as { actionId: string };
      presses.push(
        postSigned(
          events,
          asPayload(
            buttonPress({ actionId: choice.actionId, user, userName: user, responseUrl: standIn.responseUrl() }),
          ),
        ).then(
          (r) => {
            if (r.status === 200) acked.push(user);
            if (acked.length === 5) firstFive();
          },
          () => {}, // refused or cut: not acknowledged, so not promised
        ),
      );
    };
    for (let i = 0; i < 30; i++) press(i);
    await fiveAcked;
    const sentAt = Date.now();
    d.child.kill("SIGTERM");
    for (let i = 30; i < 80; i++) press(i);
    await Promise.all(presses);
    const { code, at } = await d.exited;
    expect(code).toBe(0);
    expect(at - sentAt).toBeLessThan(10_000);
    expect(acked.length).toBeGreaterThanOrEqual(5);

    const db = new Database(path.join(d.dir, "dockhand.db"), { readonly: true });
    try {
      const stored = new Set(
        (db.prepare("select user_id from quiz_answers").all() as { user_id: string }[]).map((r) => r.user_id),
      );
      const lost = acked.filter((u) => !stored.has(u));
      expect(lost).toEqual([]);
    } finally {
      db.close();
    }
  }, 60_000);
});

describe("a shutdown while a quiz post hangs", () => {
  /** Dockhand with a quiz post stuck in flight: Slack's chat.postMessage never answers. */
  async function stuck() {
    const standIn = await SlackStandIn.start();
    cleanups.push(() => standIn.close());
    const gate = standIn.hold("chat.postMessage");
    cleanups.push(() => gate.release());
    const d = await startDockhand({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: standIn.apiUrl,
    });
    const events = `http://127.0.0.1:${d.port}/slack/events`;
    const ack = await postSigned(
      events,
      asForm(slashCommand({ text: "quiz now", responseUrl: standIn.responseUrl() })),
    );
    expect(ack.status).toBe(200);
    // The round is opened in the database just before it is posted.
    for (let i = 0; ; i++) {
      const db = new Database(path.join(d.dir, "dockhand.db"), { readonly: true });
      const rounds = (db.prepare("select count(*) as n from quiz_rounds").get() as { n: number }).n;
      db.close();
      if (rounds > 0) break;
      if (i > 200) throw new Error("the quiz round never opened");
      await new Promise((r) => setTimeout(r, 25));
    }
    return d;
  }

  it("a second signal exits at once", async () => {
    const d = await stuck();
    d.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    expect(d.child.exitCode).toBeNull(); // still waiting for the post in flight
    d.child.kill("SIGTERM");
    const { code } = await d.exited;
    expect(code).toBe(143);
    expect(d.stdout()).toContain("second signal: exiting at once");
  }, 40_000);

  it("stops waiting for the hung post, settles its round and exits 0 within the 10 seconds promised", async () => {
    const d = await stuck();
    const sent = Date.now();
    d.child.kill("SIGTERM");
    const { code, at } = await d.exited;
    expect(code).toBe(0);
    expect(at - sent).toBeLessThan(10_000);
    // The message never reached Slack: the round failed (it never counts) rather than staying in
    // 'posting', where clicks would be refused and `quiz now` blocked.
    const db = new Database(path.join(d.dir, "dockhand.db"), { readonly: true });
    try {
      expect(db.prepare("select status from quiz_rounds").all()).toEqual([{ status: "failed" }]);
    } finally {
      db.close();
    }
    expect(d.stdout()).toContain("the round's message did not go out");
  }, 40_000);
});
