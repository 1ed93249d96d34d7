import { afterAll, describe, expect, it } from "vitest";
import type { QuizChannel, QuizRound } from "../../src/core/quiz/model.ts";
import type { QuizRepo as QuizStore } from "../../src/core/quiz/repo.ts";
import { type OpenStoreOptions, openStore, type Store } from "../../src/store/index.ts";
import { postgresTarget, sqliteTarget, type Target } from "./targets.ts";

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const HOUR = 60;
const DAY = 24 * HOUR;

const C1: QuizChannel = { platform: "slack", workspaceId: "T1", channelId: "C1" };
const C2: QuizChannel = { platform: "slack", workspaceId: "T1", channelId: "C2" };

/** Opens a round at `minutes`, closing 4 hours later, and marks it posted. */
async function postRound(
  quiz: QuizStore,
  ch: QuizChannel,
  minutes: number,
  entryId = "volumes",
  questionIndex = 0,
): Promise<QuizRound> {
  const result = await quiz.openRound(ch, {
    entryId,
    questionIndex,
    postedBy: null,
    scheduleKey: `${ch.channelId}@${minutes}`,
    postedAt: at(minutes),
    closesAt: at(minutes + 4 * HOUR),
  });
  if (!result.ok) throw new Error(`channel busy with round ${result.open.id}`);
  expect(await quiz.markPosted(result.round.id, `msg-${result.round.id}`)).toBe(true);
  return { ...result.round, status: "open", messageRef: `msg-${result.round.id}` };
}

