import { MessageFlags } from "discord.js";
import type { APIMessage } from "discord-api-types/v10";
import { afterEach, expect, it } from "vitest";
import { startDiscord } from "../../../src/adapters/discord/lifecycle.ts";
import {
  buttonId,
  channelPost,
  type DiscordHarness,
  startDiscordHarness,
  TEST_CLIENT,
  textOf,
} from "../../fakes/discord/harness.ts";
import { user } from "../../fakes/discord/payloads.ts";
import { ALICE, BOB, type DiscordStandin, type RecordedRequest } from "../../fakes/discord/standin.ts";

let h: DiscordHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The message a channel POST made (the stand-in answers with a new message; find it by content). */
function made(discord: DiscordStandin, post: RecordedRequest): APIMessage {
  const m = [...discord.messages.values()]
    .reverse()
    .find((x) => x.channel_id === post.path.split("/")[2] && !x.webhook_id && textOf(x) === textOf(post.body));
  if (!m) throw new Error("no message for that post");
  return m;
}

const dmPost = (discord: DiscordStandin, userId: string) => channelPost(discord.dmChannelFor(userId));

it("starts onboarding in a DM: /onboard start → a DM channel, step 1 with buttons; 'Got it, next' → step 2", async () => {
  h = await startDiscordHarness();
  const { discord } = h;
  const r = await discord.interact(discord.slash("onboard", { action: "start" }));
  expect(r.callback).toMatchObject({ type: 4, data: { flags: MessageFlags.Ephemeral } });
  expect(r.callback.data.embeds[0].description).toMatch(/^Welcome aboard! Step 1 of "Docker basics"/);

  const open = await discord.waitFor((x) => x.method === "POST" && x.path === "/users/@me/channels");
  expect(open.body).toEqual({ recipient_id: ALICE.id });
  const step1 = await discord.waitFor(dmPost(discord, ALICE.id));
  expect(discord.requests.indexOf(open)).toBeLessThan(discord.requests.indexOf(step1));
  expect(step1.status).toBe(200);
  expect(step1.body.allowed_mentions).toEqual({ parse: [] });
  expect(step1.body.embeds[0].title).toMatch(/^Docker basics: step 1 of \d+: /);

  // In the DM the interaction has `user`, not `member`, and no guild.
  const card = made(discord, step1);
  const next = await discord.interact(discord.button(buttonId(card, "Got it, next"), { dm: true, message: card }));
  expect("member" in next.payload).toBe(false);
  expect(next.callback.type).toBe(4);
  expect(next.callback.data.embeds[0].title).toMatch(/^Docker basics: step 2 of \d+: /);
  // A DM is private already; an ephemeral card there would vanish on reload.
  expect(next.callback.data.flags ?? 0).toBe(0);
  expect(next.original()?.embeds[0]?.title).toMatch(/step 2 of/);

  // Progress is kept under the server the member started in.
  const e = await h.store.onboarding.get({
    platform: "discord",
    workspaceId: discord.guildId,
    userId: ALICE.id,
  });
  expect(e).toMatchObject({ trackId: "docker-basics", step: 1, status: "active" });

  // The same button again: no double step.
  const again = await discord.interact(discord.button(buttonId(card, "Got it, next"), { dm: true, message: card }));
  expect(again.callback.data.embeds[0].description).toMatch(/at step 2 already/);
  const status = await discord.interact(discord.slash("onboard", { action: "status" }));
  expect(status.callback.data.embeds[0].description).toMatch(/step 2/i);
});

