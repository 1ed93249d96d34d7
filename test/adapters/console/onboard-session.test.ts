/**
 * Team onboarding in the terminal chat, end to end in this process: ConsoleChat over in-memory
 * streams, wired like src/main.ts (its messenger and poster for onboarding, the real dispatcher,
 * commands, services and scheduler jobs), with a fake clock and a temp SQLite store. A whole
 * track from `/docker onboard` to the finish summary: checkpoints wrong and right, pause and
 * resume, stop and resume, buttons pressed by typing their numbers.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { asShown, terminal } from "./terminal.ts";

/** Text with its line wrapping undone, for comparing long lines. */
const flat = (text: string) => text.replace(/\s+/g, " ").trim();
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-onboard-session-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The number of the button with this label on the last button line of `chunk`. */
function numberOf(chunk: string, label: string): string {
  const lines = chunk.split("\n").filter((l) => /^\[1\] /.test(l));
  const line = lines[lines.length - 1] ?? "";
  const m = new RegExp(`\\[(\\d+)\\] ${escapeRegExp(label)}(?=  |$)`).exec(line);
  if (!m?.[1]) throw new Error(`no button "${label}" in:\n${chunk}`);
  return m[1];
}

/** A step card ends with its buttons, the last of them Pause; a checkpoint's end with the letters. */
const STEP_END = /\] Pause\n\n/;
const QUESTION_END = /\n\[1\] A {2}\[2\] B[^\n]*\n\n/;
const LETTERS = ["A", "B", "C", "D"];

