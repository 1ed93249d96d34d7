/**
 * Reviews through the dispatcher, as every platform reaches them: cards from "Remember this",
 * `review add` and a missed checkpoint; shuffled choices graded by identity; "That was easy";
 * stale buttons that change nothing; reset with confirmation; the leads' view; bad input.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeAction, parseAction } from "../../../src/core/actions.ts";
import { DmClosedError } from "../../../src/core/onboarding/service.ts";
import type { Reply } from "../../../src/core/reply.ts";
import { choiceId } from "../../../src/core/review/render.ts";
import { ReviewService } from "../../../src/core/review/service.ts";
import { USER_CLOSE, USER_OPEN } from "../../../src/core/user-text.ts";
import { button, caller, type Fixture, makeFixture } from "../fixture.ts";

const ME = { platform: "slack", workspaceId: "T1", userId: "U1" } as const;
const DAY = 86_400_000;

/** A seeded generator, so that two showings of one card come in different orders. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

let f: Fixture;
let dms: { userId: string; reply: Reply }[] = [];
beforeEach(async () => {
  dms = [];
  f = await makeFixture({ admins: ["U-admin"], dmClosed: ["U-closed"] });
  f.ctx.review = new ReviewService({
    kb: f.ctx.kb,
    search: f.ctx.search,
    repo: f.store.reviews,
    clock: f.clock,
    log: f.ctx.log,
    messenger: {
      dm: async (member, reply) => {
        if (member.userId === "U-closed") throw new DmClosedError();
        dms.push({ userId: member.userId, reply });
      },
      notice: async () => {},
    },
    timezone: "UTC",
    random: seeded(7),
  });
});
afterEach(() => f.close());

const say = (text: string, who = caller()) => f.dispatcher.text(text, who);
const press = (action: string, who = caller()) => f.dispatcher.action(action, who);
/** The shown choices, in order, as the bullets list them. */
const shownChoices = (r: Reply) => (r.bullets ?? []).map((b) => b.replace(/^[A-D]\. /, ""));

