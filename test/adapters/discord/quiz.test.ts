import { MessageFlags, PermissionFlagsBits } from "discord.js";
import type { APIMessage, APIUser } from "discord-api-types/v10";
import { afterEach, expect, it } from "vitest";
import {
  buttonsOf,
  channelPost,
  type DiscordHarness,
  messageEdit,
  startDiscordHarness,
  textOf,
} from "../../fakes/discord/harness.ts";
import { PERMISSIONS, user } from "../../fakes/discord/payloads.ts";
import { ALICE, BOB, type DiscordStandin, type RecordedRequest } from "../../fakes/discord/standin.ts";

const CAROL = user("1200000000000000003", "carol");
const users = [ALICE, BOB, CAROL];

let h: DiscordHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The quiz question as the stand-in stored it: the channel message made by this POST (by its nonce). */
function postedMessage(discord: DiscordStandin, post: RecordedRequest): APIMessage {
  const m = [...discord.messages.values()].find((x) => x.nonce === post.body.nonce);
  if (!m) throw new Error("the quiz post made no message");
  return m;
}

/** `/quiz action:now` in the default channel; resolves with the channel POST and the message it made. */
async function postQuestion(h: DiscordHarness, by: APIUser = ALICE) {
  const { discord } = h;
  const r = await discord.interact(discord.slash("quiz", { action: "now" }, { user: by }));
  expect(r.callback).toMatchObject({ type: 4, data: { flags: MessageFlags.Ephemeral } });
  expect(r.callback.data.embeds[0].description).toMatch(/^Quiz question posted/);
  const post = await discord.waitFor((x) => channelPost(discord.channelId)(x) && x.status === 200);
  return { post, message: postedMessage(discord, post) };
}

/** A member's click on the n-th answer button; resolves with the callback. */
async function answer(h: DiscordHarness, message: APIMessage, choice: number, by: APIUser) {
  const id = buttonsOf(message)[choice]?.customId;
  if (!id) throw new Error(`no answer button ${choice}`);
  return h.discord.interact(h.discord.button(id, { user: by, message }));
}

it("runs a round end to end: a nonce'd post, three answers with counts, a close by a Manage Server member, the reveal", async () => {
  h = await startDiscordHarness({ standin: { users } });
  const { discord } = h;
  const { post, message } = await postQuestion(h);
  expect(post.body).toMatchObject({ enforce_nonce: true, allowed_mentions: { parse: [] } });
  expect(typeof post.body.nonce).toBe("string");
  expect(post.body.nonce.length).toBeLessThanOrEqual(25);
  expect(post.body.embeds[0].title).toMatch(/^Docker quiz: /);
  expect(buttonsOf(post.body).map((b) => b.label)).toEqual(["A", "B", "C", "D"].slice(0, buttonsOf(post.body).length));
  const round = await h.store.quiz.openRoundIn(h.channel);
  expect(round?.messageRef).toBe(`${discord.channelId}:${message.id}`);

  for (const [i, u] of users.entries()) {
    const r = await answer(h, message, i % buttonsOf(message).length, u);
    expect(r.callback).toMatchObject({ type: 4, data: { flags: MessageFlags.Ephemeral } });
    expect(r.callback.data.embeds[0].description).toMatch(/^Locked in: [A-D]\./);
    const edit = await discord.waitFor(messageEdit(message.id), 3000, i + 1);
    expect(edit.status).toBe(200);
    expect(edit.body.allowed_mentions).toEqual({ parse: [] });
    expect(textOf(edit.body)).toContain(`${i + 1} ${i === 0 ? "answer" : "answers"} so far`);
  }
  // A second click counts for nothing and edits nothing.
  const again = await answer(h, message, 0, BOB);
  expect(again.callback.data.embeds[0].description).toMatch(/already answered/);
  expect(again.callback.data.flags).toBe(MessageFlags.Ephemeral);
  expect(discord.requests.filter(messageEdit(message.id))).toHaveLength(3);
  expect((await h.store.quiz.answerCounts(round?.id ?? 0)).total).toBe(3);

  // Bob neither posted the question nor manages the server: he may not close it.
  const refused = await discord.interact(discord.slash("quiz", { action: "close" }, { user: BOB }));
  expect(refused.callback.data.flags).toBe(MessageFlags.Ephemeral);
  expect(refused.callback.data.embeds[0].description).toMatch(/Only the person who posted/);

  // Carol has Manage Server in this channel: Discord says so in the interaction's member permissions.
  const close = discord.slash("quiz", { action: "close" }, { user: CAROL });
  if (!("member" in close) || !close.member) throw new Error("a guild interaction has a member");
  close.member.permissions = String(BigInt(PERMISSIONS) | PermissionFlagsBits.ManageGuild);
  const closed = await discord.interact(close);
  expect(closed.callback.data.embeds[0].description).toMatch(/^Closed/);
  const reveal = await discord.waitFor(messageEdit(message.id), 3000, 4);
  expect(reveal.body.embeds[0].title).toMatch(/^Quiz answer: [A-D]\./);
  expect(textOf(reveal.body)).toContain("3 answers.");
  expect(reveal.body.allowed_mentions).toEqual({ parse: [] });
  expect(buttonsOf(reveal.body).map((b) => b.label)).toEqual([expect.stringMatching(/^Learn more: /)]);
  expect(discord.messages.get(message.id)?.embeds[0]?.title).toMatch(/^Quiz answer: /);

  // One question message in the channel, no pings anywhere.
  expect(discord.requests.filter(channelPost(discord.channelId))).toHaveLength(1);
  expect((await h.store.quiz.openRoundIn(h.channel)) ?? null).toBeNull();
  const late = await answer(h, message, 0, ALICE);
  expect(late.callback.data.embeds[0].description).toMatch(/closed|already/);
});