function quizSuite(name: string, target: Target): void {
  describe(`quiz store: ${name}`, () => {
    const open: Store[] = [];
    const openTracked = async (options: OpenStoreOptions) => {
      const store = await openStore(options);
      open.push(store);
      return store;
    };
    const freshQuiz = async () => (await openTracked(await target.fresh())).quiz;

    afterAll(async () => {
      for (const store of open) await store.close();
      await target.cleanup();
    });

    it("upserts, lists and removes schedules", async () => {
      const quiz = await freshQuiz();
      expect(await quiz.getSchedule(C1)).toBeUndefined();
      const base = { timezone: "Europe/Berlin", days: "weekdays", closeAfterMs: 4 * 3_600_000, createdBy: "U1" };
      await quiz.setSchedule(C1, { ...base, time: "09:00", at: at(0) });
      await quiz.setSchedule(C2, { ...base, time: "10:30", days: "1,3,5", at: at(1) });
      await quiz.setSchedule(C1, {
        ...base,
        time: "08:15",
        timezone: "America/New_York",
        days: "daily",
        closeAfterMs: 3_600_000,
        createdBy: "U2",
        at: at(2),
      });
      const c1 = { ...C1, time: "08:15", timezone: "America/New_York", days: "daily", closeAfterMs: 3_600_000 };
      expect(await quiz.getSchedule(C1)).toEqual({ ...c1, createdBy: "U2", createdAt: at(2) });
      expect(await quiz.listSchedules()).toEqual([
        { ...c1, createdBy: "U2", createdAt: at(2) },
        { ...C2, ...base, time: "10:30", days: "1,3,5", createdAt: at(1) },
      ]);
      expect(await quiz.removeSchedule(C1)).toBe(true);
      expect(await quiz.removeSchedule(C1)).toBe(false);
      expect(await quiz.getSchedule(C1)).toBeUndefined();
      expect((await quiz.listSchedules()).map((s) => s.channelId)).toEqual(["C2"]);
    });

    it("keeps one round in flight per channel and moves it through its states", async () => {
      const quiz = await freshQuiz();
      const spec = {
        entryId: "volumes",
        questionIndex: 1,
        postedBy: "U1",
        scheduleKey: null,
        postedAt: at(0),
        closesAt: at(60),
      };
      const first = await quiz.openRound(C1, spec);
      if (!first.ok) throw new Error("expected a new round");
      expect(first.round).toMatchObject({ ...C1, ...spec, status: "posting", closedAt: null, messageRef: null });

      const second = await quiz.openRound(C1, { ...spec, entryId: "networks", postedBy: "U2" });
      expect(second).toEqual({ ok: false, open: first.round });
      // another channel is independent
      expect((await quiz.openRound(C2, spec)).ok).toBe(true);

      expect(await quiz.markPosted(first.round.id, "ts-1")).toBe(true);
      expect(await quiz.markPosted(first.round.id, "ts-2")).toBe(false);
      expect(await quiz.markFailed(first.round.id)).toBe(false);
      const opened = await quiz.getRound(first.round.id);
      expect(opened).toMatchObject({ status: "open", messageRef: "ts-1" });
      expect(await quiz.openRoundIn(C1)).toEqual(opened);
      expect(await quiz.openRound(C1, spec)).toEqual({ ok: false, open: opened });

      expect(await quiz.dueToClose(at(59))).toEqual([]);
      expect((await quiz.dueToClose(at(60))).map((r) => r.id)).toEqual([first.round.id]);

      const closed = await quiz.closeRound(first.round.id, at(60));
      expect(closed?.round).toMatchObject({ id: first.round.id, status: "closed", closedAt: at(60) });
      expect(await quiz.openRoundIn(C1)).toBeUndefined();
      expect(await quiz.dueToClose(at(120))).toEqual([]);

      const next = await quiz.openRound(C1, { ...spec, postedAt: at(61), closesAt: at(120) });
      expect(next.ok && next.round.id).toBeGreaterThan(first.round.id);
      expect(await quiz.getRound(99_999)).toBeUndefined();
    });

    it("lets exactly one of two stores on one database open a round", async () => {
      const options = await target.fresh();
      const [a, b] = [await openTracked(options), await openTracked(options)];
      const spec = (i: number) => ({
        entryId: `e${i}`,
        questionIndex: 0,
        postedBy: `U${i}`,
        scheduleKey: "C1@2025-01-06T09:00",
        postedAt: at(0),
        closesAt: at(60),
      });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).quiz.openRound(C1, spec(i))),
      );
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const winner = winners[0]?.ok ? winners[0].round : undefined;
      for (const r of results) if (!r.ok) expect(r.open).toEqual(winner);
      const count = await a.db
        .selectFrom("quiz_rounds")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirst();
      expect(Number(count?.n)).toBe(1);
    });

    it("never counts a failed round and frees the channel", async () => {
      const quiz = await freshQuiz();
      const spec = { entryId: "volumes", questionIndex: 0, postedBy: null, scheduleKey: "k1" };
      const first = await quiz.openRound(C1, { ...spec, postedAt: at(0), closesAt: at(60) });
      if (!first.ok) throw new Error("expected a new round");
      expect(await quiz.answer(first.round.id, answer("U1", 0, true, 1))).toBe("posting");
      expect(await quiz.markFailed(first.round.id)).toBe(true);
      expect(await quiz.markPosted(first.round.id, "late")).toBe(false);
      expect(await quiz.getRound(first.round.id)).toMatchObject({ status: "failed" });
      expect(await quiz.openRoundIn(C1)).toBeUndefined();
      expect(await quiz.answer(first.round.id, answer("U1", 0, true, 2))).toBe("withdrawn");
      expect(await quiz.closeRound(first.round.id, at(60))).toBeUndefined();
      expect(await quiz.dueToClose(at(1_000))).toEqual([]);
      expect(await quiz.usedQuestions(C1)).toEqual(new Set());

      // the retry takes the channel
      const retry = await quiz.openRound(C1, { ...spec, postedAt: at(5), closesAt: at(60) });
      expect(retry.ok).toBe(true);
      expect(await quiz.leaderboard(C1, null, 10)).toEqual([]);
      expect(await quiz.me(C1, "U1")).toBeUndefined();
    });

    it("records 50 concurrent answers from 50 users once each", async () => {
      const quiz = await freshQuiz();
      const round = await postRound(quiz, C1, 0);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => quiz.answer(round.id, answer(`U${pad(i)}`, i % 4, i % 4 === 2, 1))),
      );
      expect(results).toEqual(Array.from({ length: 50 }, () => "recorded"));
      expect(await quiz.answerCounts(round.id, 4)).toEqual({ counts: [13, 13, 12, 12], total: 50 });
      expect(await quiz.answerCounts(round.id, 6)).toEqual({ counts: [13, 13, 12, 12, 0, 0], total: 50 });
      const answers = await quiz.answersOf(round.id);
      expect(answers).toHaveLength(50);
      expect(answers[0]).toEqual({
        roundId: round.id,
        userId: "U00",
        userName: "User U00",
        choice: 0,
        correct: false,
        at: at(1),
      });
      expect(await quiz.answerCounts(round.id + 1, 3)).toEqual({ counts: [0, 0, 0], total: 0 });
    });

    it("keeps a user's first answer when they click twice at once", async () => {
      const quiz = await freshQuiz();
      const round = await postRound(quiz, C1, 0);
      const results = await Promise.all([
        quiz.answer(round.id, answer("U1", 1, true, 1)),
        quiz.answer(round.id, answer("U1", 2, false, 1)),
        quiz.answer(round.id, answer("U1", 3, false, 1)),
      ]);
      expect(results.filter((r) => r === "recorded")).toHaveLength(1);
      expect(results.filter((r) => r === "already")).toHaveLength(2);
      expect((await quiz.answerCounts(round.id)).total).toBe(1);
      expect(await quiz.answer(round.id, answer("U1", 0, false, 2))).toBe("already");
    });

    it("a round being posted is leased: renewed by its holder, taken over once the lease runs out", async () => {
      const quiz = await freshQuiz();
      const spec = { entryId: "volumes", questionIndex: 0, postedBy: null, scheduleKey: "C1@09:00" };
      const opened = await quiz.openRound(C1, {
        ...spec,
        postedAt: at(0),
        closesAt: at(60),
        owner: "a",
        leaseUntil: at(10),
      });
      if (!opened.ok) throw new Error("expected a new round");
      const id = opened.round.id;
      expect(await quiz.posting.take(id, "b", at(5), 10)).toBeUndefined(); // a still holds it
      expect(await quiz.posting.stale(at(5))).toEqual([]);
      expect(await quiz.posting.renew(id, "a", at(20))).toBe(true);
      expect(await quiz.posting.renew(id, "b", at(30))).toBe(false);
      expect((await quiz.posting.stale(at(20))).map((r) => r.id)).toEqual([id]);
      const taken = await Promise.all([quiz.posting.take(id, "b", at(20), 10), quiz.posting.take(id, "c", at(20), 10)]);
      expect(taken.filter(Boolean)).toHaveLength(1); // one taker wins
      const winner = taken[0] ? "b" : "c";
      expect(await quiz.posting.fail(id, "a")).toBe(false); // the old holder cannot fail it any more
      expect(await quiz.posting.renew(id, "a", at(40))).toBe(false);
      expect(await quiz.posting.posted(id, { messageRef: "C1:1.2", postedAt: at(25), closesAt: at(85) })).toBe(true);
      expect(await quiz.getRound(id)).toMatchObject({
        status: "open",
        messageRef: "C1:1.2",
        postedAt: at(25),
        closesAt: at(85),
      });
      expect(await quiz.posting.take(id, winner, at(100), 10)).toBeUndefined(); // open: nothing to take
      expect((await quiz.posting.forSchedule("C1@09:00")).map((r) => r.id)).toEqual([id]);
    });

    it("a closed round's reveal is leased to its closer: taken over once the lease runs out undone, never after it is done", async () => {
      const quiz = await freshQuiz();
      const round = await postRound(quiz, C1, 0);
      await quiz.answer(round.id, { userId: "U1", userName: "ann", choice: 1, correct: false, at: at(5) });
      const closed = await quiz.closeRound(round.id, at(60), { owner: "a", until: at(70) });
      expect(closed?.round.status).toBe("closed");
      expect(await quiz.reveals.stale(at(65))).toEqual([]); // a is revealing it
      expect(await quiz.reveals.take(round.id, "b", at(65), 10)).toBeUndefined();
      expect(await quiz.reveals.renew(round.id, "a", at(80))).toBe(true);
      expect((await quiz.reveals.stale(at(80))).map((r) => r.id)).toEqual([round.id]); // a stopped renewing
      const taken = await Promise.all([
        quiz.reveals.take(round.id, "b", at(80), 10),
        quiz.reveals.take(round.id, "c", at(80), 10),
      ]);
      expect(taken.filter(Boolean)).toHaveLength(1); // one taker wins
      const won = taken.find(Boolean);
      expect(won?.answers.map((a) => a.userId)).toEqual(["U1"]);
      expect(await quiz.reveals.renew(round.id, "a", at(90))).toBe(false); // the old holder lost it
      const winner = taken[0] ? "b" : "c";
      expect(await quiz.reveals.take(round.id, winner, at(80), 3_600_000)).toBeDefined(); // its holder again, for long
      await quiz.reveals.release(round.id, "a"); // not a's any more: changes nothing
      expect(await quiz.reveals.stale(at(81))).toEqual([]);
      await quiz.reveals.release(round.id, winner); // the holder lets go: the next one to look takes it
      expect((await quiz.reveals.stale(at(81))).map((r) => r.id)).toEqual([round.id]);
      expect(await quiz.reveals.take(round.id, winner, at(81), 10)).toBeDefined();
      await quiz.reveals.done(round.id, at(82));
      // Past the stage, the lease is nobody's to renew or release.
      expect(await quiz.reveals.renew(round.id, winner, at(83))).toBe(false);
      expect(await quiz.reveals.stale(at(1000))).toEqual([]);
      expect(await quiz.reveals.take(round.id, "d", at(1000), 10)).toBeUndefined();
      expect((await quiz.me(C1, "U1"))?.answered).toBe(1); // scored once, by the close
    });

    it("a failed round whose message turned up is revived, unless the channel moved on", async () => {
      const quiz = await freshQuiz();
      const spec = { entryId: "volumes", questionIndex: 0, postedBy: null, scheduleKey: null };
      const first = await quiz.openRound(C1, { ...spec, postedAt: at(0), closesAt: at(60), owner: "a" });
      if (!first.ok) throw new Error("expected a new round");
      expect(await quiz.posting.fail(first.round.id, "a")).toBe(true);
      const revived = { messageRef: "C1:1.1", postedAt: at(2), closesAt: at(62) };
      expect(await quiz.posting.revive(first.round.id, revived)).toBe(true);
      expect(await quiz.getRound(first.round.id)).toMatchObject({ status: "open", messageRef: "C1:1.1" });
      expect(await quiz.closeRound(first.round.id, at(62))).toBeDefined();
      const second = await quiz.openRound(C1, { ...spec, postedAt: at(70), closesAt: at(90), owner: "a" });
      if (!second.ok) throw new Error("expected a new round");
      expect(await quiz.posting.fail(second.round.id, "a")).toBe(true);
      await quiz.openRound(C1, { ...spec, postedAt: at(80), closesAt: at(90) });
      expect(await quiz.posting.revive(second.round.id, { ...revived, messageRef: "C1:1.3" })).toBe(false);
      expect(await quiz.getRound(second.round.id)).toMatchObject({ status: "failed" });
    });

    it("refuses answers after closes_at and after the close", async () => {
      const quiz = await freshQuiz();
      const round = await postRound(quiz, C1, 0);
      expect(await quiz.answer(round.id, answer("U1", 0, true, 4 * HOUR))).toBe("closing"); // not revealed yet
      expect(await quiz.answer(round.id, answer("U2", 0, true, 4 * HOUR - 1))).toBe("recorded");
      expect(await quiz.closeRound(round.id, at(30))).toBeDefined(); // closed early by its poster
      expect(await quiz.answer(round.id, answer("U3", 0, true, 31))).toBe("closed");
      expect(await quiz.answer(round.id, answer("U2", 1, false, 31))).toBe("already");
      expect(await quiz.answer(round.id + 100, answer("U3", 0, true, 31))).toBe("closed");
      expect((await quiz.answersOf(round.id)).map((a) => a.userId)).toEqual(["U2"]);
    });

    it("closes a round once when two stores race to close it", async () => {
      const options = await target.fresh();
      const [a, b] = [await openTracked(options), await openTracked(options)];
      const round = await postRound(a.quiz, C1, 0);
      await a.quiz.answer(round.id, answer("U1", 0, true, 1));
      await b.quiz.answer(round.id, answer("U2", 1, false, 2));
      const results = await Promise.all([
        a.quiz.closeRound(round.id, at(4 * HOUR)),
        b.quiz.closeRound(round.id, at(4 * HOUR)),
        a.quiz.closeRound(round.id, at(4 * HOUR)),
        b.quiz.closeRound(round.id, at(4 * HOUR)),
      ]);
      const done = results.filter((r) => r !== undefined);
      expect(done).toHaveLength(1);
      expect(done[0]?.round).toMatchObject({ id: round.id, status: "closed", closedAt: at(4 * HOUR) });
      expect(done[0]?.answers.map((x) => [x.userId, x.correct])).toEqual([
        ["U1", true],
        ["U2", false],
      ]);
      expect(await a.quiz.me(C1, "U1")).toMatchObject({ points: 1, answered: 1, correct: 1, streak: 1 });
      expect(await b.quiz.me(C1, "U2")).toMatchObject({ points: 0, answered: 1, correct: 0, streak: 0 });
    });

    it("scores answers that race the close: each either counted or refused", async () => {
      const quiz = await freshQuiz();
      const round = await postRound(quiz, C1, 0);
      const clicks = Array.from({ length: 30 }, (_, i) => quiz.answer(round.id, answer(`U${pad(i)}`, 0, true, 10)));
      const closing = quiz.closeRound(round.id, at(20));
      const results = await Promise.all(clicks);
      const closed = await closing;
      const recorded = results.filter((r) => r === "recorded").length;
      expect(recorded + results.filter((r) => r === "closed").length).toBe(30);
      expect(closed?.answers).toHaveLength(recorded);
      expect(await quiz.leaderboard(C1, null, 100)).toHaveLength(recorded);
    });

    it("keeps points and streaks over a sequence of rounds", async () => {
      const quiz = await freshQuiz();
      // U1: right, right, wrong, skip, right. U2: right every time. U3: skips after one right.
      const plan: Record<string, (boolean | null)[]> = {
        U1: [true, true, false, null, true],
        U2: [true, true, true, true, true],
        U3: [true, null, null, null, null],
      };
      const expectAfter: Record<string, { points: number; answered: number; streak: number; best: number }[]> = {
        U1: [
          { points: 1, answered: 1, streak: 1, best: 1 },
          { points: 2, answered: 2, streak: 2, best: 2 },
          { points: 2, answered: 3, streak: 0, best: 2 },
          { points: 2, answered: 3, streak: 0, best: 2 },
          { points: 3, answered: 4, streak: 1, best: 2 },
        ],
      };
      for (let day = 0; day < 5; day += 1) {
        const round = await postRound(quiz, C1, day * DAY, `entry${day}`);
        for (const [user, answers] of Object.entries(plan)) {
          const right = answers[day];
          if (right === null || right === undefined) continue;
          expect(await quiz.answer(round.id, answer(user, right ? 1 : 0, right, day * DAY + 5))).toBe("recorded");
        }
        expect(await quiz.closeRound(round.id, at(day * DAY + 4 * HOUR))).toBeDefined();
        const u1 = await quiz.me(C1, "U1");
        const want = expectAfter.U1?.[day];
        expect(u1 && { points: u1.points, answered: u1.answered, streak: u1.streak, best: u1.bestStreak }).toEqual(
          want,
        );
      }
      expect(await quiz.me(C1, "U1")).toEqual({
        points: 3,
        answered: 4,
        correct: 3,
        accuracy: 0.75,
        streak: 1,
        bestStreak: 2,
        rank: 2,
      });
      expect(await quiz.me(C1, "U2")).toEqual({
        points: 5,
        answered: 5,
        correct: 5,
        accuracy: 1,
        streak: 5,
        bestStreak: 5,
        rank: 1,
      });
      expect(await quiz.me(C1, "U3")).toEqual({
        points: 1,
        answered: 1,
        correct: 1,
        accuracy: 1,
        streak: 0,
        bestStreak: 1,
        rank: 3,
      });
      expect(await quiz.me(C1, "U4")).toBeUndefined();
      expect(await quiz.me(C2, "U1")).toBeUndefined();
    });

    it("ranks the leaderboard for all time and for a window, ties sharing a rank", async () => {
      const quiz = await freshQuiz();
      // Last week: U1 and U2 right twice. This week: U3 right twice, U2 and U4 once, U1 wrong.
      const rounds: [number, Record<string, boolean>][] = [
        [0, { U1: true, U2: true }],
        [DAY, { U1: true, U2: true, U3: false }],
        [7 * DAY, { U3: true, U2: true, U1: false }],
        [8 * DAY, { U3: true, U4: true }],
      ];
      for (const [minutes, answers] of rounds) {
        const round = await postRound(quiz, C1, minutes);
        for (const [user, right] of Object.entries(answers)) {
          await quiz.answer(round.id, { ...answer(user, right ? 1 : 0, right, minutes + 1), userName: `Name ${user}` });
        }
        await quiz.closeRound(round.id, at(minutes + 4 * HOUR));
      }
      // an open round's answers do not count yet
      const pending = await postRound(quiz, C1, 9 * DAY);
      await quiz.answer(pending.id, answer("U4", 0, true, 9 * DAY + 1));
      // another channel is separate
      const other = await postRound(quiz, C2, 8 * DAY);
      await quiz.answer(other.id, answer("U9", 0, true, 8 * DAY + 1));
      await quiz.closeRound(other.id, at(8 * DAY + 60));

      const row = (userId: string, points: number, rank: number) => ({
        userId,
        userName: `Name ${userId}`,
        points,
        rank,
      });
      expect(await quiz.leaderboard(C1, null, 10)).toEqual([
        row("U2", 3, 1),
        row("U1", 2, 2),
        row("U3", 2, 2),
        row("U4", 1, 4),
      ]);
      expect(await quiz.leaderboard(C1, null, 2)).toEqual([row("U2", 3, 1), row("U1", 2, 2)]);
      expect(await quiz.leaderboard(C1, at(7 * DAY), 10)).toEqual([row("U3", 2, 1), row("U2", 1, 2), row("U4", 1, 2)]);
      expect(await quiz.leaderboard(C1, at(8 * DAY), 10)).toEqual([row("U3", 1, 1), row("U4", 1, 1)]);
      expect(await quiz.leaderboard(C1, at(10 * DAY), 10)).toEqual([]);
      expect(await quiz.leaderboard(C1, null, 0)).toEqual([]);
      expect(await quiz.leaderboard(C2, at(0), 10)).toEqual([
        { userId: "U9", userName: "User U9", points: 1, rank: 1 },
      ]);
      expect((await quiz.me(C1, "U4"))?.rank).toBe(4);
      expect((await quiz.me(C1, "U1"))?.rank).toBe(2);
    });

    it("reports used questions and misses per channel", async () => {
      const quiz = await freshQuiz();
      const r1 = await postRound(quiz, C1, 0, "volumes", 0);
      await quiz.answer(r1.id, answer("U1", 1, false, 1));
      await quiz.answer(r1.id, answer("U2", 1, false, 1));
      await quiz.answer(r1.id, answer("U3", 0, true, 1));
      await quiz.closeRound(r1.id, at(60));
      const r2 = await postRound(quiz, C1, DAY, "networks", 2);
      await quiz.answer(r2.id, answer("U1", 0, false, DAY + 1));
      await quiz.closeRound(r2.id, at(DAY + 60));
      const r3 = await postRound(quiz, C1, 2 * DAY, "volumes", 1);
      await quiz.answer(r3.id, answer("U1", 0, true, 2 * DAY + 1));
      // a failed round does not use up its question
      const failed = await quiz.openRound(C1, {
        entryId: "compose",
        questionIndex: 0,
        postedBy: null,
        scheduleKey: null,
        postedAt: at(3 * DAY),
        closesAt: at(3 * DAY + 60),
      });
      expect(failed.ok).toBe(false); // r3 is still open
      await quiz.closeRound(r3.id, at(2 * DAY + 60));
      const again = await quiz.openRound(C1, {
        entryId: "compose",
        questionIndex: 0,
        postedBy: null,
        scheduleKey: null,
        postedAt: at(3 * DAY),
        closesAt: at(3 * DAY + 60),
      });
      if (!again.ok) throw new Error("expected a new round");
      await quiz.markFailed(again.round.id);
      // other channel
      const o = await postRound(quiz, C2, 0, "images", 0);
      await quiz.answer(o.id, answer("U1", 1, false, 1));

      expect(await quiz.usedQuestions(C1)).toEqual(new Set(["volumes#0", "networks#2", "volumes#1"]));
      expect(await quiz.usedQuestions(C2)).toEqual(new Set(["images#0"]));
      expect(await quiz.questionUses(C2)).toEqual(new Map([["images#0", 1]]));
      const uses = await quiz.questionUses(C1);
      expect([...uses.keys()].sort()).toEqual(["networks#2", "volumes#0", "volumes#1"]);
      expect(uses.get("compose#0")).toBeUndefined(); // the failed round does not use its question
      expect(await quiz.missCounts(C1)).toEqual(
        new Map([
          ["volumes", 2],
          ["networks", 1],
        ]),
      );
      expect(await quiz.missCounts(C2)).toEqual(new Map([["images", 1]]));
      expect(await quiz.missCounts({ ...C1, platform: "discord" })).toEqual(new Map());
    });
  });
}

function answer(userId: string, choice: number, correct: boolean, minutes: number) {
  return { userId, userName: `User ${userId}`, choice, correct, at: at(minutes) };
}

function pad(i: number): string {
  return String(i).padStart(2, "0");
}

quizSuite("SQLite", sqliteTarget());

const pgUrl = process.env.TEST_DATABASE_URL;
if (pgUrl) {
  quizSuite("PostgreSQL", postgresTarget(pgUrl));
} else {
  console.warn(
    "PostgreSQL quiz store tests skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)",
  );
  describe.skip("quiz store: PostgreSQL (set TEST_DATABASE_URL)", () => {
    it("runs the quiz store tests against PostgreSQL", () => {});
  });
}
