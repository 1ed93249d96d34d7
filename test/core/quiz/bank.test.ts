import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Caller } from "../../../src/core/command.ts";
import { loadKnowledge } from "../../../src/core/knowledge/loader.ts";
import { type BankQuestion, bank, pickQuestion } from "../../../src/core/quiz/bank.ts";
import { channelOf } from "../../../src/core/quiz/service.ts";
import { builtInPacks } from "../../../src/paths.ts";
import {
  fixtureKb,
  openWorld,
  question,
  removeTempDirs,
  roundOf,
  rounds,
  user,
  type World,
  type WorldOptions,
} from "../world.ts";

/** Two entries with two questions each. */
const small = fixtureKb({
  alpha: [question("Alpha first", 0), question("Alpha second", 1)],
  beta: [question("Beta first", 2), question("Beta second", 0)],
});
const KEYS = ["alpha#0", "alpha#1", "beta#0", "beta#1"];

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

/** Runs `pick` n times, counting each pick as a use, and returns the keys in order. */
function cycle(questions: BankQuestion[], n: number, salt: string, misses = new Map<string, number>()): string[] {
  const uses = new Map<string, number>();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const q = pickQuestion(questions, uses, misses, `${salt}:${i}`);
    if (!q) throw new Error("no question");
    out.push(q.key);
    uses.set(q.key, (uses.get(q.key) ?? 0) + 1);
  }
  return out;
}

describe("pickQuestion", () => {
  const questions = bank(small);

  it("the bank holds every question of every entry, keyed entry#index", () => {
    expect(questions.map((q) => q.key)).toEqual(KEYS);
    expect(pickQuestion([], new Map(), new Map(), "x")).toBeUndefined();
  });

  it("repeats no question until the bank is used up, then starts a new cycle", () => {
    for (const salt of ["slack:C1", "slack:C2", "discord:9", "console:terminal", "x", "y"]) {
      const picks = cycle(questions, 12, salt);
      expect(new Set(picks.slice(0, 4)).size, salt).toBe(4);
      expect(new Set(picks.slice(4, 8)).size, salt).toBe(4);
      expect(new Set(picks.slice(8, 12)).size, salt).toBe(4);
    }
    // Never a question used more often than another.
    const uses = new Map([
      ["alpha#0", 2],
      ["alpha#1", 1],
      ["beta#0", 1],
      ["beta#1", 1],
    ]);
    for (let i = 0; i < 20; i++) expect(pickQuestion(questions, uses, new Map(), `s${i}`)?.key).not.toBe("alpha#0");
  });

  it("among the unused, questions on entries the channel missed more often come first", () => {
    for (let i = 0; i < 20; i++) {
      const salt = `salt-${i}`;
      expect(pickQuestion(questions, new Map(), new Map([["beta", 1]]), salt)?.entryId).toBe("beta");
      expect(pickQuestion(questions, new Map(), new Map([["alpha", 2]]), salt)?.entryId).toBe("alpha");
      expect(
        pickQuestion(
          questions,
          new Map(),
          new Map([
            ["alpha", 1],
            ["beta", 3],
          ]),
          salt,
        )?.entryId,
      ).toBe("beta");
      // Misses never bring back a used question before the bank is used up.
      const usedBeta = new Map([
        ["beta#0", 1],
        ["beta#1", 1],
      ]);
      expect(pickQuestion(questions, usedBeta, new Map([["beta", 9]]), salt)?.entryId).toBe("alpha");
    }
    // Missed first, whole cycle: both beta questions before the alpha ones.
    expect(cycle(questions, 4, "c", new Map([["beta", 5]])).map((k) => k.split("#")[0])).toEqual([
      "beta",
      "beta",
      "alpha",
      "alpha",
    ]);
  });
});

describe("the built-in bank (113 entries)", () => {
  const kb = loadKnowledge(builtInPacks).kb;
  const questions = bank(kb);

  it("holds every question of every entry, at least 3 for each how-to entry", () => {
    expect(questions.length).toBe(kb.entries.reduce((n, e) => n + e.quiz.length, 0));
    expect(questions.length).toBeGreaterThan(300);
  });

  it("a whole cycle asks every question once, and the topics a channel missed come first", () => {
    // A channel that missed three topics, one of them twice.
    const missed = new Map([
      ["exit-codes", 2],
      ["compose-startup-order", 1],
      ["volumes", 1],
    ]);
    const picks = cycle(questions, questions.length, "slack:C-bank", missed);
    expect(new Set(picks).size).toBe(questions.length);
    const entryOf = (k: string) => k.split("#")[0] as string;
    const missedCount = questions.filter((q) => missed.has(q.entryId)).length;
    const first = picks.slice(0, missedCount).map(entryOf);
    // Every question on a missed topic before any other, the most-missed topic first of all.
    expect(new Set(first)).toEqual(new Set(missed.keys()));
    const mostMissed = questions.filter((q) => q.entryId === "exit-codes").length;
    expect(first.slice(0, mostMissed).every((id) => id === "exit-codes")).toBe(true);
    // The next cycle starts again with the missed topics.
    const next = cycle(questions, questions.length + missedCount, "slack:C-bank", missed).slice(questions.length);
    expect(new Set(next.map(entryOf))).toEqual(new Set(missed.keys()));
  });
});

