/**
 * Personal reviews in the terminal chat, end to end in this process (ConsoleChat wired by
 * assemble(), a fake clock, a temp SQLite file): a quiz question answered wrong joins the deck,
 * comes due, and is reviewed over simulated weeks. Every stored schedule is checked against
 * ts-fsrs computing the same reviews on its own.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Card, createEmptyCard, fsrs, Rating } from "ts-fsrs";
import { afterAll, describe, expect, it } from "vitest";
import { REVIEW_PARAMS } from "../../../src/core/review/service.ts";
import { terminal } from "./terminal.ts";

const flat = (text: string) => text.replace(/\s+/g, " ").trim();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-review-session-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ME = { platform: "console", workspaceId: "local", userId: "console" } as const;
const CH = { platform: "console", workspaceId: "local", channelId: "terminal" } as const;
const DAY = 86_400_000;
/** A shown card ends with its choice buttons. */
const QUESTION_END = /\n\[1\] A {2}\[2\] B[^\n]*\n\n/;

describe("reviews in the terminal chat", () => {
  it("a missed quiz question becomes a card; right answers stretch its interval, a lapse shrinks it, as ts-fsrs computes", {
    timeout: 30_000,
  }, async () => {
    const t = await terminal(tmp);
    const empty = await t.type("/docker review", /Your review deck is empty\.[\s\S]*?\n\n/);
    expect(flat(empty)).toContain("or type /docker review add <topic>.");

    // The channel quiz: answer wrong, close the round.
    await t.type("/docker quiz now", /close it early\s+with \/docker quiz close\.\n\n/);
    const round = await t.store.quiz.openRoundIn(CH);
    if (!round) throw new Error("no open round");
    const entry = t.kb.byId.get(round.entryId);
    const q = entry?.quiz[round.questionIndex];
    if (!entry || !q) throw new Error("unknown question");
    const wrong = q.answer === 0 ? 1 : 0;
    await t.type(String(wrong + 1), /Locked in: [A-D]\.[\s\S]*?\n\n/);
    await t.type("/docker quiz close", /Closed: the answer is revealed above\.\n\n/);
    const added = t.clock.now();

    const deck = await t.store.reviews.cards(ME);
    expect(deck.map((c) => `${c.entryId}#${c.question}:${c.source}`)).toEqual([
      `${round.entryId}#${round.questionIndex}:quiz`,
    ]);
    const status = await t.type("/docker review status", /Daily reminder: off\n/);
    expect(status).toMatch(/^Due now: 1$/m);
    expect(status).toMatch(/^Cards in your deck: 1$/m);
    expect(status).toMatch(/^Retention, last 30 days: no reviews yet$/m);

    // The same reviews, computed by ts-fsrs alone.
    const f = fsrs(REVIEW_PARAMS);
    let expected: Card = createEmptyCard(added);
    const intervals: number[] = [];

    /** Shows the due card, presses the right (or a wrong) choice, and checks the stored schedule. */
    const review = async (right: boolean) => {
      const shown = await t.type("/docker review", QUESTION_END);
      expect(flat(shown)).toContain(`Review: ${entry.title}`);
      expect(flat(shown)).toContain(flat(q.question));
      const bullets = [...shown.matchAll(/^• ([A-D])\. (.+(?:\n {2}.+)*)$/gm)].map((m) => ({
        letter: m[1],
        text: flat(m[2] ?? ""),
      }));
      expect(bullets.map((b) => b.text).sort()).toEqual(q.choices.map(flat).sort());
      const target = flat((right ? q.choices[q.answer] : q.choices.find((_c, i) => i !== q.answer)) ?? "");
      const press = bullets.findIndex((b) => b.text === target);
      const result = await t.type(String(press + 1), /This card comes back [^\n]*\n(?:[^\n]+\n)*\n/);
      expect(flat(result)).toContain(right ? `✅ Right: “${q.choices[q.answer]}”.` : "❌ Not quite");
      expect(flat(result)).toContain(flat(q.explanation));
      expect(result).toMatch(/\[1\] Learn more: /);
      if (right) expect(result).toMatch(/\] That was easy/);

      const now = t.clock.now();
      expected = f.next(expected, now, right ? Rating.Good : Rating.Again).card;
      const [stored] = await t.store.reviews.cards(ME);
      expect(stored?.fsrs.due.toISOString()).toBe(expected.due.toISOString());
      expect(stored?.fsrs.stability).toBeCloseTo(expected.stability, 6);
      expect(stored?.fsrs.difficulty).toBeCloseTo(expected.difficulty, 6);
      expect(stored?.fsrs).toMatchObject({ reps: expected.reps, lapses: expected.lapses, state: expected.state });
      intervals.push(Math.round((expected.due.getTime() - now.getTime()) / DAY));
      // Nothing else is due: the next showing waits for the card's day.
      const nothing = await t.type("/docker review", /Nothing to review right now\.[^\n]*\n\n/);
      expect(nothing).toContain(intervals.at(-1) === 1 ? "due tomorrow" : `due in ${intervals.at(-1)} days`);
      t.clock.set(expected.due);
    };

    for (const right of [true, true, true, false, true]) await review(right);
    // Right answers stretch the interval, the lapse shrinks it, the next right answer grows it again.
    const [a, b, c, lapse, after] = intervals as [number, number, number, number, number];
    expect(b).toBeGreaterThan(a);
    expect(c).toBeGreaterThan(b);
    expect(lapse).toBeLessThan(c);
    expect(after).toBeGreaterThan(lapse);
    const [fifth] = await t.store.reviews.cards(ME);
    expect(fifth?.fsrs).toMatchObject({ reps: 5, lapses: 1 });

    // The clock is at the card's next due time: it is due, and the last review was days ago.
    const due = await t.type("/docker review status", /Daily reminder: off\n/);
    expect(due).toMatch(/^Due now: 1$/m);
    expect(due).toMatch(/^Streak: 0 days$/m);
    const reviewDay = t.clock.now();
    await review(true);
    const final = await t.type("/docker review status", /Daily reminder: off\n/);
    expect(final).toMatch(/^Retention, last 30 days: \d+% of \d$/m);
    // A streak counts today, and yesterday until today has a review.
    t.clock.set(reviewDay);
    expect(await t.type("/docker review status", /Daily reminder: off\n/)).toMatch(/^Streak: 1 day$/m);
    t.clock.set(new Date(reviewDay.getTime() + DAY));
    expect(await t.type("/docker review status", /Daily reminder: off\n/)).toMatch(/^Streak: 1 day$/m);
    t.clock.set(new Date(reviewDay.getTime() + 2 * DAY));
    expect(await t.type("/docker review status", /Daily reminder: off\n/)).toMatch(/^Streak: 0 days$/m);

    t.input.end();
    await t.running;
    await t.scheduler.stop();
    await t.store.close();
  });
});
