import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import type { Poster, QuizChannel } from "../../../src/core/quiz/model.ts";
import { QuizService } from "../../../src/core/quiz/service.ts";
import type { Reply } from "../../../src/core/reply.ts";
import { openStore, type Store } from "../../../src/store/index.ts";
import { knowledge } from "../fixture.ts";

const C1: QuizChannel = { platform: "slack", workspaceId: "T1", channelId: "C1" };
const LEASE = 60_000;
let store: Store | undefined;
let dir: string | undefined;
afterEach(async () => {
  await store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A poster that records; `hang` makes its edits never return, as a process that died mid-call. */
function poster(o: { hang?: boolean } = {}) {
  const updates: { ref: string | null; reply: Reply }[] = [];
  let n = 0;
  const p: Poster = {
    post: async () => `C1:${++n}`,
    update: (_ch, ref, reply) => {
      if (o.hang) return new Promise<void>(() => {});
      updates.push({ ref, reply });
      return Promise.resolve();
    },
  };
  return { poster: p, updates };
}

it("a reveal whose process died after closing the round is taken over after its lease and done once", async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-reveal-"));
  store = await openStore({ sqlitePath: path.join(dir, "q.db") });
  const clock = new FakeClock();
  const { kb } = knowledge();
  const missed: Record<string, string[]> = { a: [], b: [] };
  const service = (owner: "a" | "b", p: Poster) =>
    new QuizService({
      kb,
      repo: (store as Store).quiz,
      clock,
      log: silentLogger(),
      poster: p,
      showNames: true,
      owner,
      leaseMs: LEASE,
      stuckScanMs: 0,
      onMissed: async (who) => {
        missed[owner]?.push(who.userId);
      },
    });
  const dying = poster({ hang: true });
  const survivor = poster();
  const a = service("a", dying.poster);
  const b = service("b", survivor.poster);

  const posted = await a.post(C1, {
    postedBy: "U0",
    scheduleKey: null,
    closesAt: new Date(clock.now().getTime() + 3_600_000),
  });
  if (!posted.ok) throw new Error("expected a round");
  const id = posted.round.id;
  const round = await store.quiz.getRound(id);
  const entry = kb.byId.get(round?.entryId ?? "");
  const answer = entry?.quiz[round?.questionIndex ?? 0]?.answer ?? 0;
  await store.quiz.answer(id, { userId: "U-right", userName: "r", choice: answer, correct: true, at: clock.now() });
  await store.quiz.answer(id, {
    userId: "U-wrong",
    userName: "w",
    choice: (answer + 1) % 2,
    correct: false,
    at: clock.now(),
  });

  clock.advance(3_600_000);
  void a.close(id); // scores the round, then its edit never returns: the process is as good as dead
  for (let i = 0; i < 100 && (await store.quiz.getRound(id))?.status !== "closed"; i++)
    await new Promise((r) => setTimeout(r, 5));
  expect((await store.quiz.getRound(id))?.status).toBe("closed");

  expect(await b.recoverStuck()).toBe(0); // a's lease still holds
  expect(survivor.updates).toEqual([]);
  clock.advance(LEASE + 1);
  expect(await b.recoverStuck()).toBe(1);
  expect(survivor.updates).toHaveLength(1);
  expect(survivor.updates[0]?.ref).toBe(posted.round.messageRef);
  expect(survivor.updates[0]?.reply.fallback).toMatch(/answer/i);
  expect(missed).toEqual({ a: [], b: ["U-wrong"] });
  expect((await store.quiz.me(C1, "U-right"))?.points).toBe(1); // scored once, by a's close

  clock.advance(10 * LEASE);
  expect(await b.recoverStuck()).toBe(0); // done: never revealed again
  expect(await a.close(id)).toBe(false);
  expect(survivor.updates).toHaveLength(1);
});
