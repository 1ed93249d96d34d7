/**
 * The scheduled quiz on a fake clock: the real Scheduler with quizPostJob and quizCloseJob, the
 * real QuizService and store, and a recording Poster in place of the chat platform.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import type { Caller } from "../../../src/core/command.ts";
import type { QuizChannel, QuizRound } from "../../../src/core/quiz/model.ts";
import { userText } from "../../../src/core/user-text.ts";
import type { OpenStoreOptions } from "../../../src/store/index.ts";
import { postgresTarget, type Target } from "../../store/targets.ts";
import {
  DAY,
  HOUR,
  MIN,
  memoryLog,
  openWorld,
  RecordingPoster,
  removeTempDirs,
  roundOf,
  rounds,
  runUntil,
  scores,
  tempSqlite,
  user,
  type World,
  type WorldOptions,
} from "../world.ts";

const BERLIN: QuizChannel = { platform: "slack", workspaceId: "T1", channelId: "C-berlin" };
const NY: QuizChannel = { platform: "slack", workspaceId: "T1", channelId: "C-ny" };
const NIGHT: QuizChannel = { platform: "slack", workspaceId: "T1", channelId: "C-night" };
const adminIn = (ch: QuizChannel): Caller => user("admin", { channelId: ch.channelId, platformAdmin: true });

const open: World[] = [];
async function world(o: WorldOptions = {}): Promise<World> {
  const w = await openWorld(o);
  open.push(w);
  return w;
}
afterEach(async () => {
  for (const w of open.splice(0)) await w.close();
});
afterAll(removeTempDirs);

async function scheduleBy(w: World, ch: QuizChannel, args: string): Promise<void> {
  const r = await w.dispatcher.text(`/docker quiz schedule ${args}`, adminIn(ch));
  expect(r.text, r.fallback).toMatch(/^Daily quiz set for this channel/);
}

// --- what the schedules should do, worked out here from the 2026 DST rules, not by src ---------

/** Hours ahead of UTC in Berlin at 09:00 local on that date: summer time from 29 March to 24 October. */
function berlinOffset(date: number): number {
  return date >= Date.UTC(2026, 2, 29) && date < Date.UTC(2026, 9, 25) ? 2 : 1;
}
/** Hours ahead of UTC in New York at 09:00 local on that date: daylight time from 8 March to 31 October. */
function nyOffset(date: number): number {
  return date >= Date.UTC(2026, 2, 8) && date < Date.UTC(2026, 10, 1) ? -4 : -5;
}

/** 09:00 local on each day from `from` up to but not including `to` (YYYY-MM-DD), as UTC ISO strings. */
function nineAm(zone: "berlin" | "ny", from: string, to: string, weekdaysOnly: boolean): string[] {
  const out: string[] = [];
  for (let d = Date.parse(`${from}T00:00:00Z`); d < Date.parse(`${to}T00:00:00Z`); d += DAY) {
    const weekday = new Date(d).getUTCDay();
    if (weekdaysOnly && (weekday === 0 || weekday === 6)) continue;
    const offset = zone === "berlin" ? berlinOffset(d) : nyOffset(d);
    out.push(new Date(d + (9 - offset) * HOUR).toISOString());
  }
  return out;
}

/**
 * 02:30 in Berlin on each day: not on 29 March (the clocks jump from 02:00 to 03:00), and once on
 * 25 October (02:30 comes twice; the first pass, still summer time, counts).
 */
function halfPastTwoBerlin(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = Date.parse(`${from}T00:00:00Z`); d < Date.parse(`${to}T00:00:00Z`); d += DAY) {
    if (d === Date.UTC(2026, 2, 29)) continue;
    const summer = d > Date.UTC(2026, 2, 29) && d <= Date.UTC(2026, 9, 25);
    out.push(new Date(d + (2.5 - (summer ? 2 : 1)) * HOUR).toISOString());
  }
  return out;
}

const postsIn = (posters: RecordingPoster[], ch: QuizChannel) =>
  posters
    .flatMap((p) => p.posts)
    .filter((p) => p.channel.channelId === ch.channelId)
    .map((p) => p.at.toISOString())
    .sort();