describe("reviews through the dispatcher", () => {
  // The first search of a file warms the index up: slow on a loaded machine.
  it("'Remember this' on an answer puts the entry's questions in the deck, once", { timeout: 20_000 }, async () => {
    const answer = await say("/docker volumes");
    const remember = button(answer, "Remember this");
    expect(parseAction(remember)).toEqual({ kind: "rvadd", entry: "volumes" });
    const entry = f.ctx.kb.byId.get("volumes");
    const n = entry?.quiz.length ?? 0;
    expect((await press(remember)).text).toBe(
      `Added ${n} questions on “${entry?.title}” to your review deck. \`/docker review\` starts a review.`,
    );
    expect((await press(remember)).text).toMatch(/is in your review deck already/);
    const cards = await f.store.reviews.cards(ME);
    expect(cards).toHaveLength(n);
    expect(new Set(cards.map((c) => c.source))).toEqual(new Set(["remember"]));
  });

  it("`review add` takes an entry id or a topic; an unknown topic is quoted as typed text and adds nothing", async () => {
    expect((await say("/docker review add docker-networks")).text).toMatch(/^Added \d questions on “/);
    expect((await say("/docker review add bind mounts vs volumes")).text).toMatch(/^Added \d questions on “|already/);
    const before = (await f.store.reviews.cards(ME)).length;
    const typed = "[docs](https://evil.example) <!channel> zzqqxx";
    const r = await say(`/docker review add ${typed}`);
    expect(r.visibility).toBe("ephemeral");
    expect(r.text).toContain(`${USER_OPEN}${typed}${USER_CLOSE}`);
    expect(r.text).toContain("/docker review add <topic id>");
    expect(await f.store.reviews.cards(ME)).toHaveLength(before);
    expect((await say("/docker review add")).text).toMatch(/Name a topic/);
  });

  it("`review add` with an entry's title (what autocomplete suggests) adds that entry's questions", async () => {
    for (const entry of f.ctx.kb.entries.filter((e) => e.quiz.length > 0)) {
      const r = await f.ctx.review.addTopic(ME, entry.title);
      expect(r.text, entry.title).toMatch(new RegExp(`“${entry.title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}”`));
    }
    const entries = new Set((await f.store.reviews.cards(ME)).map((c) => c.entryId));
    expect(entries.size).toBe(f.ctx.kb.entries.filter((e) => e.quiz.length > 0).length);
  });

  it("a wrong checkpoint answer in onboarding puts that question in the deck", async () => {
    const track = f.ctx.kb.tracks.find((t) => t.id === "docker-basics");
    const entry = f.ctx.kb.byId.get(track?.steps[0]?.entry ?? "");
    const q = entry?.quiz[0];
    if (!entry || !q) throw new Error("no checkpoint");
    const wrong = (q.answer + 1) % q.choices.length;
    await press(encodeAction({ kind: "obans", track: "docker-basics", step: 0, q: 0, choice: wrong }));
    const cards = await f.store.reviews.cards(ME);
    expect(cards.map((c) => [c.entryId, c.question, c.source])).toEqual([[entry.id, 0, "onboarding"]]);
  });

  it("shuffles the choices per showing and grades the choice pressed, not its position", async () => {
    await say("/docker review add volumes");
    const orders = new Set<string>();
    let shown = await say("/docker review");
    for (let i = 0; i < 6; i++) {
      orders.add(shownChoices(shown).join("|"));
      shown = await say("/docker review");
    }
    expect(orders.size).toBeGreaterThan(1);
    const action = parseAction(shown.buttons?.[0]?.action);
    if (action?.kind !== "rvans") throw new Error("not an answer button");
    const q = f.ctx.kb.byId.get(action.entry)?.quiz[action.q];
    if (!q) throw new Error("no question");
    const rightAt = shownChoices(shown).indexOf(q.choices[q.answer] ?? "");
    const result = await press(button(shown, "ABCD"[rightAt] as string));
    expect(result.text).toMatch(/^✅ Right/);
    expect(result.replaceOriginal).toBe(true);
    expect(button(result, /^Learn more: /)).toBe(encodeAction({ kind: "entry", entry: action.entry }));
    expect(button(result, "Next")).toBe(encodeAction({ kind: "rvnext" }));
    expect(result.context).toMatch(/This card comes back (tomorrow|in \d+ days)/);
  });

  it("stale buttons answer clearly and change nothing", async () => {
    await say("/docker review add volumes");
    const shown = await say("/docker review");
    const first = shown.buttons?.[0]?.action ?? "";
    const a = parseAction(first);
    if (a?.kind !== "rvans") throw new Error("not an answer button");
    const ref = { entryId: a.entry, question: a.q };
    await press(first);
    const after = await f.store.reviews.card(ME, ref);
    // The same showing again (a double click, or the old message).
    expect((await press(first)).text).toMatch(/already answered this card/);
    // A choice whose text is not in the pack (changed since it was shown).
    expect((await press(encodeAction({ ...a, rep: a.rep + 1, choice: choiceId("gone") }))).text).toMatch(
      /changed or left the knowledge pack/,
    );
    // A question no longer in the pack.
    expect((await press(encodeAction({ ...a, q: 20 }))).text).toMatch(/changed or left the knowledge pack/);
    // Another person pressing my button: it is not their card.
    expect((await press(first, caller({ userId: "U2" }))).text).toMatch(/no longer in your deck/);
    expect(await f.store.reviews.card(ME, ref)).toEqual(after);
    expect(await f.store.reviews.reviewsSince(ME, new Date(0))).toHaveLength(1);
  });

  it("'That was easy' grades the review Easy instead of Good, once", async () => {
    await say("/docker review add volumes");
    const shown = await say("/docker review");
    const a = parseAction(shown.buttons?.[0]?.action);
    if (a?.kind !== "rvans") throw new Error("not an answer button");
    const q = f.ctx.kb.byId.get(a.entry)?.quiz[a.q];
    if (!q) throw new Error("no question");
    const right = await press(button(shown, "ABCD"[shownChoices(shown).indexOf(q.choices[q.answer] ?? "")] ?? "A"));
    const ref = { entryId: a.entry, question: a.q };
    const good = await f.store.reviews.card(ME, ref);
    const easy = await press(button(right, "That was easy"));
    expect(easy.text).toMatch(/^Marked as easy: /);
    const stored = await f.store.reviews.card(ME, ref);
    expect(stored?.fsrs.due.getTime()).toBeGreaterThan(good?.fsrs.due.getTime() ?? Infinity);
    expect(stored?.fsrs.reps).toBe(good?.fsrs.reps);
    expect((await press(button(right, "That was easy"))).text).toMatch(/Already marked as easy/);
    expect((await f.store.reviews.reviewsSince(ME, new Date(0))).map((e) => e.grade)).toEqual(["easy"]);
  });

  it("reset asks first; the confirmation deletes only my data; a second press changes nothing", async () => {
    await say("/docker review add volumes");
    await say("/docker review add volumes", caller({ userId: "U2" }));
    await say("/docker review daily 09:00 Europe/Berlin");
    const ask = await say("/docker review reset");
    expect(ask.text).toMatch(/deletes your \d review cards, your review history and your daily reminder/);
    expect(await f.store.reviews.cards(ME)).not.toEqual([]);
    const confirm = button(ask, "Yes, delete my review data");
    expect((await press(confirm)).text).toMatch(/^Deleted: \d cards/);
    expect(await f.store.reviews.cards(ME)).toEqual([]);
    expect(await f.store.reviews.daily(ME)).toBeUndefined();
    expect((await press(confirm)).text).toMatch(/no review data to delete/);
    expect(await f.store.reviews.cards({ ...ME, userId: "U2" })).not.toEqual([]);
  });

  it("status, the daily reminder and its bad input", async () => {
    await say("/docker review add volumes");
    const set = await say("/docker review daily 9:30 europe/berlin");
    expect(set.text).toMatch(/^Daily review reminder set: 09:30 Europe\/Berlin/);
    const status = await say("/docker review status");
    expect(status.fields).toContainEqual({ label: "Daily reminder", value: "09:30 Europe/Berlin" });
    expect(status.fields).toContainEqual({ label: "Due now", value: String(status.fields?.[2]?.value) });
    for (const [text, message] of [
      ["/docker review daily 9pm", /is not a time.*Did you mean 21:00/],
      ["/docker review daily 09:00 Mars/Olympus", /time zone/i],
      ["/docker review daily", /Give a time/],
    ] as const) {
      expect((await say(text)).text).toMatch(message);
    }
    expect((await f.store.reviews.daily(ME))?.time).toBe("09:30");
    expect((await say("/docker review daily off")).text).toMatch(/reminder off/);
    expect((await say("/docker review daily off")).text).toMatch(/no daily review reminder/);
  });

  it("shows leads the topics the team keeps forgetting; members are refused", async () => {
    /** Answers every due card, all right or all wrong. */
    const reviewAll = async (who: ReturnType<typeof caller>, right: boolean) => {
      for (;;) {
        const shown = await say("/docker review", who);
        const a = parseAction(shown.buttons?.[0]?.action);
        if (a?.kind !== "rvans") return;
        const q = f.ctx.kb.byId.get(a.entry)?.quiz[a.q];
        if (!q) throw new Error("no question");
        const target = right ? q.answer : (q.answer + 1) % q.choices.length;
        await press(button(shown, "ABCD"[shownChoices(shown).indexOf(q.choices[target] ?? "")] ?? "A"), who);
      }
    };
    const people = [caller({ userId: "U1" }), caller({ userId: "U2" })];
    for (const who of people) await say("/docker review add volumes", who);
    // Learn each card, then forget it days later.
    for (const who of people) await reviewAll(who, true);
    f.clock.advance(30 * DAY);
    for (const who of people) await reviewAll(who, false);
    expect((await say("/docker review team")).text).toMatch(/Only admins/);
    const team = await say("/docker review team", caller({ userId: "U-admin" }));
    expect(team.header).toBe("Topics the team keeps forgetting");
    const n = f.ctx.kb.byId.get("volumes")?.quiz.length ?? 0;
    expect(team.bullets).toEqual([`${f.ctx.kb.byId.get("volumes")?.title}: ${2 * n} lapses by 2 people`]);
  });

  it("`review dm` sends the next card by direct message, and says so when DMs are closed", async () => {
    await say("/docker review add volumes");
    expect((await say("/docker review dm")).text).toMatch(/in your direct messages/);
    expect(dms.map((d) => [d.userId, d.reply.header])).toEqual([["U1", expect.stringMatching(/^Review: /)]]);
    expect((await say("/docker review dm", caller({ userId: "U-closed" }))).text).toMatch(
      /could not send you a direct message/,
    );
  });
});
