/**
 * The daily quiz in the terminal chat, end to end in this process: ConsoleChat over in-memory
 * streams, wired like src/main.ts (its poster for the quiz, the real dispatcher, commands, quiz
 * service and scheduler jobs), with a fake clock and a temp SQLite store.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { asShown, terminal } from "./terminal.ts";

/** Text with its line wrapping undone, for comparing long lines. */
const flat = (text: string) => text.replace(/\s+/g, " ").trim();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-quiz-session-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("the quiz in the terminal chat", () => {
  it("quiz now, answer by number, close, leaderboard, me; then a schedule posts at its time", {
    timeout: 20_000,
  }, async () => {
    const t = await terminal(tmp);

    const posted = await t.type("/docker quiz now", /close it early\s+with \/docker quiz close\.\n\n/);
    expect(posted).toMatch(/^Docker quiz: /m);
    expect(posted).toMatch(/^0 answers so far · closes at 11:00 UTC · your first click counts$/m);
    expect(posted).toMatch(/^\[1\] A {2}\[2\] B {2}\[3\] C( {2}\[4\] D)?$/m);
    expect(posted).toMatch(/^• A\. /m);
    expect(posted).toMatch(/^• B\. /m);
    expect(posted).toContain("(only you can see this)");
    expect(posted).not.toContain("\x1b[");
    const round = await t.store.quiz.openRoundIn({ platform: "console", workspaceId: "local", channelId: "terminal" });
    if (!round) throw new Error("no open round");
    const q = t.kb.byId.get(round.entryId)?.quiz[round.questionIndex];
    if (!q) throw new Error("unknown question");
    const entry = t.kb.byId.get(round.entryId);
    expect(flat(posted)).toContain(`Docker quiz: ${entry?.title}`);
    expect(flat(posted)).toContain(q.question);
    expect(flat(posted)).toContain("Quiz question posted. It closes at Mon, 5 Jan 2026, 11:00 GMT+0;");
    for (const [i, c] of q.choices.entries()) expect(flat(posted)).toContain(`• ${"ABCD"[i]}. ${asShown(c)}`);

    // "2" presses the second button of the question: choice B.
    const answered = await t.type("2", /Locked in: B\.[\s\S]*?\n\n/);
    // The count on the question is updated after the reply.
    const update = answered.includes("(updated)")
      ? answered
      : await t.next(/\(updated\)[\s\S]*?answers? so far[^\n]*\n/);
    expect(flat(update)).toContain(`Docker quiz: ${entry?.title} (updated)`);
    expect(update).toMatch(/^1 answer so far · /m);
    const again = await t.type("1", /already answered[\s\S]*?\n\n/);
    expect(again).not.toContain("Locked in");

    const closed = await t.type("/docker quiz close", /Closed: the answer is revealed above\.\n\n/);
    const letter = "ABCD"[q.answer];
    const right = q.answer === 1;
    expect(flat(closed)).toContain(`Quiz answer: ${letter}. ${q.choices[q.answer]} (updated)`);
    expect(flat(closed)).toContain(flat(asShown(q.explanation)));
    expect(flat(closed)).toContain(`• ✅ ${letter}. ${q.choices[q.answer]}`);
    expect(flat(closed)).toContain(`• ${right ? "✅" : "▫️"} B. ${q.choices[1]} ██████████ 1 (100%)`);
    expect(closed.match(/ ░{10} 0 \(0%\)/g)).toHaveLength(q.choices.length - 1);
    expect(closed).toContain(right ? "1 answer. 1 got it right: you." : "1 answer. Nobody got it this time.");
    expect(flat(closed)).toContain(`[1] Learn more: ${entry?.title}`);

    // The reveal's only button is now [1]: it opens the entry.
    const learn = await t.type("1", /\[\d+\] Share in channel\n\n/);
    expect(flat(learn)).toContain(entry?.title);
    expect(flat(learn)).toContain(flat(asShown(entry?.summary ?? "-")));

    const board = await t.type(
      "/docker quiz leaderboard all",
      right ? /1\. you: 1 point\n\n/ : /No points all time yet[\s\S]*?\n\n/,
    );
    if (right) expect(board).toContain("Quiz leaderboard, all time");
    const me = await t.type("/docker quiz me", /rank \d+\n\n/);
    expect(me).toContain(
      right
        ? "Points: 1 · accuracy 100% (1/1) · streak 1 (best 1) · rank 1"
        : "Points: 0 · accuracy 0% (0/1) · streak 0 (best 0) · rank 1",
    );

    // A schedule set in the terminal posts at its time.
    const set = await t.type("/docker quiz schedule 09:00 UTC daily", /GMT\+0\.\n\n/);
    expect(flat(set)).toContain(
      "Daily quiz set for this channel: 09:00 UTC, daily; each question stays open 4h. Next question: Mon, 5 Jan 2026, 09:00 GMT+0.",
    );
    await t.scheduler.tick();
    expect(t.output().slice(t.output().length - 1)).toBe("\n");
    const before = t.output().length;
    t.clock.set("2026-01-05T08:59:00Z");
    await t.scheduler.tick();
    expect(t.output().length).toBe(before);
    t.clock.set("2026-01-05T09:00:30Z");
    await t.scheduler.tick();
    const scheduled = await t.next(/your first click counts\n\[1\] A[^\n]*\n\n/);
    expect(scheduled).toMatch(/^Docker quiz: /m);
    expect(scheduled).toMatch(/^0 answers so far · closes at 13:00 UTC · your first click counts$/m);
    const next = await t.store.quiz.openRoundIn({ platform: "console", workspaceId: "local", channelId: "terminal" });
    expect(next?.scheduleKey).toBe("console:local:terminal@2026-01-05T09:00:00.000Z");
    expect(`${next?.entryId}#${next?.questionIndex}`).not.toBe(`${round.entryId}#${round.questionIndex}`);
    // Its buttons are the numbered ones now: press the right answer this time.
    const sq = t.kb.byId.get(next?.entryId ?? "")?.quiz[next?.questionIndex ?? -1];
    if (!sq) throw new Error("unknown scheduled question");
    const rightLetter = "ABCD"[sq.answer] as string;
    await t.type(String(sq.answer + 1), new RegExp(`Locked in: ${rightLetter}\\.[\\s\\S]*?\\n\\n`));
    // Ticking again does not post it twice.
    t.clock.set("2026-01-05T09:05:00Z");
    await t.scheduler.tick();
    // Posts (not updates) are the messages that show "0 answers so far".
    expect(t.output().match(/^0 answers so far/gm)).toHaveLength(2);
    // At its close time (4 hours later) the scheduler reveals it in the terminal.
    t.clock.set("2026-01-05T13:00:30Z");
    await t.scheduler.tick();
    const reveal = await t.next(/1 answer\. 1 got it right: you\.\n\[1\] Learn more: [^\n]+\n\n/);
    expect(flat(reveal)).toContain(`Quiz answer: ${rightLetter}. ${sq.choices[sq.answer]} (updated)`);
    expect(flat(reveal)).toContain(`• ✅ ${rightLetter}. ${sq.choices[sq.answer]} ██████████ 1 (100%)`);
    const board2 = await t.type("/docker quiz leaderboard all", /1\. you: 1 point\n\n/);
    expect(board2).toContain("Quiz leaderboard, all time");
    const me2 = await t.type("/docker quiz me", /rank \d+\n\n/);
    expect(me2).toContain(
      right
        ? "Points: 2 · accuracy 100% (2/2) · streak 2 (best 2) · rank 1"
        : "Points: 1 · accuracy 50% (1/2) · streak 1 (best 1) · rank 1",
    );

    t.input.end();
    await t.running;
    await t.scheduler.stop();
    await t.store.close();
  });
});