/** The occurrence a round was posted for, from its schedule key. */
const occurrenceOf = (r: QuizRound) => new Date(String(r.scheduleKey).split("@")[1] as string);

/**
 * Every round closed exactly once, with one reveal each, at its occurrence plus the close delay (at
 * most `lagMs` later when the ticks are not every 5 minutes), and posted at most `lagMs` late.
 */
async function expectEachClosedOnce(
  w: World,
  posters: RecordingPoster[],
  closeAfter: Record<string, number>,
  lagMs = 0,
) {
  const all = await rounds(w.store);
  const reveals = posters.flatMap((p) => p.reveals());
  const refs = posters.flatMap((p) => p.posts.map((x) => x.ref));
  expect(new Set(refs).size).toBe(refs.length);
  expect(all).toHaveLength(refs.length);
  expect(new Set(all.map((r) => r.scheduleKey)).size).toBe(all.length);
  const revealsByRef = new Map<string, number>();
  for (const r of reveals) revealsByRef.set(String(r.ref), (revealsByRef.get(String(r.ref)) ?? 0) + 1);
  for (const r of all) {
    const after = closeAfter[r.channelId] as number;
    expect(r.status, `round ${r.scheduleKey}`).toBe("closed");
    expect(r.scheduleKey).toMatch(new RegExp(`^slack:T1:${r.channelId}@`));
    const at = occurrenceOf(r).getTime();
    expect(r.postedAt.getTime() - at).toBeGreaterThanOrEqual(0);
    expect(r.postedAt.getTime() - at).toBeLessThanOrEqual(lagMs);
    // Open for its full time from when it actually went out (at most lagMs after its occurrence).
    expect(r.closesAt.getTime()).toBe(r.postedAt.getTime() + after);
    const closeLag = (r.closedAt?.getTime() ?? Number.NaN) - r.closesAt.getTime();
    expect(closeLag, `round ${r.scheduleKey}`).toBeGreaterThanOrEqual(0);
    expect(closeLag, `round ${r.scheduleKey}`).toBeLessThanOrEqual(lagMs);
    expect(revealsByRef.get(String(r.messageRef)), `reveals of ${r.scheduleKey}`).toBe(1);
  }
  expect(reveals).toHaveLength(all.length);
}