it("lets an admin named in DOCKHAND_ADMINS close a question another member posted", async () => {
  h = await startDiscordHarness({ standin: { users }, admins: [`discord:${CAROL.id}`] });
  const { discord } = h;
  const { message } = await postQuestion(h, BOB);
  const closed = await discord.interact(discord.slash("quiz", { action: "close" }, { user: CAROL }));
  expect(closed.callback.data.embeds[0].description).toMatch(/^Closed/);
  const reveal = await discord.waitFor(messageEdit(message.id));
  expect(reveal.body.embeds[0].title).toMatch(/^Quiz answer: /);
  expect(textOf(reveal.body)).toContain("0 answers.");
});

it("loses no answer across a gateway reconnect (op 7) in the middle of a round", async () => {
  h = await startDiscordHarness({ standin: { users } });
  const { discord } = h;
  const { message } = await postQuestion(h);
  const round = await h.store.quiz.openRoundIn(h.channel);

  const before = await answer(h, message, 0, ALICE);
  expect(before.callback.data.embeds[0].description).toMatch(/^Locked in/);

  // Sent while the client is away: it reaches Dockhand only through the resume's replay.
  const reconnecting = discord.reconnect();
  await expect.poll(() => discord.connections[0]?.closeCode).toBeDefined();
  const during = answer(h, message, 1, BOB);
  await reconnecting;
  expect((await during).callback.data.embeds[0].description).toMatch(/^Locked in/);
  expect(discord.resumes).toBe(1);

  const after = await answer(h, message, 2 % buttonsOf(message).length, CAROL);
  expect(after.callback.data.embeds[0].description).toMatch(/^Locked in/);

  const stored = await h.store.quiz.answersOf(round?.id ?? 0);
  expect(stored.map((a) => a.userId).sort()).toEqual([ALICE.id, BOB.id, CAROL.id].sort());
  await expect.poll(() => textOf(discord.messages.get(message.id)), { timeout: 2000 }).toContain("3 answers so far");

  await discord.interact(discord.slash("quiz", { action: "close" }));
  await expect.poll(() => textOf(discord.messages.get(message.id)), { timeout: 2000 }).toContain("3 answers.");
});

