import { afterEach, describe, expect, it } from "vitest";
import { asForm, asPayload, buttonPress, postSigned, slashCommand } from "../fakes/slack/payloads.ts";
import { SlackStandIn } from "../fakes/slack/standin.ts";
import { startDockhand } from "./dockhand-process.ts";
import {
  alive,
  answerButtons,
  baseUrl,
  claimant,
  dueSchedule,
  freshSchema,
  questionsIn,
  roundsIn,
  startReplicas,
  until,
} from "./replicas.ts";

/**
 * Real `dockhand start` processes (Slack over HTTP, signed requests, the Slack stand-in) sharing
 * one PostgreSQL database, killed and cut off from the database the hard way: SIGKILL and
 * pg_terminate_backend. Leases are 2 seconds and ticks 1 second so that takeovers happen quickly.
 */
let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function slackStandIn(): Promise<SlackStandIn> {
  const standIn = await SlackStandIn.start();
  cleanups.push(() => standIn.close());
  return standIn;
}

if (!baseUrl) {
  console.warn("Replica crash tests skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)");
}

describe.skipIf(!baseUrl)("replicas on one PostgreSQL database, killed the hard way", () => {
  it("a quiz claimant SIGKILLed right after its claim: the question is still posted, exactly once", async () => {
    const { url, db } = await freshSchema(cleanups);
    const standIn = await slackStandIn();

    // 1. Killed before its post reached Slack: two replicas race for the claim at their first tick.
    await dueSchedule(db, "C1");
    const held = standIn.hold("chat.postMessage");
    const replicas = await startReplicas(2, url, standIn, cleanups);
    const first = await claimant(db, replicas, "C1");
    await standIn.waitForCall("chat.postMessage", 1, 15_000);
    first.child.kill("SIGKILL");
    await first.exited;
    held.release(); // the dead process's request never reaches Slack
    await until(async () => (await roundsIn(db, "C1")).some((r) => r.status === "open"), "the C1 round to open");
    expect(questionsIn(standIn, "C1")).toHaveLength(1);
    expect((await roundsIn(db, "C1")).map((r) => r.status)).toEqual(["open"]);

    // 2. Killed after Slack posted the message, before the answer reached it: a restarted process
    //    claims the next occurrence and dies; a replica that was already running takes it over and
    //    finds the message by its metadata instead of posting a second one.
    await dueSchedule(db, "C2");
    const answers = standIn.holdAnswers("chat.postMessage");
    const restarted = await startReplicas(1, url, standIn, cleanups);
    const second = await claimant(db, [...replicas, ...restarted], "C2");
    await until(() => questionsIn(standIn, "C2").length > 0, "the C2 question at Slack");
    second.child.kill("SIGKILL");
    await second.exited;
    answers.release();
    await until(async () => (await roundsIn(db, "C2")).some((r) => r.status === "open"), "the C2 round to open");
    const [question] = questionsIn(standIn, "C2");
    expect(questionsIn(standIn, "C2")).toHaveLength(1);
    expect(await roundsIn(db, "C2")).toEqual([{ status: "open", message_ref: `C2:${question?.ts}` }]);

    const claims = () => db.query("select key, done_at, attempts from claims where kind = 'quiz-post' order by key");
    await until(async () => (await claims()).rows.every((r) => r.done_at !== null), "both claims finished");
    const { rows } = await claims();
    // each claim was taken over at least once (a slow machine may let a lease lapse once more: the
    // posts above are still exactly one per channel, which is the promise)
    expect(rows.map((r) => r.done_at !== null)).toEqual([true, true]);
    for (const r of rows) expect(Number(r.attempts)).toBeGreaterThanOrEqual(2);
    expect([...replicas, ...restarted].filter(alive)).toHaveLength(1);
  }, 60_000);

  it("300 clicks while one replica is SIGKILLed and the database cuts every connection twice: no process exits, no acknowledged click is lost", async () => {
    const { url, db } = await freshSchema(cleanups);
    const standIn = await slackStandIn();
    const replicas = await startReplicas(3, url, standIn, cleanups);
    const events = replicas.map((r) => `http://127.0.0.1:${r.port}/slack/events`);
    const asked = await postSigned(
      events[0] as string,
      asForm(slashCommand({ text: "quiz now", responseUrl: standIn.responseUrl() })),
    );
    expect(asked.status).toBe(200);
    const choices = await until(() => {
      const ids = answerButtons(standIn, "C1");
      return ids.length > 0 ? ids : undefined;
    }, "the question");

    const terminate = () =>
      db.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
      );
    const acked: string[] = [];
    const refused: string[] = [];
    const click = async (i: number) => {
      const user = `U${1000 + i}`;
      const press = buttonPress({
        actionId: choices[i % choices.length] as string,
        user,
        userName: user,
        responseUrl: standIn.responseUrl(),
      });
      try {
        const r = await postSigned(events[i % 3] as string, asPayload(press));
        (r.status === 200 ? acked : refused).push(user);
      } catch {
        refused.push(user); // the process was gone: nothing was promised
      }
    };
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < 300; i++) {
      if (i === 60) replicas[2]?.child.kill("SIGKILL");
      if (i === 120 || i === 200) await terminate();
      const p = click(i).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= 30) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);

    // The two replicas left are up and serve again once the database is back.
    expect(replicas.slice(0, 2).every(alive)).toBe(true);
    const late = buttonPress({ actionId: choices[0] as string, user: "U-late", responseUrl: standIn.responseUrl() });
    expect((await postSigned(events[1] as string, asPayload(late))).status).toBe(200);
    acked.push("U-late");

    const { rows } = await db.query("select user_id from quiz_answers");
    const stored = new Set(rows.map((r) => r.user_id as string));
    const lost = acked.filter((u) => !stored.has(u));
    console.info(
      `clicks: 301 sent, ${acked.length} acknowledged, ${refused.length} refused, ${stored.size} stored, ${lost.length} acknowledged but lost`,
    );
    expect(lost).toEqual([]);
    expect(acked.length).toBeGreaterThan(150);
  }, 60_000);

  it("the replica revealing a round SIGKILLed mid-reveal: another reveals it, the round is scored once", async () => {
    const { url, db } = await freshSchema(cleanups);
    const standIn = await slackStandIn();
    const replicas = await startReplicas(2, url, standIn, cleanups);
    const events = replicas.map((r) => `http://127.0.0.1:${r.port}/slack/events`);
    const asked = await postSigned(
      events[0] as string,
      asForm(slashCommand({ text: "quiz now", channel: "C4", responseUrl: standIn.responseUrl() })),
    );
    expect(asked.status).toBe(200);
    const [choice] = await until(() => {
      const ids = answerButtons(standIn, "C4");
      return ids.length > 0 ? ids : undefined;
    }, "the question");
    const press = buttonPress({
      actionId: choice as string,
      user: "U-one",
      channel: "C4",
      responseUrl: standIn.responseUrl(),
    });
    expect((await postSigned(events[1] as string, asPayload(press))).status).toBe(200);
    await standIn.waitForCall("chat.update", 1, 15_000); // the answer count, before the reveal is held

    const held = standIn.hold("chat.update");
    await db.query("update quiz_rounds set closes_at = $1 where channel_id = 'C4'", [Date.now() + 500]);
    const owner = await until(async () => {
      const { rows } = await db.query("select owner from quiz_rounds where channel_id = 'C4' and status = 'closed'");
      return rows[0]?.owner as string | undefined;
    }, "a replica to close the round");
    await standIn.waitForCall("chat.update", 2, 15_000);
    const revealer = replicas.find((r) => r.child.pid === Number(owner.split("-").pop()));
    if (!revealer) throw new Error(`reveal owner ${owner} is none of the replicas`);
    revealer.child.kill("SIGKILL");
    await revealer.exited;
    held.release(); // the dead process's edit never reaches Slack

    const revealed = async () =>
      (await db.query("select revealed_at from quiz_rounds where channel_id = 'C4'")).rows[0]?.revealed_at;
    await until(async () => (await revealed()) !== null, "the reveal by the other replica");
    const [question] = questionsIn(standIn, "C4");
    expect(String(question?.text)).toMatch(/Quiz answer/);
    const { rows: scores } = await db.query("select user_id, answered from quiz_scores where channel_id = 'C4'");
    expect(scores).toEqual([{ user_id: "U-one", answered: 1 }]);
    const survivor = replicas.find((r) => r !== revealer);
    expect(survivor?.stdout()).toMatch(/revealing a round another process closed/);
  }, 60_000);

  it("SIGTERM while a scheduled post hangs: exits 0 and leaves no round in 'posting'; a replica posts it once", async () => {
    const { url, db } = await freshSchema(cleanups);
    const standIn = await slackStandIn();
    await dueSchedule(db, "C3");
    const held = standIn.hold("chat.postMessage");
    const solo = await startDockhand(
      {
        DATABASE_URL: url,
        SLACK_BOT_TOKEN: "xoxb-test-0000-dockhand",
        SLACK_SIGNING_SECRET: "test-signing-secret-not-real",
        SLACK_API_URL: standIn.apiUrl,
        DOCKHAND_LEASE_SECONDS: "2",
        DOCKHAND_TICK_SECONDS: "1",
      },
      cleanups,
    );
    await standIn.waitForCall("chat.postMessage", 1, 15_000);
    solo.child.kill("SIGTERM");
    const { code } = await solo.exited;
    expect(code).toBe(0);
    expect((await roundsIn(db, "C3")).map((r) => r.status)).toEqual(["failed"]);
    held.release();

    const [next] = await startReplicas(1, url, standIn, cleanups);
    expect(next).toBeDefined();
    await until(async () => (await roundsIn(db, "C3")).some((r) => r.status === "open"), "the C3 round to open");
    expect(questionsIn(standIn, "C3")).toHaveLength(1);
  }, 60_000);
});