describe("daily and weekday schedules across the 2026 DST changes (5-minute ticks)", () => {
  const windows: Array<[string, string, string]> = [
    ["spring (US 8 March, EU 29 March)", "2026-03-01", "2026-04-05"],
    ["autumn (EU 25 October, US 1 November)", "2026-10-17", "2026-11-08"],
  ];
  for (const [name, from, to] of windows) {
    it(name, { timeout: 20_000 }, async () => {
      const clock = new FakeClock(new Date(`${from}T00:00:00Z`));
      const w = await world({ clock });
      await scheduleBy(w, BERLIN, "09:00 Europe/Berlin daily close after 2h");
      await scheduleBy(w, NY, "09:00 America/New_York weekdays close after 3h");
      await scheduleBy(w, NIGHT, "02:30 Europe/Berlin daily close after 1h");
      const s = w.scheduler("host-a");
      await s.tick();
      await runUntil(clock, `${to}T00:00:00Z`, 5 * MIN, () => s.tick());

      const berlin = postsIn([w.poster], BERLIN);
      const ny = postsIn([w.poster], NY);
      expect(berlin).toEqual(nineAm("berlin", from, to, false));
      expect(ny).toEqual(nineAm("ny", from, to, true));
      const night = postsIn([w.poster], NIGHT);
      expect(night).toEqual(halfPastTwoBerlin(from, to));
      // The UTC hour moves with each change.
      const utcHourOn = (posts: string[], date: string) => posts.find((p) => p.startsWith(date))?.slice(11, 16);
      if (from.startsWith("2026-03")) {
        expect(utcHourOn(berlin, "2026-03-28")).toBe("08:00");
        expect(utcHourOn(berlin, "2026-03-29")).toBe("07:00");
        expect(utcHourOn(ny, "2026-03-06")).toBe("14:00");
        expect(utcHourOn(ny, "2026-03-07")).toBeUndefined();
        expect(utcHourOn(ny, "2026-03-08")).toBeUndefined();
        expect(utcHourOn(ny, "2026-03-09")).toBe("13:00");
        // Between the two changes New York is only 5 hours behind Berlin.
        expect(utcHourOn(berlin, "2026-03-10")).toBe("08:00");
        expect(utcHourOn(ny, "2026-03-10")).toBe("13:00");
        // 02:30 does not exist in Berlin on 29 March.
        expect(night.filter((p) => p.startsWith("2026-03-2")).map((p) => p.slice(5, 16))).toEqual([
          "03-20T01:30",
          "03-21T01:30",
          "03-22T01:30",
          "03-23T01:30",
          "03-24T01:30",
          "03-25T01:30",
          "03-26T01:30",
          "03-27T01:30",
          "03-28T01:30",
        ]);
        expect(utcHourOn(night, "2026-03-30")).toBe("00:30");
      } else {
        expect(utcHourOn(berlin, "2026-10-24")).toBe("07:00");
        expect(utcHourOn(berlin, "2026-10-25")).toBe("08:00");
        expect(utcHourOn(ny, "2026-10-30")).toBe("13:00");
        expect(utcHourOn(ny, "2026-10-31")).toBeUndefined();
        expect(utcHourOn(ny, "2026-11-02")).toBe("14:00");
        // 02:30 comes twice in Berlin on 25 October (00:30 and 01:30 UTC): one question, at the first.
        expect(night.filter((p) => p.startsWith("2026-10-25"))).toEqual(["2026-10-25T00:30:00.000Z"]);
        expect(utcHourOn(night, "2026-10-24")).toBe("00:30");
        expect(utcHourOn(night, "2026-10-26")).toBe("01:30");
      }
      await expectEachClosedOnce(w, [w.poster], { "C-berlin": 2 * HOUR, "C-ny": 3 * HOUR, "C-night": HOUR });
      for (const r of w.poster.reveals()) {
        const round = (await rounds(w.store)).find((x) => x.messageRef === r.ref);
        expect(r.at.getTime()).toBe(round?.closedAt?.getTime());
      }
    });
  }
});

/** Two Dockhand processes sharing one database, over 60 simulated days. */
async function twoInstances(storeOptions: OpenStoreOptions, stepMs: number): Promise<void> {
  const clock = new FakeClock(new Date("2026-02-15T00:00:00Z"));
  const a = await world({ storeOptions, clock, poster: new RecordingPoster(clock, "a") });
  const b = await world({ storeOptions, clock, poster: new RecordingPoster(clock, "b") });
  await scheduleBy(a, BERLIN, "09:00 Europe/Berlin daily close after 2h");
  await scheduleBy(b, NY, "09:00 America/New_York weekdays close after 3h");
  const sa = a.scheduler("host-a");
  const sb = b.scheduler("host-b");
  let step = 0;
  // A alone, B alone, both at once (in either order), neither: a cycle of 5 steps, so that the
  // occurrences (on the hour) meet every pattern in turn.
  await runUntil(clock, "2026-04-16T00:00:00Z", stepMs, async () => {
    const k = step++ % 5;
    if (k === 0) await sa.tick();
    else if (k === 1) await sb.tick();
    else if (k === 2) await Promise.all([sa.tick(), sb.tick()]);
    else if (k === 3) await Promise.all([sb.tick(), sa.tick()]);
  });
  await Promise.all([sa.tick(), sb.tick()]);

  const posters = [a.poster, b.poster];
  const berlin = nineAm("berlin", "2026-02-15", "2026-04-16", false);
  const ny = nineAm("ny", "2026-02-15", "2026-04-16", true);
  expect(berlin).toHaveLength(60);
  const all = await rounds(a.store);
  const occurrencesIn = (ch: QuizChannel) =>
    all
      .filter((r) => r.channelId === ch.channelId)
      .map((r) => occurrenceOf(r).toISOString())
      .sort();
  expect(occurrencesIn(BERLIN)).toEqual(berlin);
  expect(occurrencesIn(NY)).toEqual(ny);
  expect(postsIn(posters, BERLIN)).toHaveLength(berlin.length);
  expect(postsIn(posters, NY)).toHaveLength(ny.length);
  // Both processes did some of the work.
  expect(a.poster.posts.length).toBeGreaterThan(0);
  expect(b.poster.posts.length).toBeGreaterThan(0);
  expect(a.poster.reveals().length).toBeGreaterThan(0);
  expect(b.poster.reveals().length).toBeGreaterThan(0);
  // A post or close waits at most two steps (A alone, then B alone, or a step where neither ticks).
  await expectEachClosedOnce(a, posters, { "C-berlin": 2 * HOUR, "C-ny": 3 * HOUR }, 2 * stepMs);
  const postClaims = await a.store.db.selectFrom("claims").select("owner").where("kind", "=", "quiz-post").execute();
  expect(postClaims).toHaveLength(berlin.length + ny.length);
}

