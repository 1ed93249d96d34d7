/**
 * Reviews on Slack: the real Bolt app against the local stand-in. A review round in an ephemeral
 * message replaced in place, a stale button, the daily DM and the fallback when DMs are closed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseAction } from "../../../src/core/actions.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import { reviewNudgeJob } from "../../../src/core/review/jobs.ts";
import { choiceId } from "../../../src/core/review/render.ts";
import { Scheduler } from "../../../src/core/schedule/scheduler.ts";
import { buttonIn, buttonsIn, type Harness, type Mode, startHarness } from "../../fakes/slack/harness.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The action id of the button for the right (or a wrong) choice of the card in these blocks. */
function choiceAction(hh: Harness, blocks: unknown, right: boolean): string {
  const ids = buttonsIn(blocks).flatMap((b) => [b.actionId, b.value ?? ""]);
  const answers = ids.filter((id) => parseAction(id)?.kind === "rvans");
  const a = parseAction(answers[0]);
  if (a?.kind !== "rvans") throw new Error("no answer buttons");
  const q = hh.fixture.ctx.kb.byId.get(a.entry)?.quiz[a.q];
  if (!q) throw new Error("no question");
  const want = choiceId(right ? (q.choices[q.answer] ?? "") : (q.choices[(q.answer + 1) % q.choices.length] ?? ""));
  const id = answers.find((x) => x.endsWith(`|${want}`));
  if (!id) throw new Error("no button for that choice");
  return id;
}

const ME = { platform: "slack", workspaceId: "T1", userId: "U1" } as const;

describe.each<Mode>(["socket", "http"])("reviews on Slack (%s mode)", (mode) => {
  it("a review round: an only-me card, a click replaces it with the result, Next shows the next; a stale click changes nothing", {
    timeout: 30_000,
  }, async () => {
    h = await startHarness({ mode });
    const { standIn } = h;
    const added = await h.slash("review add volumes");
    const [a] = await standIn.waitForResponses(added.responseId);
    expect(String(a?.body.text)).toMatch(/^Added \d questions on “/);

    const shown = await h.slash("review");
    const [card] = await standIn.waitForResponses(shown.responseId);
    expect(card?.body.response_type).toBe("ephemeral");
    expect(String(card?.body.text)).toMatch(/^Review: /);
    const right = choiceAction(h, card?.body.blocks, true);
    const graded = await h.press(right, { ephemeral: true });
    const [result] = await standIn.waitForResponses(graded.responseId);
    expect(result?.body.replace_original).toBe(true);
    expect(JSON.stringify(result?.body.blocks)).toMatch(/✅ Right/);
    expect(buttonsIn(result?.body.blocks).map((b) => b.label)).toEqual([
      expect.stringMatching(/^Learn more: /),
      "That was easy",
      "Next",
    ]);
    expect((await h.fixture.store.reviews.reviewsSince(ME, new Date(0))).map((r) => r.grade)).toEqual(["good"]);

    // The card's button again (a second click on a message Slack had not replaced yet).
    const again = await h.press(right, { ephemeral: true });
    const [stale] = await standIn.waitForResponses(again.responseId);
    expect(String(stale?.body.text)).toMatch(/already answered this card/);
    expect(await h.fixture.store.reviews.reviewsSince(ME, new Date(0))).toHaveLength(1);

    const next = await h.press(buttonIn(result?.body.blocks, "Next").actionId, { ephemeral: true });
    const [second] = await standIn.waitForResponses(next.responseId);
    expect(second?.body.replace_original).toBe(true);
    expect(String(second?.body.text)).toMatch(/^Review: /);
  });
});

describe("the daily review reminder on Slack", () => {
  it("arrives as a DM with a Review button; closed DMs get one only-me notice in the channel, then quiet", {
    timeout: 30_000,
  }, async () => {
    h = await startHarness({ mode: "socket", dmClosed: ["U-shy"] });
    const { standIn, fixture } = h;
    fixture.clock.set("2026-01-05T07:00:00Z");
    for (const user of ["U1", "U-shy"]) {
      await h.slash("review add volumes", { user });
      const set = await h.slash("review daily 08:30 Europe/London", { user, channel: "C-team" });
      const [r] = await standIn.waitForResponses(set.responseId);
      expect(String(r?.body.text)).toMatch(/^Daily review reminder set: 08:30 Europe\/London/);
    }
    const scheduler = new Scheduler({ store: fixture.store, clock: fixture.clock, log: silentLogger(), owner: "t" });
    scheduler.add(reviewNudgeJob(fixture.store.reviews, fixture.ctx.review));
    try {
      fixture.clock.set("2026-01-05T08:30:10Z");
      await scheduler.tick();
      const dm = await standIn.waitForCall("chat.postMessage");
      expect(dm.args.channel).toBe("D1");
      // The notification text, then the message itself.
      expect(dm.args.text).toBe("2 cards due: Review");
      expect(JSON.stringify(dm.args.blocks)).toMatch(/2 cards are due for review today/);
      const review = buttonIn(dm.args.blocks, "Review");
      const notice = await standIn.waitForCall("chat.postEphemeral");
      expect(notice.args).toMatchObject({ channel: "C-team", user: "U-shy" });
      expect(String(notice.args.text)).toMatch(/your DMs are closed/);

      const pressed = await h.press(review.actionId, { channel: "D1", value: review.value });
      const [card] = await standIn.waitForResponses(pressed.responseId);
      expect(String(card?.body.text)).toMatch(/^Review: /);

      // The next day: Alice gets her DM again; no second notice for the member with closed DMs.
      fixture.clock.set("2026-01-06T08:30:10Z");
      await scheduler.tick();
      await standIn.waitForCall("chat.postMessage", 2);
      expect(standIn.callsTo("chat.postEphemeral")).toHaveLength(1);
    } finally {
      await scheduler.stop();
    }
  });
});
