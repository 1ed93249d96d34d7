/**
 * A member's way through an onboarding track, through the real Dispatcher, commands,
 * OnboardingService and a SQLite store: the step DM, "Got it, next" (once, even on a double
 * click), checkpoints right and wrong, pause, stop and resume, the finish with its summary and
 * congratulation, `onboard status` along the way, and `onboard tracks` with a team's own track.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { pages } from "../../../src/core/answers/render.ts";
import type { Caller } from "../../../src/core/command.ts";
import { loadKnowledge } from "../../../src/core/knowledge/loader.ts";
import type { Entry, Track } from "../../../src/core/knowledge/schema.ts";
import { LETTERS } from "../../../src/core/quiz/bank.ts";
import type { Reply } from "../../../src/core/reply.ts";
import { userText } from "../../../src/core/user-text.ts";
import { builtInPacks } from "../../../src/paths.ts";
import { button, caller, type Fixture, type FixtureOptions, knowledge, makeFixture } from "../fixture.ts";
import { openWorld, removeTempDirs, teamPack, type World } from "../world.ts";

const alice = caller();
const ALICE = { platform: "slack", workspaceId: "T1", userId: "U1" } as const;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});
afterAll(removeTempDirs);

async function fixture(opts: FixtureOptions = {}): Promise<Fixture> {
  const f = await makeFixture(opts);
  open.push(f);
  return f;
}

const basics = (): Track => {
  const t = knowledge().kb.tracks.find((x) => x.id === "docker-basics");
  if (!t) throw new Error("no docker-basics track");
  return t;
};
const entryOf = (track: Track, step: number): Entry => {
  const e = knowledge().kb.byId.get(track.steps[step]?.entry ?? "");
  if (!e) throw new Error(`no entry for step ${step}`);
  return e;
};
const labels = (r: Reply) => (r.buttons ?? []).map((b) => b.label);
const press = (f: { dispatcher: Fixture["dispatcher"] }, r: Reply, label: string, who: Caller = alice) =>
  f.dispatcher.action(button(r, label), who);
const lastDm = (f: Fixture, userId = "U1"): Reply => {
  const mine = f.dms.sent.filter((d) => d.userId === userId);
  const last = mine[mine.length - 1];
  if (!last) throw new Error(`no DM to ${userId}`);
  return last.reply;
};
const header = (track: Track, step: number) =>
  `${track.title}: step ${step + 1} of ${track.steps.length}: ${entryOf(track, step).title}`;
const wrongChoice = (q: { answer: number; choices: string[] }) => (q.answer === 0 ? 1 : 0);
const status = async (f: { dispatcher: Fixture["dispatcher"] }, who: Caller = alice) =>
  (await f.dispatcher.text("/docker onboard status", who)).text;

describe("the built-in track's steps are complete", () => {
  it("every step's entry exists, has two or more checkpoint questions and a full text to show", () => {
    const track = basics();
    expect(track.steps).toHaveLength(18);
    for (const [i] of track.steps.entries()) {
      const e = entryOf(track, i);
      expect(e.quiz.length, e.id).toBeGreaterThanOrEqual(2);
      expect(pages(e).length, e.id).toBeGreaterThan(0);
    }
  });
});

describe("starting and stepping through", () => {
  it("`/docker onboard` DMs step 1 (goal, summary, commands, buttons) and acknowledges only to the member", async () => {
    const f = await fixture();
    const track = basics();
    const first = entryOf(track, 0);
    const ack = await f.dispatcher.text("/docker onboard", alice);
    expect(ack).toMatchObject({
      visibility: "ephemeral",
      text: 'Welcome aboard! Step 1 of "Docker basics" is in your direct messages.',
    });
    expect(ack.buttons ?? []).toEqual([]);
    expect(f.dms.sent).toHaveLength(1);
    expect(f.dms.sent[0]?.userId).toBe("U1");
    const dm = lastDm(f);
    expect(dm.header).toBe(`Docker basics: step 1 of 18: ${first.title}`);
    expect(dm.text).toContain(`*Goal:* ${track.steps[0]?.goal}`);
    expect(dm.text).toContain(first.summary);
    expect(dm.bullets).toEqual(first.commands.slice(0, 4).map((c) => `\`${c.cmd}\`: ${c.does}`));
    expect(labels(dm)).toEqual(["Got it, next", "Quiz me", "Show more", "Pause"]);
    expect(f.posted.posts).toEqual([]);
    expect(f.dms.notices).toEqual([]);
    expect(await f.store.onboarding.get(ALICE)).toMatchObject({
      trackId: "docker-basics",
      step: 0,
      status: "active",
      pace: "self",
      userName: "alice",
    });

    // "Show more" opens the entry's full text.
    const more = await press(f, dm, "Show more");
    expect(more.header).toBe(`${first.title} (1/${pages(first).length})`);
    expect(more.text).toBe(pages(first)[0]);

    // "Got it, next" answers with step 2 (in the DM, as the reply to the press).
    const second = await press(f, dm, "Got it, next");
    expect(second.header).toBe(header(track, 1));
    expect(second.text).toContain(`*Goal:* ${track.steps[1]?.goal}`);
    expect(labels(second)).toEqual(["Got it, next", "Quiz me", "Show more", "Pause"]);
    expect((await f.store.onboarding.get(ALICE))?.step).toBe(1);
    expect(await status(f)).toBe(
      `Docker basics: step 2 of 18 (${entryOf(track, 1).title}), active. Steps done: 1. Checkpoints passed: 0 (0 on the first try).`,
    );
  });

  it("a second click on the same step's button does not advance again", async () => {
    const f = await fixture();
    const track = basics();
    await f.dispatcher.text("/docker onboard", alice);
    const step1 = lastDm(f);
    const step2 = await press(f, step1, "Got it, next");
    expect(step2.header).toBe(header(track, 1));

    const again = await press(f, step1, "Got it, next");
    expect(again).toMatchObject({ visibility: "ephemeral", text: "You are at step 2 already." });
    expect(again.header).toBeUndefined();
    expect((await f.store.onboarding.get(ALICE))?.step).toBe(1);
    expect((await f.store.onboarding.summary(ALICE, "docker-basics")).stepsDone).toBe(1);

    // Two presses at once on step 2: exactly one moves on to step 3.
    const both = await Promise.all([press(f, step2, "Got it, next"), press(f, step2, "Got it, next")]);
    expect(both.filter((r) => r.header === header(track, 2))).toHaveLength(1);
    expect(both.filter((r) => /^You are at step \d+ already\.$/.test(r.text ?? ""))).toHaveLength(1);
    expect((await f.store.onboarding.get(ALICE))?.step).toBe(2);
    expect((await f.store.onboarding.summary(ALICE, "docker-basics")).stepsDone).toBe(2);
    expect(f.dms.sent).toHaveLength(1);
  });

  // BUG (src/core/onboarding/service.ts, next): the enrolment is read before the conditional
  // advance, so the losing press of a simultaneous double click reports the step it read, not the
  // one the member is at. Input: two "Got it, next" presses on step 2 at once. Expected: the
  // loser says "You are at step 3 already." Actual: "You are at step 2 already."
  it("the losing press of a simultaneous double click names the step the member is at now", async () => {
    const f = await fixture();
    await f.dispatcher.text("/docker onboard", alice);
    const step2 = await press(f, lastDm(f), "Got it, next");
    const both = await Promise.all([press(f, step2, "Got it, next"), press(f, step2, "Got it, next")]);
    const loser = both.find((r) => r.header === undefined);
    expect(loser?.text).toBe("You are at step 3 already.");
  });
});

describe("checkpoints", () => {
  it("Quiz me asks one of the entry's questions; wrong → explanation and Quiz me again (the next question); right → passed", async () => {
    const f = await fixture();
    const track = basics();
    const e1 = entryOf(track, 0);
    await f.dispatcher.text("/docker onboard", alice);
    const q0 = await press(f, lastDm(f), "Quiz me");
    const first = e1.quiz[0];
    if (!first) throw new Error("no question");
    expect(q0.header).toBe(`Checkpoint: ${e1.title}`);
    expect(q0.text).toBe(first.question);
    expect(q0.bullets).toEqual(first.choices.map((c, i) => `${LETTERS[i]}. ${c}`));
    expect(labels(q0)).toEqual(LETTERS.slice(0, first.choices.length));

    // A wrong answer: the explanation, the checkpoint stays open.
    const wrong = await press(f, q0, LETTERS[wrongChoice(first)] as string);
    expect(wrong.text).toBe(`Not quite. ${first.explanation} Have another go later: the checkpoint stays open.`);
    expect(labels(wrong)).toEqual(["Got it, next", "Quiz me again"]);
    expect(await f.store.onboarding.summary(ALICE, "docker-basics")).toMatchObject({
      checkpointsPassed: 0,
      checkpointsAttempted: 1,
      attempts: 1,
    });

    // Quiz me again asks the next question; the right answer passes, but not on the first try.
    const q1 = await press(f, wrong, "Quiz me again");
    const second = e1.quiz[1];
    if (!second) throw new Error("no second question");
    expect(q1.text).toBe(second.question);
    expect(q1.text).not.toBe(first.question);
    const right = await press(f, q1, LETTERS[second.answer] as string);
    expect(right.text).toBe(`✅ Right: ${LETTERS[second.answer]}. ${second.explanation}`);
    expect(right.text).not.toContain("first try");
    expect(labels(right)).toEqual(["Got it, next"]);
    expect(await f.store.onboarding.summary(ALICE, "docker-basics")).toEqual({
      stepsDone: 0,
      checkpointsPassed: 1,
      passedFirstTry: 0,
      checkpointsAttempted: 1,
      attempts: 2,
    });

    // The checkpoint's "Got it, next" moves on; step 2 passed at the first answer gets the flag.
    const s2 = await press(f, right, "Got it, next");
    expect(s2.header).toBe(header(track, 1));
    const e2 = entryOf(track, 1);
    const q = await press(f, s2, "Quiz me");
    const question = e2.quiz[0];
    if (!question) throw new Error("no question");
    expect(q.text).toBe(question.question);
    const firstTry = await press(f, q, LETTERS[question.answer] as string);
    expect(firstTry.text).toBe(
      `✅ Right: ${LETTERS[question.answer]}. ${question.explanation} Passed on the first try!`,
    );
    // A later wrong answer on a passed checkpoint takes nothing away.
    const q2 = await press(f, s2, "Quiz me");
    expect(q2.text).toBe(e2.quiz[1]?.question);
    await press(f, q2, LETTERS[wrongChoice(e2.quiz[1] as { answer: number; choices: string[] })] as string);
    expect(await f.store.onboarding.summary(ALICE, "docker-basics")).toEqual({
      stepsDone: 1,
      checkpointsPassed: 2,
      passedFirstTry: 1,
      checkpointsAttempted: 2,
      attempts: 4,
    });
    expect(await status(f)).toBe(
      `Docker basics: step 2 of 18 (${e2.title}), active. Steps done: 1. Checkpoints passed: 2 (1 on the first try).`,
    );
  });
});

describe("pause, stop and resume", () => {
  it("Pause, then `/docker onboard` resumes at the same step with a new DM", async () => {
    const f = await fixture();
    const track = basics();
    await f.dispatcher.text("/docker onboard", alice);
    const s2 = await press(f, lastDm(f), "Got it, next");
    const paused = await press(f, s2, "Pause");
    expect(paused.text).toBe("Paused at step 2. Type `/docker onboard` to pick up where you left off.");
    expect((await f.store.onboarding.get(ALICE))?.status).toBe("paused");
    expect(await status(f)).toBe(
      `Docker basics: step 2 of 18 (${entryOf(track, 1).title}), paused. Steps done: 1. Checkpoints passed: 0 (0 on the first try).`,
    );
    expect((await press(f, s2, "Pause")).text).toBe(
      "You have no active onboarding track. `/docker onboard` starts one.",
    );

    const before = f.dms.sent.length;
    const back = await f.dispatcher.text("/docker onboard", alice);
    expect(back.text).toBe('Welcome back! Step 2 of "Docker basics" is in your direct messages.');
    expect(f.dms.sent).toHaveLength(before + 1);
    expect(lastDm(f).header).toBe(header(track, 1));
    expect(await f.store.onboarding.get(ALICE)).toMatchObject({ step: 1, status: "active" });
    // The resumed DM's button carries on.
    expect((await press(f, lastDm(f), "Got it, next")).header).toBe(header(track, 2));
  });

  it("`onboard stop` keeps the progress and `onboard` resumes there", async () => {
    const f = await fixture();
    const track = basics();
    await f.dispatcher.text("/docker onboard", alice);
    let card = lastDm(f);
    for (let i = 0; i < 3; i++) card = await press(f, card, "Got it, next");
    expect(card.header).toBe(header(track, 3));

    const stopped = await f.dispatcher.text("/docker onboard stop", alice);
    expect(stopped.text).toBe("Stopped. Your progress is kept: `/docker onboard` resumes at step 4.");
    expect(await f.store.onboarding.get(ALICE)).toMatchObject({ step: 3, status: "stopped" });
    expect(await status(f)).toBe(
      `Docker basics: step 4 of 18 (${entryOf(track, 3).title}), stopped. Steps done: 3. Checkpoints passed: 0 (0 on the first try).`,
    );
    expect((await f.dispatcher.text("/docker onboard stop", alice)).text).toBe("You are not on an onboarding track.");

    const back = await f.dispatcher.text("/docker onboard", alice);
    expect(back.text).toBe('Welcome back! Step 4 of "Docker basics" is in your direct messages.');
    expect(lastDm(f).header).toBe(header(track, 3));
    expect(await f.store.onboarding.get(ALICE)).toMatchObject({ step: 3, status: "active" });
    expect((await f.store.onboarding.summary(ALICE, "docker-basics")).stepsDone).toBe(3);
  });
});

describe("the whole track", () => {
  it("walks all 18 steps to the finish summary and a congratulation in the configured channel", async () => {
    const f = await fixture({ onboardChannel: "C-team" });
    const track = basics();
    expect(await status(f)).toBe("You are not on an onboarding track yet. `/docker onboard` starts the Docker basics.");
    await f.dispatcher.text("/docker onboard", alice);
    let card = lastDm(f);
    for (let i = 0; i < track.steps.length; i++) {
      expect(card.header).toBe(header(track, i));
      const e = entryOf(track, i);
      if (i === 0) {
        // right at the first answer
        const q = await press(f, card, "Quiz me");
        await press(f, q, LETTERS[e.quiz[0]?.answer ?? -1] as string);
      }
      if (i === 1) {
        // wrong, then right
        const q = await press(f, card, "Quiz me");
        const w = await press(f, q, LETTERS[wrongChoice(e.quiz[0] as { answer: number; choices: string[] })] as string);
        const again = await press(f, w, "Quiz me again");
        await press(f, again, LETTERS[e.quiz[1]?.answer ?? -1] as string);
      }
      if (i === 9) {
        expect(await status(f)).toBe(
          `Docker basics: step 10 of 18 (${e.title}), active. Steps done: 9. Checkpoints passed: 2 (1 on the first try).`,
        );
      }
      card = await press(f, card, "Got it, next");
    }
    expect(card.header).toBe('🎉 You finished "Docker basics"');
    expect(card.text).toBe("18 steps done. Checkpoints passed first time: 1 of 2 passed (3 tries in all).");
    expect(f.posted.posts).toHaveLength(1);
    expect(f.posted.posts[0]?.channelId).toBe("C-team");
    expect(f.posted.posts[0]?.reply).toMatchObject({
      visibility: "channel",
      text: `🎉 ${userText("alice")} finished the onboarding track "Docker basics". Welcome to the team!`,
    });
    expect(await status(f)).toBe(
      "Docker basics: finished all 18 steps. Steps done: 18. Checkpoints passed: 2 (1 on the first try).",
    );
    expect(await f.store.onboarding.get(ALICE)).toMatchObject({ status: "finished", step: 18 });

    // Afterwards: `onboard` says so, the last button shows the summary again, no second congratulation.
    expect((await f.dispatcher.text("/docker onboard", alice)).text).toBe(
      'You finished "Docker basics" already. `/docker onboard status` shows your summary.',
    );
    const lastStep = track.steps.length - 1;
    const again = await f.dispatcher.action(`v1|obnext|docker-basics|${lastStep}`, alice);
    expect(again.header).toBe('🎉 You finished "Docker basics"');
    expect(f.posted.posts).toHaveLength(1);
    expect(f.dms.sent).toHaveLength(1);
  });

  it("without a configured channel the finish posts nothing", async () => {
    const f = await fixture();
    await f.dispatcher.text("/docker onboard", alice);
    let card = lastDm(f);
    for (let i = 0; i < 18; i++) card = await press(f, card, "Got it, next");
    expect(card.header).toBe('🎉 You finished "Docker basics"');
    expect(card.text).toBe("18 steps done. Checkpoints passed first time: 0 of 0 passed (0 tries in all).");
    expect(f.posted.posts).toEqual([]);
  });
});

describe("tracks from a team's pack", () => {
  const teamEntries = ["docker-run", "volumes", "docker-compose"];
  const withTeamTrack = async (): Promise<World> => {
    const dir = teamPack("team-starter", "Team starter", teamEntries);
    const { kb, problems } = loadKnowledge([...builtInPacks, dir]);
    expect(problems).toEqual([]);
    const w = await openWorld({ kb });
    open.push(w);
    return w;
  };
  const teamTrack = (w: World) => w.ctx.kb.tracks.find((t) => t.id === "team-starter") as Track;
  const bob = caller({ userId: "U2", userName: "bob" });

  it("`onboard tracks` lists the built-in track and the team's; the team's runs start to finish", async () => {
    const w = await withTeamTrack();
    const listed = await w.dispatcher.text("/docker onboard tracks", alice);
    expect(listed.header).toBe("Onboarding tracks");
    const builtIn = w.ctx.kb.tracks.filter((t) => t.id !== "team-starter");
    expect(builtIn.map((t) => t.id).sort()).toEqual([
      "compose-for-developers",
      "docker-basics",
      "docker-in-production",
    ]);
    expect(listed.bullets).toEqual([
      ...builtIn.map((t) => `*${t.title}* (\`${t.id}\`, ${t.steps.length} steps): ${t.description}`),
      "*Team starter* (`team-starter`, 3 steps): Our team's own first steps.",
    ]);
    expect(listed.bullets).toContain(`*Docker basics* (\`docker-basics\`, 18 steps): ${basics().description}`);
    expect(listed.context).toBe("Start one with `/docker onboard start <track>`.");

    const unknown = await w.dispatcher.text("/docker onboard start nope", bob);
    expect(unknown.text).toBe(
      `There is no track "${userText("nope")}". Tracks: compose-for-developers, docker-basics, docker-in-production, team-starter. \`/docker onboard tracks\` lists them.`,
    );
    expect(await w.store.onboarding.get({ ...ALICE, userId: "U2" })).toBeUndefined();

    const track = teamTrack(w);
    const ack = await w.dispatcher.text("/docker onboard start team-starter", bob);
    expect(ack.text).toBe('Welcome aboard! Step 1 of "Team starter" is in your direct messages.');
    let card = w.dms.last("U2");
    for (let i = 0; i < 3; i++) {
      expect(card.header).toBe(`Team starter: step ${i + 1} of 3: ${w.ctx.kb.byId.get(teamEntries[i] ?? "")?.title}`);
      expect(card.text).toContain(`*Goal:* ${track.steps[i]?.goal}`);
      card = await press(w, card, "Got it, next", bob);
    }
    expect(card.header).toBe('🎉 You finished "Team starter"');
    expect(card.text).toBe("3 steps done. Checkpoints passed first time: 0 of 0 passed (0 tries in all).");
    expect((await w.dispatcher.text("/docker onboard status", bob)).text).toBe(
      "Team starter: finished all 3 steps. Steps done: 3. Checkpoints passed: 0 (0 on the first try).",
    );

    // `onboard` with no track still means the built-in one.
    await w.dispatcher.text("/docker onboard", alice);
    expect(w.dms.last("U1").header).toBe(header(basics(), 0));
    // On one track, another is refused with what to do.
    const other = await w.dispatcher.text("/docker onboard start team-starter", alice);
    expect(other.text).toBe(
      'You are on the track "docker-basics" (step 1). Finish it, or `/docker onboard stop` it first.',
    );
  });

  // BUG (src/core/onboarding/service.ts start / store enrol): the refusal above tells the member to
  // `/docker onboard stop` the current track first, but start() never asks the store to switch, so
  // a stopped track still blocks another one. Input: on docker-basics, `/docker onboard stop`, then
  // `/docker onboard start team-starter`. Expected: step 1 of "Team starter" by DM. Actual: the same
  // "You are on the track "docker-basics" ... stop it first." refusal.
  it("after `onboard stop`, starting another track works as the refusal says", async () => {
    const w = await withTeamTrack();
    await w.dispatcher.text("/docker onboard", alice);
    await w.dispatcher.text("/docker onboard stop", alice);
    const started = await w.dispatcher.text("/docker onboard start team-starter", alice);
    expect(started.text).toMatch(/Step 1 of "Team starter" is in your direct messages\./);
    expect(w.dms.last("U1").header).toMatch(/^Team starter: step 1 of 3: /);
  });

  it("`dockhand lint` accepts the team's track and rejects a step that names a missing entry", async () => {
    const good = teamPack("team-starter", "Team starter", teamEntries);
    const bad = teamPack("team-broken", "Team broken", ["docker-run", "no-such-entry", "volumes"]);
    const [ok, broken] = await Promise.all([lint(good), lint(bad)]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: 113 entries, 4 track\(s\) in 3 pack\(s\)/);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('tracks/team-broken.yaml: steps[1].entry: no entry has the id "no-such-entry"');
    expect(broken.stderr).toMatch(/^1 problem\(s\) found\.$/m);
  });
});

const root = fileURLToPath(new URL("../../..", import.meta.url));

/** Runs the real CLI, `node src/bin.js lint <dir>`, from the package root. */
function lint(dir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["src/bin.js", "lint", dir], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