describe("two scheduler instances on one database", () => {
  it("SQLite file, 60 days: every occurrence posted exactly once and closed exactly once", {
    timeout: 30_000,
  }, async () => {
    await twoInstances(tempSqlite(), 5 * MIN);
  });

  const pgUrl = process.env.TEST_DATABASE_URL;
  if (pgUrl) {
    let target: Target | undefined;
    afterAll(async () => {
      await target?.cleanup();
    });
    it("PostgreSQL, 60 days: every occurrence posted exactly once and closed exactly once", {
      timeout: 60_000,
    }, async () => {
      target ??= postgresTarget(pgUrl);
      await twoInstances(await target.fresh(), 15 * MIN);
    });
  } else {
    console.warn(
      "Quiz scheduling on PostgreSQL skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)",
    );
    it.skip("PostgreSQL, 60 days (set TEST_DATABASE_URL)", () => {});
  }
});

describe("a post that goes out late", () => {
  it("counts its close time from when it actually went out, so it is not born closed", async () => {
    const clock = new FakeClock(new Date("2026-01-05T08:00:00Z"));
    const w = await world({ clock });
    await scheduleBy(w, BERLIN, "09:00 UTC daily close after 30m");
    // Every process was down from before 09:00 until 09:50, within the hour of grace: counted from
    // 09:00, the question would have closed at 09:30, before it was posted.
    clock.set("2026-01-05T09:50:00Z");
    await w.scheduler("host-a").tick();
    const [round] = await rounds(w.store);
    expect(round).toMatchObject({ status: "open", postedAt: new Date("2026-01-05T09:50:00Z") });
    expect(round?.closesAt).toEqual(new Date("2026-01-05T10:20:00Z"));
  });
});

