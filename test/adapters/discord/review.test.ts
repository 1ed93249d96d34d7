/**
 * Reviews on Discord: Dockhand's real adapter (discord.js) against the local stand-in. A review
 * round with ephemeral components edited in place, a stale button, the daily DM and the fallback
 * when a member's DMs are closed.
 */
import { MessageFlags } from "discord.js";
import type { APIMessage } from "discord-api-types/v10";
import { afterEach, expect, it } from "vitest";
import { parseAction } from "../../../src/core/actions.ts";
import { choiceId } from "../../../src/core/review/render.ts";
import {
  buttonId,
  buttonsOf,
  channelPost,
  type DiscordHarness,
  startDiscordHarness,
  textOf,
} from "../../fakes/discord/harness.ts";
import { ALICE, BOB } from "../../fakes/discord/standin.ts";

let h: DiscordHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The answer button for the right (or a wrong) choice of the card a message shows. */
function choiceButton(hh: DiscordHarness, m: { components?: unknown } | undefined, right: boolean): string {
  const buttons = buttonsOf(m).filter((b) => parseAction(b.customId)?.kind === "rvans");
  const a = parseAction(buttons[0]?.customId);
  if (a?.kind !== "rvans") throw new Error("no answer buttons");
  const q = hh.parts.ctx.kb.byId.get(a.entry)?.quiz[a.q];
  if (!q) throw new Error("no question");
  const want = choiceId(right ? (q.choices[q.answer] ?? "") : (q.choices[(q.answer + 1) % q.choices.length] ?? ""));
  const b = buttons.find((x) => x.customId.endsWith(`|${want}`));
  if (!b) throw new Error("no button for that choice");
  return b.customId;
}

it("a review round: ephemeral card, a click grades and edits it in place, Next shows the next; a stale click changes nothing", {
  timeout: 30_000,
}, async () => {
  h = await startDiscordHarness();
  const { discord } = h;
  const added = await discord.interact(discord.slash("review", { action: "add", topic: "volumes" }));
  expect(added.callback.data.flags).toBe(MessageFlags.Ephemeral);
  expect(textOf(added.callback.data)).toMatch(/^Added \d questions on “/);

  const shown = await discord.interact(discord.slash("review"));
  expect(shown.callback).toMatchObject({ type: 4, data: { flags: MessageFlags.Ephemeral } });
  expect(shown.callback.data.embeds[0].title).toMatch(/^Review: /);
  expect(buttonsOf(shown.callback.data).map((b) => b.label)).toEqual(expect.arrayContaining(["A", "B", "C"]));
  const card = shown.original() as APIMessage;
  const right = choiceButton(h, card, true);
  const graded = await discord.interact(discord.button(right, { message: card }));
  // Edited in place (UPDATE_MESSAGE), so the question's buttons are gone.
  expect(graded.callback.type).toBe(7);
  expect(textOf(graded.callback.data)).toMatch(/✅ Right/);
  expect(textOf(graded.callback.data)).toMatch(/This card comes back/);
  const labels = buttonsOf(graded.callback.data).map((b) => b.label);
  expect(labels).toEqual([expect.stringMatching(/^Learn more: /), "That was easy", "Next"]);

  const reviewed = await h.store.reviews.reviewsSince(
    { platform: "discord", workspaceId: discord.guildId, userId: ALICE.id },
    new Date(0),
  );
  expect(reviewed.map((r) => r.grade)).toEqual(["good"]);

  // The old card's button again: a clear answer, nothing recorded.
  const stale = await discord.interact(discord.button(right, { message: card }));
  expect(stale.callback.data.flags).toBe(MessageFlags.Ephemeral);
  expect(textOf(stale.callback.data)).toMatch(/already answered this card/);
  expect(
    await h.store.reviews.reviewsSince(
      { platform: "discord", workspaceId: discord.guildId, userId: ALICE.id },
      new Date(0),
    ),
  ).toHaveLength(1);

  const after = graded.original() as APIMessage;
  const next = await discord.interact(discord.button(buttonId(graded.callback.data, "Next"), { message: after }));
  expect(next.callback.type).toBe(7);
  expect(next.callback.data.embeds[0].title).toMatch(/^Review: /);
  const wrong = await discord.interact(
    discord.button(choiceButton(h, next.callback.data, false), { message: next.original() as APIMessage }),
  );
  expect(textOf(wrong.callback.data)).toMatch(/❌ Not quite/);
  expect(buttonsOf(wrong.callback.data).map((b) => b.label)).not.toContain("That was easy");
});

it("the daily reminder arrives by DM with a Review button that works there; closed DMs get one mention, then quiet", {
  timeout: 30_000,
}, async () => {
  h = await startDiscordHarness();
  const { discord, clock } = h;
  clock.set("2026-01-05T07:30:00Z");
  for (const who of [ALICE, BOB]) {
    await discord.interact(discord.slash("review", { action: "add", topic: "volumes" }, { user: who }));
    const set = await discord.interact(
      discord.slash("review", { action: "daily", time: "09:00", timezone: "Europe/Berlin" }, { user: who }),
    );
    expect(textOf(set.callback.data)).toMatch(/^Daily review reminder set: 09:00 Europe\/Berlin/);
  }
  discord.closeDms(BOB.id);
  const scheduler = h.parts.scheduler("test");
  const other = h.parts.scheduler("replica-2");
  try {
    clock.set("2026-01-05T08:00:30Z"); // 09:00:30 in Berlin
    await Promise.all([scheduler.tick(), other.tick()]);
    const dm = await discord.waitFor(channelPost(discord.dmChannelFor(ALICE.id)));
    expect(dm.status).toBe(200);
    expect(textOf(dm.body)).toMatch(/cards are due for review today/);
    expect(dm.body.allowed_mentions).toEqual({ parse: [] });
    const told = await discord.waitFor(channelPost(discord.channelId));
    expect(told.body.content).toBe(`<@${BOB.id}>`);
    expect(told.body.allowed_mentions).toEqual({ parse: [], users: [BOB.id] });
    expect(textOf(told.body)).toMatch(/your DMs are closed/);

    // The Review button in the DM shows the first card there.
    const message = [...discord.messages.values()].find((m) => m.channel_id === discord.dmChannelFor(ALICE.id));
    if (!message) throw new Error("no DM message");
    const review = await discord.interact(discord.button(buttonId(message, "Review"), { dm: true, message }));
    expect(textOf(review.callback.data)).toMatch(/^Review: /);

    // The next day: the DM again for Alice, another refused DM for Bob, and no second mention.
    clock.set("2026-01-06T08:00:30Z");
    await Promise.all([scheduler.tick(), other.tick()]);
    await discord.waitFor(channelPost(discord.dmChannelFor(ALICE.id)), 3000, 2);
    await discord.waitFor(channelPost(discord.dmChannelFor(BOB.id)), 3000, 2);
    expect(discord.requests.filter(channelPost(discord.channelId))).toHaveLength(1);
    expect(discord.requests.filter(channelPost(discord.dmChannelFor(ALICE.id)))).toHaveLength(2);
  } finally {
    await scheduler.stop();
    await other.stop();
  }
});
