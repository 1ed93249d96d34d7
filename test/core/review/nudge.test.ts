/**
 * The daily review reminder with two replicas (two stores on one SQLite file, two schedulers, one
 * fake clock) over 60 simulated days that include both of Casablanca's 2026 clock changes
 * (Ramadan: back to UTC+0 on 15 Feb, forward to UTC+1 on 22 Mar) and New York's spring-forward
 * (8 Mar). Each person gets exactly one DM on each day that has cards due at their time, and
 * none on the other days.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import { DmClosedError, type Messenger } from "../../../src/core/onboarding/service.ts";
import { reviewNudgeJob } from "../../../src/core/review/jobs.ts";
import type { NamedPerson } from "../../../src/core/review/model.ts";
import { choiceId, localDate } from "../../../src/core/review/render.ts";
import { ReviewService } from "../../../src/core/review/service.ts";
import { Scheduler } from "../../../src/core/schedule/scheduler.ts";
import { openStore } from "../../../src/store/index.ts";
import { knowledge } from "../fixture.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-review-nudge-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const START = Date.parse("2026-01-25T00:00:00Z");
const DAYS = 60;
const STEP = 60 * 60_000;

interface Sent {
  replica: string;
  userId: string;
  at: Date;
  text: string;
}

const wall = (at: Date, timezone: string) =>
  new Intl.DateTimeFormat("en-GB", { timeZone: timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(
    at,
  );

describe("the daily review reminder", () => {
  it("goes out exactly once per person per day with cards due, across two replicas and three DST changes", {
    timeout: 120_000,
  }, async () => {
    const { kb, search } = knowledge();
    const file = path.join(tmp, "shared.db");
    const clock = new FakeClock(new Date(START));
    const sent: Sent[] = [];
    const noticed: Sent[] = [];
    const closed = new Set(["U-closed"]);
    const replica = async (name: string) => {
      const store = await openStore({ sqlitePath: file });
      const messenger: Messenger = {
        async dm(member, reply) {
          if (closed.has(member.userId)) throw new DmClosedError();
          sent.push({ replica: name, userId: member.userId, at: clock.now(), text: reply.fallback });
        },
        async notice(_channel, member, reply) {
          noticed.push({ replica: name, userId: member.userId, at: clock.now(), text: reply.fallback });
        },
      };
      const service = new ReviewService({
        kb,
        search,
        repo: store.reviews,
        clock,
        log: silentLogger(),
        messenger,
        timezone: "UTC",
      });
      const scheduler = new Scheduler({ store, clock, log: silentLogger(), owner: name });
      scheduler.add(reviewNudgeJob(store.reviews, service));
      return { store, service, scheduler };
    };
    const a = await replica("a");
    const b = await replica("b");

    const person = (userId: string): NamedPerson => ({
      platform: "slack",
      workspaceId: "T1",
      userId,
      userName: userId,
    });
    const people = [
      { who: person("U-casa"), zone: "Africa/Casablanca", time: "09:00", cards: 4 },
      { who: person("U-ny"), zone: "America/New_York", time: "07:00", cards: 2 },
      { who: person("U-empty"), zone: "Africa/Casablanca", time: "09:00", cards: 0 },
      { who: person("U-closed"), zone: "Europe/Paris", time: "10:00", cards: 1 },
    ];
    const refs = kb.entries.flatMap((e) => e.quiz.map((_q, question) => ({ entryId: e.id, question })));
    let next = 0;
    for (const p of people) {
      await a.service.add(p.who, refs.slice(next, next + p.cards), "topic");
      next += p.cards;
      await a.service.setDaily(p.who, "C-team", p.time, p.zone);
    }

    /** Due cards at `at` as the person sees them: due by the end of their local day. */
    const dueAt = async (p: (typeof people)[number], at: Date) =>
      (await a.store.reviews.cards(p.who)).filter((c) => localDate(c.fsrs.due, p.zone) <= localDate(at, p.zone));

    const expected = new Map<string, number>();
    let reviews = 0;
    for (let t = START + STEP; t <= START + DAYS * 86_400_000; t += STEP) {
      const at = new Date(t);
      clock.set(at);
      // The instants of each reminder, computed here from the wall clock, not by the scheduler.
      for (const p of people) {
        if (wall(at, p.zone) !== p.time) continue;
        const due = (await dueAt(p, at)).length;
        if (due > 0) expected.set(`${p.who.userId}@${localDate(at, p.zone)}`, due);
      }
      // Both replicas tick at once, the other one first on odd days.
      const order = Math.floor(t / 86_400_000) % 2 === 0 ? [a, b] : [b, a];
      await Promise.all(order.map((r) => r.scheduler.tick()));
      // At local noon each person reviews what is due: every third answer wrong, so cards keep coming back.
      for (const p of people) {
        if (wall(at, p.zone) !== "12:00") continue;
        for (const card of await dueAt(p, at)) {
          const q = kb.byId.get(card.entryId)?.quiz[card.question];
          if (!q) throw new Error("card without a question");
          const pick = reviews++ % 3 === 2 ? (q.answer + 1) % q.choices.length : q.answer;
          const r = await a.service.answer(p.who, card, card.fsrs.reps, choiceId(q.choices[pick] ?? ""));
          expect(r.text).toMatch(pick === q.answer ? /^✅ Right/ : /^❌ Not quite/);
        }
      }
    }

    const got = new Map<string, number>();
    for (const s of sent) {
      const p = people.find((x) => x.who.userId === s.userId);
      if (!p) throw new Error(`DM to a stranger ${s.userId}`);
      const key = `${s.userId}@${localDate(s.at, p.zone)}`;
      expect(got.has(key), `two reminders for ${key}`).toBe(false);
      got.set(key, Number(/^(\d+) card/.exec(s.text)?.[1]));
      // Sent at the first tick at or after the local time.
      expect(wall(s.at, p.zone)).toBe(p.time);
    }
    expect(Object.fromEntries(got)).toEqual(
      Object.fromEntries([...expected].filter(([k]) => !k.startsWith("U-closed"))),
    );
    // Days with nothing due send nothing: reviews spread the cards out, so there are such days.
    const casaDays = [...expected.keys()].filter((k) => k.startsWith("U-casa@")).length;
    expect(casaDays).toBeGreaterThan(3);
    expect(casaDays).toBeLessThan(DAYS - 10);
    expect(sent.some((s) => s.userId === "U-empty")).toBe(false);
    // Both replicas did some of the work; neither did it twice.
    expect(new Set(sent.map((s) => s.replica))).toEqual(new Set(["a", "b"]));
    // The clock changes: Casablanca's 09:00 is 08:00 UTC, then 09:00 UTC in Ramadan, then 08:00 again.
    const casaUtc = sent
      .filter((s) => s.userId === "U-casa")
      .map((s) => [s.at.toISOString().slice(0, 10), s.at.getUTCHours()] as const);
    expect(casaUtc.filter(([d]) => d < "2026-02-15").every(([, h]) => h === 8)).toBe(true);
    expect(casaUtc.filter(([d]) => d > "2026-02-15" && d < "2026-03-22").every(([, h]) => h === 9)).toBe(true);
    expect(casaUtc.filter(([d]) => d > "2026-03-22").every(([, h]) => h === 8)).toBe(true);
    expect(new Set(casaUtc.map(([, h]) => h))).toEqual(new Set([8, 9]));
    const nyUtc = sent.filter((s) => s.userId === "U-ny").map((s) => s.at.getUTCHours());
    expect(new Set(nyUtc)).toEqual(new Set([12, 11]));
    // Closed DMs: one notice in the channel where the reminder was set, then quiet.
    expect(noticed.map((n) => n.userId)).toEqual(["U-closed"]);
    expect(noticed[0]?.text).toMatch(/your DMs are closed/);

    for (const r of [a, b]) {
      await r.scheduler.stop();
      await r.store.close();
    }
  });
});