describe("a round closes before the next one", () => {
  // BUG (src/core/quiz/jobs.ts closeTime + the job order in src/main.ts): a round that stays open
  // until the next occurrence closes at (24h: exactly at) or a second before it, but each scheduler
  // tick runs the post job before the close job, so at the next occurrence the post finds the
  // previous round still open, throws "channel ... still has round ... open", logs a warning and is
  // posted only on the next tick (15 s late in production, 5 minutes here). Expected: posted at
  // 09:00:00 every day, no warnings. Actual: posted 09:05 from the second day on, one warning a day.
  it("close after 24h on a daily schedule: each question still posts on time", async () => {
    const clock = new FakeClock(new Date("2026-01-05T08:00:00Z"));
    const { log, lines } = memoryLog();
    const w = await world({ clock });
    await scheduleBy(w, BERLIN, "09:00 UTC daily close after 24h");
    const s = w.scheduler("host-a", { log });
    await s.tick();
    await runUntil(clock, "2026-01-08T12:00:00Z", 5 * MIN, () => s.tick());
    const all = await rounds(w.store);
    // Each closes no later than the next one's time.
    for (const r of all.slice(0, 3)) {
      expect(r.closesAt.getTime()).toBeLessThanOrEqual(occurrenceOf(r).getTime() + DAY);
    }
    expect(w.poster.posts.map((p) => p.at.toISOString())).toEqual([
      "2026-01-05T09:00:00.000Z",
      "2026-01-06T09:00:00.000Z",
      "2026-01-07T09:00:00.000Z",
      "2026-01-08T09:00:00.000Z",
    ]);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([]);
  });

  it("a quiz now round before the scheduled one closes a second before it", async () => {
    const clock = new FakeClock(new Date("2026-01-05T08:00:00Z"));
    const w = await world({ clock });
    await scheduleBy(w, BERLIN, "09:00 UTC daily close after 2h");
    const member = user("mia", { channelId: BERLIN.channelId });
    expect((await w.dispatcher.text("/docker quiz now", member)).text).toMatch(
      /closes at Mon, 5 Jan 2026, 08:59 GMT\+0/,
    );
    expect((await w.store.quiz.openRoundIn(BERLIN))?.closesAt.toISOString()).toBe("2026-01-05T08:59:59.000Z");
    const s = w.scheduler("host-a");
    await s.tick();
    await runUntil(clock, "2026-01-05T09:30:00Z", 15_000, () => s.tick());
    const all = await rounds(w.store);
    expect(all.map((r) => [r.postedBy, r.status])).toEqual([
      [member.userId, "closed"],
      [null, "open"],
    ]);
    expect(all[0]?.closedAt?.getTime()).toBeLessThanOrEqual(Date.parse("2026-01-05T09:00:00Z"));
    expect(all[1]?.postedAt.getTime()).toBeLessThanOrEqual(Date.parse("2026-01-05T09:00:15Z"));
    // A scheduled round has no poster: only an admin may close it early.
    const refused = await w.dispatcher.text("/docker quiz close", member);
    expect(refused.text).toBe("Only the person who posted this question (or an admin) can close it early.");
    expect((await w.store.quiz.openRoundIn(BERLIN))?.status).toBe("open");
    expect((await w.dispatcher.text("/docker quiz close", adminIn(BERLIN))).text).toMatch(/^Closed/);
  });
});