describe("onboarding in the terminal chat", () => {
  it("a whole track from `/docker onboard` to the finish summary, with checkpoints, pause, stop and resume", {
    timeout: 20_000,
  }, async () => {
    const t = await terminal(tmp, { channelId: "terminal", stallDays: 7, welcome: false });
    const track = t.kb.tracks.find((x) => x.id === "docker-basics");
    if (!track) throw new Error("no track");
    const entry = (i: number) => {
      const e = t.kb.byId.get(track.steps[i]?.entry ?? "");
      if (!e) throw new Error(`no entry for step ${i}`);
      return e;
    };
    const stepTitle = (i: number) => `Docker basics: step ${i + 1} of 18: ${entry(i).title}`;

    // Step 1 arrives as a direct message, then the acknowledgement.
    let card = await t.type("/docker onboard", /is in your direct messages\.\n\n/);
    expect(flat(card)).toContain(flat(stepTitle(0)));
    expect(flat(card)).toContain(flat(asShown(`*Goal:* ${track.steps[0]?.goal}`)));
    expect(flat(card)).toContain(flat(asShown(entry(0).summary)));
    expect(card).toMatch(/^direct message$/m);
    expect(card).toMatch(/^\[1\] Got it, next {2}\[2\] Quiz me {2}\[3\] Show more {2}\[4\] Pause$/m);
    expect(card).toMatch(/^Welcome aboard! Step 1 of "Docker basics" is in your direct messages\.$/m);
    expect(flat(card).indexOf(flat(stepTitle(0)))).toBeLessThan(flat(card).indexOf("Welcome aboard!"));
    expect(card).not.toContain("\x1b[");

    // Checkpoint 1: wrong, then "Quiz me again" asks another question, answered right.
    const q1 = entry(0).quiz[0];
    const q2 = entry(0).quiz[1];
    if (!q1 || !q2) throw new Error("no questions");
    let question = await t.type(numberOf(card, "Quiz me"), QUESTION_END);
    expect(flat(question)).toContain(`Checkpoint: ${entry(0).title}`);
    expect(flat(question)).toContain(flat(asShown(q1.question)));
    const wrong = q1.answer === 0 ? 1 : 0;
    const missed = await t.type(String(wrong + 1), /\] Quiz me again\n\n/);
    expect(flat(missed)).toContain(flat(asShown(`Not quite. ${q1.explanation}`)));
    expect(missed).toMatch(/^\[1\] Got it, next {2}\[2\] Quiz me again$/m);
    question = await t.type(numberOf(missed, "Quiz me again"), QUESTION_END);
    expect(flat(question)).toContain(flat(asShown(q2.question)));
    let answered = await t.type(String(q2.answer + 1), /\n\[1\] Got it, next\n\n/);
    expect(flat(answered)).toContain(flat(asShown(`✅ Right: ${LETTERS[q2.answer]}. ${q2.explanation}`)));
    expect(answered).not.toContain("first try");

    // Step 2: right on the first try.
    card = await t.type(numberOf(answered, "Got it, next"), STEP_END);
    expect(flat(card)).toContain(flat(stepTitle(1)));
    const q3 = entry(1).quiz[0];
    if (!q3) throw new Error("no question");
    question = await t.type(numberOf(card, "Quiz me"), QUESTION_END);
    answered = await t.type(String(q3.answer + 1), /\n\[1\] Got it, next\n\n/);
    expect(flat(answered)).toContain("Passed on the first try!");
    card = await t.type(numberOf(answered, "Got it, next"), STEP_END);
    expect(flat(card)).toContain(flat(stepTitle(2)));

    // Pause at step 3, then `/docker onboard` resumes there.
    const paused = await t.type(numberOf(card, "Pause"), /left off\.\n\n/);
    expect(flat(paused)).toContain("Paused at step 3. Type /docker onboard to pick up where you left off.");
    const paused2 = await t.type("/docker onboard status", /first try\)\.\n\n/);
    expect(flat(paused2)).toContain(`step 3 of 18 (${entry(2).title}), paused. Steps done: 2.`);
    card = await t.type("/docker onboard", /is in your direct messages\.\n\n/);
    expect(flat(card)).toContain(flat(stepTitle(2)));
    expect(flat(card)).toContain('Welcome back! Step 3 of "Docker basics" is in your direct messages.');

    // On to step 6, stop there, and come back.
    for (let i = 3; i <= 5; i++) {
      card = await t.type(numberOf(card, "Got it, next"), STEP_END);
      expect(flat(card)).toContain(flat(stepTitle(i)));
    }
    const stopped = await t.type("/docker onboard stop", /resumes at step \d+\.\n\n/);
    expect(flat(stopped)).toContain("Stopped. Your progress is kept: /docker onboard resumes at step 6.");
    const status = await t.type("/docker onboard status", /first try\)\.\n\n/);
    expect(flat(status)).toContain(
      `Docker basics: step 6 of 18 (${entry(5).title}), stopped. Steps done: 5. Checkpoints passed: 2 (1 on the first try).`,
    );
    card = await t.type("/docker onboard", /is in your direct messages\.\n\n/);
    expect(flat(card)).toContain(flat(stepTitle(5)));
    expect(flat(card)).toContain('Welcome back! Step 6 of "Docker basics" is in your direct messages.');

    // The rest of the track, to the finish.
    for (let i = 6; i < 18; i++) {
      card = await t.type(numberOf(card, "Got it, next"), STEP_END);
      expect(flat(card)).toContain(flat(stepTitle(i)));
    }
    const finish = await t.type(numberOf(card, "Got it, next"), /<anything>\.\n\n/);
    expect(flat(finish)).toContain('🎉 you finished the onboarding track "Docker basics". Welcome to the team!');
    expect(flat(finish)).toContain('🎉 You finished "Docker basics"');
    expect(flat(finish)).toContain("18 steps done. Checkpoints passed first time: 1 of 2 passed (3 tries in all).");
    const done = await t.type("/docker onboard status", /first try\)\.\n\n/);
    expect(flat(done)).toContain(
      "Docker basics: finished all 18 steps. Steps done: 18. Checkpoints passed: 2 (1 on the first try).",
    );

    // Every step was shown in order; steps 3 and 6 twice (after the pause and the stop).
    const shown = [...t.output().matchAll(/^Docker basics: step (\d+) of 18: /gm)].map((m) => Number(m[1]));
    expect(shown).toEqual([1, 2, 3, 3, 4, 5, 6, 6, ...Array.from({ length: 12 }, (_v, i) => i + 7)]);
    expect(t.output().match(/^🎉 You finished "Docker basics"$/gm)).toHaveLength(1);

    // A self-paced member gets nothing from the scheduler.
    const before = t.output().length;
    t.clock.advance(3 * 86_400_000);
    await t.scheduler.tick();
    expect(t.output().length).toBe(before);

    t.input.end();
    await t.running;
    await t.scheduler.stop();
    await t.store.close();
  });
});
