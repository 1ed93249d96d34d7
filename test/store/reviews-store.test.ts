import { createEmptyCard, fsrs, Rating } from "ts-fsrs";
import { afterAll, describe, expect, it } from "vitest";
import type { Person, ReviewEvent } from "../../src/core/review/model.ts";
import { REVIEW_PARAMS } from "../../src/core/review/service.ts";
import { type OpenStoreOptions, openStore, type Store } from "../../src/store/index.ts";
import type { ReviewStore } from "../../src/store/reviews.ts";
import { postgresTarget, sqliteTarget, type Target } from "./targets.ts";

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const at = (days: number) => new Date(T0 + days * 86_400_000);
const P1: Person = { platform: "slack", workspaceId: "T1", userId: "U1" };
const P2: Person = { platform: "slack", workspaceId: "T1", userId: "U2" };
const OTHER: Person = { platform: "discord", workspaceId: "G1", userId: "U1" };
const VOL = { entryId: "volumes", question: 0 };
const VOL1 = { entryId: "volumes", question: 1 };
const NET = { entryId: "docker-networks", question: 0 };
const f = fsrs(REVIEW_PARAMS);

function reviewSuite(name: string, target: Target): void {
  describe(`review store: ${name}`, () => {
    const open: Store[] = [];
    const fresh = async (options?: OpenStoreOptions): Promise<ReviewStore> => {
      const store = await openStore(options ?? (await target.fresh()));
      open.push(store);
      return store.reviews;
    };
    afterAll(async () => {
      for (const store of open) await store.close();
      await target.cleanup();
    });

    /** Reviews a stored card with ts-fsrs and records it, as the service does. */
    async function review(r: ReviewStore, p: Person, ref: typeof VOL, grade: "again" | "good", day: number) {
      const card = await r.card(p, ref);
      if (!card) throw new Error("no card");
      const after = f.next(card.fsrs, at(day), grade === "good" ? Rating.Good : Rating.Again).card;
      const event: ReviewEvent = { ...ref, grade, at: at(day), before: card.fsrs };
      return { ok: await r.recordReview(p, event, after, card.fsrs.reps), after, event };
    }

    it("adds cards once per person and question, keeps their FSRS state exactly, and lists soonest due first", async () => {
      const r = await fresh();
      expect(await r.cards(P1)).toEqual([]);
      const n = await r.addCards(
        P1,
        [VOL, NET].map((ref, i) => ({ ref, fsrs: createEmptyCard(at(i)) })),
        "quiz",
        at(0),
      );
      expect(n).toBe(2);
      // Adding again (another missed quiz round) keeps the existing card and its source.
      expect(await r.addCards(P1, [{ ref: NET, fsrs: createEmptyCard(at(5)) }], "topic", at(5))).toBe(0);
      expect(await r.addCards(P1, [{ ref: VOL1, fsrs: createEmptyCard(at(3)) }], "remember", at(3))).toBe(1);
      const cards = await r.cards(P1);
      expect(cards.map((c) => [c.entryId, c.question, c.source])).toEqual([
        ["volumes", 0, "quiz"],
        ["docker-networks", 0, "quiz"],
        ["volumes", 1, "remember"],
      ]);
      expect(cards[0]?.fsrs).toEqual(createEmptyCard(at(0)));
      expect(await r.cards(P2)).toEqual([]);
      expect(await r.cards(OTHER)).toEqual([]);
    });

    it("records a review only once for the repetition it was shown at, with its history", async () => {
      const r = await fresh();
      await r.addCards(P1, [{ ref: VOL, fsrs: createEmptyCard(at(0)) }], "quiz", at(0));
      const first = await review(r, P1, VOL, "good", 0);
      expect(first.ok).toBe(true);
      const stored = await r.card(P1, VOL);
      expect(stored?.fsrs).toEqual(first.after);
      // The same button again: the card moved on, nothing changes.
      expect(await r.recordReview(P1, first.event, first.after, 0)).toBe(false);
      expect((await r.card(P1, VOL))?.fsrs).toEqual(first.after);
      expect(await r.reviewsSince(P1, at(-1))).toEqual([first.event]);
      expect(await r.lastReview(P1, VOL)).toEqual(first.event);
      // A card that is not in the deck cannot be reviewed.
      expect(await r.recordReview(P2, first.event, first.after, 0)).toBe(false);
      expect(await r.reviewsSince(P2, at(-1))).toEqual([]);
    });

    it("two concurrent clicks on one showing: exactly one review counts", async () => {
      const options = await target.fresh();
      const r1 = await fresh(options);
      const r2 = await fresh(options);
      await r1.addCards(P1, [{ ref: VOL, fsrs: createEmptyCard(at(0)) }], "quiz", at(0));
      const card = await r1.card(P1, VOL);
      if (!card) throw new Error("no card");
      const after = f.next(card.fsrs, at(0), Rating.Good).card;
      const event: ReviewEvent = { ...VOL, grade: "good", at: at(0), before: card.fsrs };
      const results = await Promise.all([r1, r2, r1, r2].map((r) => r.recordReview(P1, event, after, 0)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await r1.reviewsSince(P1, at(-1))).toHaveLength(1);
    });

    it("re-grades the latest review as easy once, only while the card is unchanged", async () => {
      const r = await fresh();
      await r.addCards(P1, [{ ref: VOL, fsrs: createEmptyCard(at(0)) }], "quiz", at(0));
      const good = await review(r, P1, VOL, "good", 0);
      const easy = f.next(good.event.before, good.event.at, Rating.Easy).card;
      expect(easy.due.getTime()).toBeGreaterThan(good.after.due.getTime());
      expect(await r.regrade(P1, VOL, good.event, easy, good.after.reps)).toBe(true);
      expect((await r.card(P1, VOL))?.fsrs).toEqual(easy);
      expect((await r.lastReview(P1, VOL))?.grade).toBe("easy");
      // Twice: the latest review is no longer the Good one.
      expect(await r.regrade(P1, VOL, good.event, easy, good.after.reps)).toBe(false);
    });

    it("the daily reminder: set, moved, listed, the closed-DM mark once, off", async () => {
      const r = await fresh();
      const base = { ...P1, userName: "Ann", time: "09:00", timezone: "Europe/Berlin", setAt: at(0), channelId: "C1" };
      await r.setDaily(base);
      await r.setDaily({ ...P2, userName: "Bo", time: "07:30", timezone: "UTC", setAt: at(0), channelId: "C2" });
      expect(await r.daily(P1)).toEqual({ ...base, dmClosedNoticed: false });
      expect(await r.markDmClosedNoticed(P1)).toBe(true);
      expect(await r.markDmClosedNoticed(P1)).toBe(false);
      expect((await r.daily(P1))?.dmClosedNoticed).toBe(true);
      // Setting it again moves it and clears the mark.
      await r.setDaily({ ...base, time: "18:00", setAt: at(1) });
      expect(await r.daily(P1)).toEqual({ ...base, time: "18:00", setAt: at(1), dmClosedNoticed: false });
      expect((await r.dailies()).map((d) => d.userId)).toEqual(["U1", "U2"]);
      expect(await r.removeDaily(P1)).toBe(true);
      expect(await r.removeDaily(P1)).toBe(false);
      expect((await r.dailies()).map((d) => d.userId)).toEqual(["U2"]);
    });

    it("counts lapses per topic across the workspace's people, most first", async () => {
      const r = await fresh();
      for (const p of [P1, P2, OTHER])
        await r.addCards(
          p,
          [VOL, VOL1, NET].map((ref) => ({ ref, fsrs: createEmptyCard(at(0)) })),
          "quiz",
          at(0),
        );
      // A lapse is a card that was learned (reviewed right), then answered wrong.
      for (const [p, ref] of [
        [P1, VOL],
        [P1, VOL1],
        [P2, VOL],
        [P2, NET],
        [OTHER, NET],
      ] as const) {
        await review(r, p, ref, "good", 0);
        await review(r, p, ref, "again", 5);
      }
      expect(await r.mostLapsed("slack", "T1", 10)).toEqual([
        { entryId: "volumes", lapses: 3, people: 2 },
        { entryId: "docker-networks", lapses: 1, people: 1 },
      ]);
      expect(await r.mostLapsed("slack", "T1", 1)).toHaveLength(1);
      expect(await r.mostLapsed("slack", "T9", 10)).toEqual([]);
    });

    it("reset deletes one person's cards, history and reminder, and nobody else's", async () => {
      const r = await fresh();
      for (const p of [P1, P2]) {
        await r.addCards(
          p,
          [VOL, NET].map((ref) => ({ ref, fsrs: createEmptyCard(at(0)) })),
          "quiz",
          at(0),
        );
        await review(r, p, VOL, "good", 0);
        await r.setDaily({ ...p, userName: p.userId, time: "09:00", timezone: "UTC", setAt: at(0), channelId: "C" });
      }
      expect(await r.reset(P1)).toBe(2);
      expect(await r.cards(P1)).toEqual([]);
      expect(await r.reviewsSince(P1, at(-1))).toEqual([]);
      expect(await r.daily(P1)).toBeUndefined();
      expect(await r.cards(P2)).toHaveLength(2);
      expect(await r.reviewsSince(P2, at(-1))).toHaveLength(1);
      expect(await r.daily(P2)).toBeDefined();
      expect(await r.reset(P1)).toBe(0);
    });
  });
}

reviewSuite("SQLite", sqliteTarget());

const pgUrl = process.env.TEST_DATABASE_URL;
if (pgUrl) {
  reviewSuite("PostgreSQL", postgresTarget(pgUrl));
} else {
  console.warn(
    "PostgreSQL review store tests skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)",
  );
  describe.skip("review store: PostgreSQL (set TEST_DATABASE_URL)", () => {
    it("runs the review store tests against PostgreSQL", () => {});
  });
}