describe("restarts", () => {
  it("a restart between posting and closing keeps the answers, and the round closes once", async () => {
    const clock = new FakeClock(new Date("2026-01-05T07:00:00Z"));
    const file = tempSqlite();
    const p1 = new RecordingPoster(clock, "p1");
    const w1 = await world({ storeOptions: file, clock, poster: p1 });
    await scheduleBy(w1, BERLIN, "09:00 Europe/Berlin daily close after 2h");
    const s1 = w1.scheduler("host-1");
    await s1.tick();
    await runUntil(clock, "2026-01-05T08:15:00Z", 5 * MIN, () => s1.tick());
    expect(p1.posts.map((p) => p.at.toISOString())).toEqual(["2026-01-05T08:00:00.000Z"]);
    const question = p1.posts[0]?.reply;
    if (!question) throw new Error("no question posted");
    const r = await roundOf(w1, question);
    const ann = user("ann", { channelId: BERLIN.channelId });
    const ben = user("ben", { channelId: BERLIN.channelId });
    const cy = user("cy", { channelId: BERLIN.channelId });
    expect((await w1.dispatcher.action(r.rightAction, ann)).text).toMatch(/^Locked in/);
    expect((await w1.dispatcher.action(r.wrongAction, ben)).text).toMatch(/^Locked in/);

    // The process stops; a new one (new store, service and scheduler objects) starts on the same file.
    await w1.close();
    clock.advance(20 * MIN);
    const p2 = new RecordingPoster(clock, "p2");
    const w2 = await world({ storeOptions: file, clock, poster: p2 });
    const s2 = w2.scheduler("host-2");
    await s2.tick();
    expect(p2.posts).toHaveLength(0);
    // The buttons of the message posted before the restart still work.
    expect((await w2.dispatcher.action(r.rightAction, cy)).text).toMatch(/^Locked in/);
    expect((await w2.dispatcher.action(r.wrongAction, ann)).text).toMatch(/already answered/);
    expect(p2.updates.at(-1)?.reply.context).toMatch(/^3 answers so far/);
    await runUntil(clock, "2026-01-05T12:00:00Z", 5 * MIN, () => s2.tick());

    expect(p1.posts).toHaveLength(1);
    expect(p2.posts).toHaveLength(0);
    expect(p1.reveals()).toHaveLength(0);
    expect(p2.reveals()).toHaveLength(1);
    const reveal = p2.reveals()[0];
    expect(reveal?.ref).toBe(p1.posts[0]?.ref);
    expect(reveal?.at.toISOString()).toBe("2026-01-05T10:00:00.000Z");
    expect(reveal?.reply.context).toBe(`3 answers. 2 got it right: ${userText("ann")}, ${userText("cy")}.`);
    const s = await scores(w2.store);
    expect(s.map((x) => [x.userId, x.points, x.answered, x.streak])).toEqual([
      ["U-ann", 1, 1, 1],
      ["U-ben", 0, 1, 0],
      ["U-cy", 1, 1, 1],
    ]);

    // Yet another restart after the close neither closes nor scores it again.
    await w2.close();
    const p3 = new RecordingPoster(clock, "p3");
    const w3 = await world({ storeOptions: file, clock, poster: p3 });
    const s3 = w3.scheduler("host-3");
    await s3.tick();
    await runUntil(clock, "2026-01-05T13:00:00Z", 5 * MIN, () => s3.tick());
    expect(p3.posts).toHaveLength(0);
    expect(p3.updates).toHaveLength(0);
    expect(await scores(w3.store)).toEqual(s);
    expect((await rounds(w3.store)).map((x) => x.status)).toEqual(["closed"]);
  });

  it("a close time that passes while every process is down closes once, at once, when two restart together", async () => {
    const clock = new FakeClock(new Date("2026-01-05T07:55:00Z"));
    const file = tempSqlite();
    const w1 = await world({ storeOptions: file, clock });
    await scheduleBy(w1, BERLIN, "09:00 Europe/Berlin daily close after 2h");
    const s1 = w1.scheduler("host-1");
    await s1.tick();
    await runUntil(clock, "2026-01-05T08:30:00Z", 5 * MIN, () => s1.tick());
    const r = await roundOf(w1, w1.poster.posts[0]?.reply ?? { visibility: "channel", fallback: "" });
    await w1.dispatcher.action(r.rightAction, user("ann", { channelId: BERLIN.channelId }));
    await w1.close();

    clock.set("2026-01-05T10:40:00Z");
    const a = await world({ storeOptions: file, clock, poster: new RecordingPoster(clock, "a") });
    const b = await world({ storeOptions: file, clock, poster: new RecordingPoster(clock, "b") });
    const sa = a.scheduler("host-a");
    const sb = b.scheduler("host-b");
    await Promise.all([sa.tick(), sb.tick()]);
    const reveals = [...a.poster.reveals(), ...b.poster.reveals()];
    expect(reveals).toHaveLength(1);
    expect(reveals[0]?.at.toISOString()).toBe("2026-01-05T10:40:00.000Z");
    await runUntil(clock, "2026-01-05T12:00:00Z", 5 * MIN, () => Promise.all([sa.tick(), sb.tick()]));
    expect([...a.poster.reveals(), ...b.poster.reveals()]).toHaveLength(1);
    expect([...a.poster.posts, ...b.poster.posts]).toHaveLength(0);
    expect((await scores(a.store)).map((x) => [x.userId, x.points, x.answered])).toEqual([["U-ann", 1, 1]]);
  });
});