it("waits out a 429 on the quiz post and posts once, with the same nonce", async () => {
  h = await startDiscordHarness();
  const { discord } = h;
  discord.failNext("POST", /channels\/.*\/messages/, { status: 429, retryAfterS: 0.2 });
  const { message } = await postQuestion(h);
  const posts = discord.requests.filter(channelPost(discord.channelId));
  expect(posts.map((p) => p.status)).toEqual([429, 200]);
  expect(posts[1]?.body.nonce).toBe(posts[0]?.body.nonce);
  expect([...discord.messages.values()].filter((m) => m.channel_id === discord.channelId && !m.webhook_id)).toEqual([
    message,
  ]);
  const round = await h.store.quiz.openRoundIn(h.channel);
  expect(round?.messageRef).toBe(`${discord.channelId}:${message.id}`);
  expect(h.logs().some((l) => l.msg === "rate limited by Discord")).toBe(true);
});

it("retries a quiz post after a 500 with the same nonce, so Discord shows it once", async () => {
  h = await startDiscordHarness();
  const { discord } = h;
  discord.failNext("POST", /channels\/.*\/messages/, { status: 500 });
  const { message } = await postQuestion(h);
  const posts = discord.requests.filter(channelPost(discord.channelId));
  expect(posts.map((p) => p.status)).toEqual([500, 200]);
  expect(posts[1]?.body.nonce).toBe(posts[0]?.body.nonce);
  expect([...discord.messages.values()].filter((m) => m.channel_id === discord.channelId && !m.webhook_id)).toEqual([
    message,
  ]);
});

it("posts a scheduled question from the scheduler once, and the close job reveals it", async () => {
  h = await startDiscordHarness({ admins: [ALICE.id] });
  const { discord, clock } = h;
  const set = await discord.interact(
    discord.slash("quiz", { action: "schedule", time: "09:30", timezone: "UTC", close_after: "1h" }),
  );
  expect(set.callback.data.flags ?? 0).toBe(0);
  expect(set.callback.data.embeds[0].description).toMatch(/^Daily quiz set for this channel: 09:30 UTC/);

  const scheduler = h.parts.scheduler("test");
  const other = h.parts.scheduler("another-replica");
  try {
    clock.set("2026-01-05T09:30:00Z");
    await Promise.all([scheduler.tick(), other.tick()]);
    const post = await discord.waitFor(channelPost(discord.channelId));
    expect(post.body).toMatchObject({ enforce_nonce: true, allowed_mentions: { parse: [] } });
    const message = postedMessage(discord, post);
    await scheduler.tick();
    expect(discord.requests.filter(channelPost(discord.channelId))).toHaveLength(1);

    await answer(h, message, 0, BOB);
    clock.set("2026-01-05T10:31:00Z");
    await scheduler.tick();
    await expect.poll(() => discord.messages.get(message.id)?.embeds[0]?.title).toMatch(/^Quiz answer: /);
    expect(textOf(discord.messages.get(message.id))).toContain("1 answer.");
  } finally {
    await scheduler.stop();
    await other.stop();
  }
});

it("takes twelve answers at once: each is acked and stored, and the count edits coalesce to the final number", async () => {
  const crowd = Array.from({ length: 12 }, (_, i) => user(`13000000000000000${String(i).padStart(2, "0")}`, `u${i}`));
  h = await startDiscordHarness({ standin: { users: crowd } });
  const { discord } = h;
  const { message } = await postQuestion(h, crowd[0]);
  const acks = await Promise.all(crowd.map((u, i) => answer(h as DiscordHarness, message, i % 3, u)));
  for (const a of acks) expect(a.callback.data.embeds[0].description).toMatch(/^Locked in/);
  const round = await h.store.quiz.openRoundIn(h.channel);
  expect((await h.store.quiz.answerCounts(round?.id ?? 0)).total).toBe(12);
  await expect.poll(() => textOf(discord.messages.get(message.id))).toContain("12 answers so far");
  // One edit at a time per message, and only the newest waiting one is sent.
  expect(discord.requests.filter(messageEdit(message.id)).length).toBeLessThan(12);
});