describe("the questions QuizService posts", () => {
  /** Posts a round with `quiz now`, lets `answer` answer it, and closes it; returns its question key. */
  async function round(w: World, ch: Caller, answer?: (r: Awaited<ReturnType<typeof roundOf>>) => Promise<void>) {
    const res = await w.dispatcher.text("/docker quiz now", ch);
    expect(res.text, res.fallback).toMatch(/^Quiz question posted/);
    const q = w.poster.posts.at(-1)?.reply;
    if (!q) throw new Error("nothing posted");
    const r = await roundOf(w, q);
    await answer?.(r);
    expect((await w.dispatcher.text("/docker quiz close", ch)).text).toMatch(/^Closed/);
    return `${r.round.entryId}#${r.round.questionIndex}`;
  }

  it("no repeat in a channel until the bank is used up; channels keep their own count", async () => {
    const w = await world({ kb: small });
    const c1 = user("ann");
    const c2 = user("ann", { channelId: "C2" });
    const first: string[] = [];
    for (let i = 0; i < 4; i++) first.push(await round(w, c1));
    expect([...first].sort()).toEqual(KEYS);
    // Channel C2 starts from a fresh bank.
    const other: string[] = [];
    for (let i = 0; i < 4; i++) other.push(await round(w, c2));
    expect([...other].sort()).toEqual(KEYS);
    // C1's second cycle: each question once more.
    const second: string[] = [];
    for (let i = 0; i < 4; i++) second.push(await round(w, c1));
    expect([...second].sort()).toEqual(KEYS);
    const uses = await w.store.quiz.questionUses(channelOf(c1));
    expect([...uses.values()]).toEqual([2, 2, 2, 2]);
  });

  it("a round whose post failed does not use up its question", async () => {
    const w = await world({ kb: small });
    const ch = user("ann");
    w.poster.failNext(1);
    const failed = await w.dispatcher.text("/docker quiz now", ch);
    expect(failed.text).toMatch(/went wrong/);
    expect(await w.store.quiz.openRoundIn(channelOf(ch))).toBeUndefined();
    const picks: string[] = [];
    for (let i = 0; i < 4; i++) picks.push(await round(w, ch));
    expect([...picks].sort()).toEqual(KEYS);
    const statuses = (await rounds(w.store)).map((r) => r.status);
    expect(statuses).toEqual(["failed", "closed", "closed", "closed", "closed"]);
  });

  it("after a round the channel got wrong, the other question on that entry comes next", async () => {
    // Six channels: with misses ignored, the tie-break hash would pick another entry in most of them.
    for (const channelId of ["C1", "C2", "C3", "C4", "C5", "C6"]) {
      const w = await world({ kb: small });
      const ch = user("ann", { channelId });
      const wrongly = async (r: Awaited<ReturnType<typeof roundOf>>) => {
        for (const who of ["ann", "ben", "cy"]) {
          const res = await w.dispatcher.action(r.wrongAction, user(who, { channelId }));
          expect(res.text).toMatch(/^Locked in/);
        }
      };
      const rightly = async (r: Awaited<ReturnType<typeof roundOf>>) => {
        await w.dispatcher.action(r.rightAction, user("ann", { channelId }));
      };
      const first = await round(w, ch, wrongly);
      const missed = first.split("#")[0];
      const second = await round(w, ch, rightly);
      expect(second.split("#")[0], channelId).toBe(missed);
      expect(second).not.toBe(first);
      const rest = [await round(w, ch), await round(w, ch)];
      expect(rest.map((k) => k.split("#")[0])).toEqual([
        missed === "alpha" ? "beta" : "alpha",
        missed === "alpha" ? "beta" : "alpha",
      ]);
      expect(await w.store.quiz.missCounts(channelOf(ch))).toEqual(new Map([[missed, 3]]));
    }
  });

  // Posts and closes every question of the bank in turn: a few hundred rounds on a SQLite file.
  it("questions from a team's pack are in the bank, and a channel gets them before any repeat", {
    timeout: 30_000,
  }, async () => {
    const extra = fileURLToPath(new URL("../../fixtures/packs/extra", import.meta.url));
    const { kb, problems } = loadKnowledge([...builtInPacks, extra]);
    expect(problems).toEqual([]);
    const keys = bank(kb).map((q) => q.key);
    expect(keys).toContain("team-registry-mirror#0");
    expect(keys).toContain("team-registry-mirror#1");
    expect(new Set(keys).size).toBe(keys.length);

    const w = await world({ kb });
    const ch = user("ann", { channelId: "C-team" });
    const posted: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const r = await w.quiz.post(channelOf(ch), {
        postedBy: ch.userId,
        scheduleKey: null,
        closesAt: new Date(w.clock.now().getTime() + 3_600_000),
      });
      if (!r.ok) throw new Error("channel busy");
      posted.push(`${r.round.entryId}#${r.round.questionIndex}`);
      expect(await w.quiz.close(r.round.id)).toBe(true);
    }
    // Every question of the bank once, the team's included, before any repeat.
    expect([...posted].sort()).toEqual([...keys].sort());
    const teamRound = w.poster.posts.find((p) => p.reply.header === "Docker quiz: The team's Zanzibar registry mirror");
    expect(teamRound?.reply.text).toMatch(/^(What is Zanzibar\?|Which daemon setting points Docker at a mirror\?)$/);
  });
});