describe("after downtime", () => {
  for (const restart of [false, true]) {
    const how = restart ? "after a restart" : "in the same process";
    it(`missed by less than the grace period: posted late, once (${how})`, async () => {
      const clock = new FakeClock(new Date("2026-01-05T07:00:00Z"));
      const file = tempSqlite();
      const poster = new RecordingPoster(clock);
      const w = await world({ storeOptions: file, clock, poster });
      await scheduleBy(w, BERLIN, "09:00 Europe/Berlin daily close after 2h");
      let s = w.scheduler("host-1");
      await s.tick();
      await runUntil(clock, "2026-01-05T07:50:00Z", 5 * MIN, () => s.tick());
      // Down from 07:50 to 08:40 UTC: the 08:00 UTC (09:00 Berlin) question is 40 minutes late.
      clock.set("2026-01-05T08:40:00Z");
      let current = w;
      if (restart) {
        await w.close();
        current = await world({ storeOptions: file, clock, poster });
        s = current.scheduler("host-2");
      }
      await s.tick();
      expect(poster.posts.map((p) => p.at.toISOString())).toEqual(["2026-01-05T08:40:00.000Z"]);
      const round = (await rounds(current.store))[0];
      expect(round?.scheduleKey).toBe("slack:T1:C-berlin@2026-01-05T08:00:00.000Z");
      await runUntil(clock, "2026-01-06T12:00:00Z", 5 * MIN, () => s.tick());
      expect(poster.posts.map((p) => p.at.toISOString())).toEqual([
        "2026-01-05T08:40:00.000Z",
        "2026-01-06T08:00:00.000Z",
      ]);
      expect(poster.reveals()).toHaveLength(2);
      expect((await rounds(current.store)).map((r) => r.status)).toEqual(["closed", "closed"]);
    });

    it(`missed by more than the grace period: skipped and logged, never posted in a burst (${how})`, async () => {
      const clock = new FakeClock(new Date("2026-01-05T07:00:00Z"));
      const file = tempSqlite();
      const poster = new RecordingPoster(clock);
      const { log, lines } = memoryLog();
      const w = await world({ storeOptions: file, clock, poster });
      await scheduleBy(w, BERLIN, "09:00 Europe/Berlin daily close after 2h");
      let s = w.scheduler("host-1", { log });
      await s.tick();
      await runUntil(clock, "2026-01-05T07:50:00Z", 5 * MIN, () => s.tick());
      // Down for three days and a half: the questions of 5 to 8 January are all more than an hour late.
      clock.set("2026-01-08T10:30:00Z");
      let current = w;
      if (restart) {
        await w.close();
        current = await world({ storeOptions: file, clock, poster });
        s = current.scheduler("host-2", { log });
      }
      await s.tick();
      expect(poster.attempts).toHaveLength(0);
      const skipped = lines.filter((l) => String(l.msg).startsWith("occurrence skipped"));
      expect(skipped.length).toBeGreaterThanOrEqual(1);
      expect(skipped.map((l) => l.key)).toContain("slack:T1:C-berlin@2026-01-08T08:00:00.000Z");
      expect(new Set(skipped.map((l) => l.key)).size).toBe(skipped.length);
      await runUntil(clock, "2026-01-09T12:00:00Z", 5 * MIN, () => s.tick());
      expect(poster.posts.map((p) => p.at.toISOString())).toEqual(["2026-01-09T08:00:00.000Z"]);
      expect(await rounds(current.store)).toHaveLength(1);
      if (!restart) {
        // The skipped occurrences were claimed as skipped: a process with a longer grace period
        // starting later does not post them either. (Due occurrences are walked from a random
        // point, so the days are compared in calendar order.)
        expect(skipped.map((l) => String(l.key).slice(-24, -14)).sort()).toEqual([
          "2026-01-05",
          "2026-01-06",
          "2026-01-07",
          "2026-01-08",
        ]);
        const late = current.scheduler("host-3", { graceMs: 7 * DAY });
        await late.tick();
        expect(poster.attempts).toHaveLength(1);
      }
    });
  }
});