it("tells a member whose DMs are closed once, in the channel, pinging only them", async () => {
  h = await startDiscordHarness();
  const { discord } = h;
  discord.closeDms(BOB.id);
  const r = await discord.interact(discord.slash("onboard", { action: "start" }, { user: BOB }));
  expect(r.callback).toMatchObject({ type: 4, data: { flags: MessageFlags.Ephemeral } });
  expect(r.callback.data.embeds[0].description).toMatch(/could not send you a direct message/);

  const refused = await discord.waitFor(dmPost(discord, BOB.id));
  expect(refused.status).toBe(403);
  const told = await discord.waitFor(channelPost(discord.channelId));
  expect(told.status).toBe(200);
  expect(told.body.content).toBe(`<@${BOB.id}>`);
  expect(told.body.allowed_mentions).toEqual({ parse: [], users: [BOB.id] });
  expect(textOf(told.body)).toMatch(/your DMs are closed/);

  // Trying again: the ephemeral answer again, but no second mention in the channel.
  const retry = await discord.interact(discord.slash("onboard", { action: "start" }, { user: BOB }));
  expect(retry.callback.data.embeds[0].description).toMatch(/could not send you a direct message/);
  await discord.waitFor(dmPost(discord, BOB.id), 3000, 2);
  expect(discord.requests.filter(channelPost(discord.channelId))).toHaveLength(1);
  for (const post of discord.requests.filter(channelPost())) {
    const mentions = post.body.allowed_mentions;
    expect(mentions.parse).toEqual([]);
    expect(mentions.users ?? []).toEqual(post === told ? [BOB.id] : []);
  }
});

it("welcomes a member who joins with a DM and a Start button that starts the track in that server", async () => {
  h = await startDiscordHarness({ welcome: true });
  const { discord } = h;
  const carol = user("1300000000000000001", "carol");
  expect(discord.memberJoin(discord.guildId, carol)).toBe(1);
  const welcome = await discord.waitFor(dmPost(discord, carol.id));
  expect(welcome.status).toBe(200);
  expect(welcome.body.embeds[0].title).toMatch(/invites you to "Docker basics"/);
  expect(welcome.body.allowed_mentions).toEqual({ parse: [] });

  const card = made(discord, welcome);
  const start = await discord.interact(
    discord.button(buttonId(card, "Start"), { dm: true, user: carol, message: card }),
  );
  expect(start.callback.type).toBe(4);
  expect(start.callback.data.embeds[0].description).toMatch(/^Welcome aboard! Step 1/);
  const step1 = await discord.waitFor(dmPost(discord, carol.id), 3000, 2);
  expect(step1.body.embeds[0].title).toMatch(/step 1 of/);
  const e = await h.store.onboarding.get({
    platform: "discord",
    workspaceId: discord.guildId,
    userId: carol.id,
  });
  expect(e?.trackId).toBe("docker-basics");

  // A bot joining gets no welcome.
  discord.memberJoin(discord.guildId, user("1300000000000000009", "otherbot", { bot: true }));
  await new Promise((r) => setTimeout(r, 100));
  expect(discord.requests.filter((x) => x.path === "/users/@me/channels")).toHaveLength(1);
});

it("after a restart, a DM button finds the member's server from the store (the bot is in two servers)", async () => {
  const guilds = [
    { id: "1000000000000000001", name: "One" },
    { id: "1000000000000000011", name: "Two" },
  ];
  h = await startDiscordHarness({ standin: { guilds } });
  const { discord } = h;
  const second = guilds[1]?.id ?? "";
  await discord.interact(discord.slash("onboard", { action: "start" }, { guildId: second }));
  const step1 = await discord.waitFor(dmPost(discord, ALICE.id));
  const card = made(discord, step1);

  // A new process: nothing in memory says which server Alice's DM belongs to.
  await h.adapter.stop();
  const restarted = await startDiscord({
    dispatcher: h.parts.dispatcher,
    events: h.store,
    log: h.parts.ctx.log,
    token: discord.token,
    applicationId: discord.applicationId,
    apiUrl: discord.apiUrl,
    graceMs: 1000,
    client: TEST_CLIENT,
  });
  try {
    const next = await discord.interact(discord.button(buttonId(card, "Got it, next"), { dm: true, message: card }));
    expect(next.callback.data.embeds[0].title).toMatch(/step 2 of/);
    const e = await h.store.onboarding.get({
      platform: "discord",
      workspaceId: second,
      userId: ALICE.id,
    });
    expect(e?.step).toBe(1);
  } finally {
    await restarted.stop();
  }
});