describe("posting failures", () => {
  it("the platform fails twice: retried with backoff within the grace period, posted once; failed attempts count nowhere", async () => {
    const clock = new FakeClock(new Date("2026-01-05T07:55:00Z"));
    const poster = new RecordingPoster(clock);
    const w = await world({ clock, poster });
    await scheduleBy(w, BERLIN, "09:00 Europe/Berlin daily close after 2h");
    const s = w.scheduler("host-1");
    await s.tick();
    poster.failNext(2);
    clock.set("2026-01-05T08:00:00Z");
    await s.tick();
    // The failed attempt leaves no open round behind.
    expect(poster.attempts).toHaveLength(1);
    expect(await w.store.quiz.openRoundIn(BERLIN)).toBeUndefined();
    const failed = await rounds(w.store);
    expect(failed.map((r) => r.status)).toEqual(["failed"]);
    // The scheduler's 15-second timer, as in src/main.ts.
    await runUntil(clock, "2026-01-05T08:05:00Z", 15_000, () => s.tick());
    await runUntil(clock, "2026-01-05T12:00:00Z", 5 * MIN, () => s.tick());

    expect(poster.attempts).toHaveLength(3);
    const times = poster.attempts.map((a) => a.getTime());
    expect(times[0]).toBe(Date.parse("2026-01-05T08:00:00Z"));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1] as number);
    expect(poster.posts).toHaveLength(1);
    const posted = poster.posts[0];
    expect(posted?.at.getTime()).toBeLessThan(Date.parse("2026-01-05T09:00:00Z"));

    const all = await rounds(w.store);
    expect(all.map((r) => r.status)).toEqual(["failed", "failed", "closed"]);
    const good = all[2];
    expect(good?.messageRef).toBe(posted?.ref);
    // Failed rounds: not used questions, not closable, not answerable, not revealed.
    const uses = await w.store.quiz.questionUses(BERLIN);
    expect([...uses.values()]).toEqual([1]);
    expect([...uses.keys()]).toEqual([`${good?.entryId}#${good?.questionIndex}`]);
    expect(poster.reveals()).toHaveLength(1);
    expect(poster.reveals()[0]?.ref).toBe(posted?.ref);
    const forged = await w.dispatcher.action(`v1|answer|${all[0]?.id}|0`, user("ann", { channelId: BERLIN.channelId }));
    expect(forged.text).not.toMatch(/Locked in/);
    expect(await w.store.quiz.answersOf(all[0]?.id as number)).toEqual([]);
    expect(await scores(w.store)).toEqual([]);
  });

  it("a platform that is always down: retries back off, stop after the grace period, and no round counts", async () => {
    const clock = new FakeClock(new Date("2026-01-05T07:55:00Z"));
    const poster = new RecordingPoster(clock);
    poster.alwaysFail = true;
    const { log, lines } = memoryLog();
    const w = await world({ clock, poster });
    await scheduleBy(w, BERLIN, "09:00 Europe/Berlin daily close after 2h");
    const s = w.scheduler("host-1", { log });
    await s.tick();
    await runUntil(clock, "2026-01-05T09:30:00Z", 15_000, () => s.tick());

    const times = poster.attempts.map((a) => a.getTime());
    expect(times[0]).toBe(Date.parse("2026-01-05T08:00:00Z"));
    expect(times.at(-1)).toBeLessThanOrEqual(Date.parse("2026-01-05T09:00:00Z"));
    expect(times.at(-1)).toBeGreaterThan(Date.parse("2026-01-05T08:50:00Z"));
    // Backoff: the gaps grow and never shrink; far fewer attempts than ticks.
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1] as number);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(60_000);
    expect(times.length).toBeLessThan(240 / 2);
    expect(lines.filter((l) => String(l.msg).startsWith("gave up"))).toHaveLength(1);

    expect(poster.posts).toHaveLength(0);
    expect(await w.store.quiz.openRoundIn(BERLIN)).toBeUndefined();
    const all = await rounds(w.store);
    expect(all.length).toBe(times.length);
    expect(all.every((r) => r.status === "failed")).toBe(true);
    expect((await w.store.quiz.questionUses(BERLIN)).size).toBe(0);
    expect(await w.store.quiz.dueToClose(clock.now())).toEqual([]);

    // The platform comes back: the next day's question is posted as usual.
    poster.alwaysFail = false;
    const attemptsBefore = poster.attempts.length;
    await runUntil(clock, "2026-01-06T12:00:00Z", 5 * MIN, () => s.tick());
    expect(poster.attempts).toHaveLength(attemptsBefore + 1);
    expect(poster.posts.map((p) => p.at.toISOString())).toEqual(["2026-01-06T08:00:00.000Z"]);
    expect((await w.store.quiz.questionUses(BERLIN)).size).toBe(1);
  });
});
