import { once } from "node:events";
import {
  ApplicationCommandOptionType,
  type ChatInputApplicationCommandData,
  Client,
  type ClientOptions,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  type GuildMember,
  type Interaction,
  type TextChannel,
} from "discord.js";
import { afterEach, describe, expect, it } from "vitest";
import { user } from "./payloads.ts";
import { BOB, type DiscordStandinOptions, type RecordedRequest, startDiscordStandin } from "./standin.ts";

/** A plain discord.js client against the stand-in: no Dockhand code, only the library. */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(o: { standin?: DiscordStandinOptions; client?: Partial<ClientOptions> } = {}) {
  const discord = await startDiscordStandin(o.standin);
  cleanups.push(() => discord.close());
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMembers],
    // retries only concern 5xx and network errors; a 429 is waited out and retried regardless.
    rest: { api: discord.apiUrl, retries: 0, timeout: 2000, offset: 0 },
    // The default throttler makes a second IDENTIFY within 5 s wait up to 6.5 s.
    ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
    ...o.client,
  });
  // Destroy only after clientReady: a shard destroyed while connecting reconnects and hangs the test.
  const ready = once(client, Events.ClientReady);
  await client.login(discord.token);
  await ready;
  cleanups.push(() => client.destroy());
  const failures: unknown[] = [];
  /** Runs `handler` for every interaction, keeping its errors for the test to assert on. */
  const onInteraction = (handler: (i: Interaction) => Promise<unknown>) =>
    client.on(Events.InteractionCreate, (i) => void handler(i).catch((e: unknown) => failures.push(e)));
  return { discord, client, failures, onInteraction };
}

const channelPosts = (r: RecordedRequest) => r.method === "POST" && /^\/channels\/\d+\/messages$/.test(r.path);

describe("Discord stand-in with the real discord.js client", () => {
  it("logs in over JSON without compression, gets its guild and has heartbeats acknowledged", async () => {
    const { discord, client } = await setup({ standin: { heartbeatIntervalMs: 40 } });
    expect(client.user?.id).toBe(discord.botUser.id);
    expect(client.application?.id).toBe(discord.applicationId);
    const guild = client.guilds.cache.get(discord.guildId);
    expect(guild?.name).toBe("Dockhand Test");
    expect(guild?.channels.cache.get(discord.channelId)?.name).toBe("general");
    expect(guild?.members.cache.has(BOB.id)).toBe(true);
    expect(discord.connections[0]?.query).toEqual({ v: "10", encoding: "json" });
    expect(discord.lastIdentify?.intents).toBe(GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers);
    expect(discord.lastIdentify?.compress).toBe(false);
    expect(discord.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /gateway/bot"]);
    await expect.poll(() => discord.heartbeats, { timeout: 1000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => client.ws.ping, { timeout: 1000 }).toBeGreaterThanOrEqual(0);
  });

  it("rejects a wrong token with TokenInvalid", async () => {
    const discord = await startDiscordStandin();
    cleanups.push(() => discord.close());
    const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl, retries: 0 } });
    // login() destroys the client itself when it fails.
    await expect(client.login("not-the-token")).rejects.toMatchObject({ code: "TokenInvalid" });
    expect(discord.requests[0]).toMatchObject({ path: "/gateway/bot", status: 401 });
    expect(discord.identifies).toBe(0);
  });

  it("delivers a slash command with typed options and receives the reply callback", async () => {
    const { discord, failures, onInteraction } = await setup();
    const seen: unknown[] = [];
    onInteraction(async (i) => {
      if (!i.isChatInputCommand()) return;
      seen.push({
        name: i.commandName,
        query: i.options.getString("query"),
        limit: i.options.getInteger("limit"),
        inGuild: i.inGuild(),
        user: i.user.id,
        context: i.context,
      });
      await i.reply({ content: "Volumes outlive containers.", allowedMentions: { parse: [] } });
    });
    const r = await discord.interact(discord.slash("docker", { query: "volumes", limit: 3 }));
    expect(r.callback).toEqual({
      type: 4,
      data: expect.objectContaining({ content: "Volumes outlive containers.", allowed_mentions: { parse: [] } }),
    });
    expect(r.request.status).toBe(204);
    expect(r.request.headers.authorization).toBeUndefined();
    expect(r.original()?.content).toBe("Volumes outlive containers.");

    const dm = await discord.interact(discord.slash("docker", { query: "ports" }, { dm: true, user: BOB }));
    expect(dm.callback.type).toBe(4);
    expect(seen).toEqual([
      { name: "docker", query: "volumes", limit: 3, inGuild: true, user: "1200000000000000001", context: 0 },
      { name: "docker", query: "ports", limit: null, inGuild: false, user: BOB.id, context: 1 },
    ]);
    expect(failures).toEqual([]);
  });

  it("defers, then edits the reply through the webhook", async () => {
    const { discord, failures, onInteraction } = await setup();
    const edited: string[] = [];
    onInteraction(async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      const msg = await i.editReply({ content: "Here is the answer.", allowedMentions: { parse: [] } });
      edited.push(msg.content);
      await i.followUp({ content: "One more thing.", ephemeral: false });
    });
    const payload = discord.slash("docker", { query: "compose" });
    const r = await discord.interact(payload);
    expect(r.callback.type).toBe(5);
    const edit = await r.waitForEdit();
    expect(edit.path).toBe(`/webhooks/${discord.applicationId}/${payload.token}/messages/@original`);
    expect(edit.body).toMatchObject({ content: "Here is the answer.", allowed_mentions: { parse: [] } });
    expect(edit.status).toBe(200);
    const followUp = await r.waitForFollowUp();
    expect(followUp.query).toEqual({ wait: "true" });
    expect(followUp.body.content).toBe("One more thing.");
    expect(r.original()).toMatchObject({ content: "Here is the answer.", flags: 0 });
    expect(edited).toEqual(["Here is the answer."]);
    expect(failures).toEqual([]);
  });

  it("answers autocomplete with choices and a button with an update", async () => {
    const { discord, failures, onInteraction } = await setup();
    const focused: unknown[] = [];
    onInteraction(async (i) => {
      if (i.isAutocomplete()) {
        focused.push(i.options.getFocused(true));
        await i.respond([{ name: "volumes", value: "volumes" }]);
      } else if (i.isButton()) {
        await i.update({ content: `Pressed ${i.customId}`, components: [] });
      }
    });
    const ac = await discord.interact(discord.autocomplete("docker", { query: "vol" }, "query"));
    expect(ac.callback).toEqual({ type: 8, data: { choices: [{ name: "volumes", value: "volumes" }] } });
    expect(focused).toEqual([
      { name: "query", type: ApplicationCommandOptionType.String, value: "vol", focused: true },
    ]);

    const press = discord.button("quiz:answer:2");
    const r = await discord.interact(press);
    expect(r.callback).toEqual({ type: 7, data: expect.objectContaining({ content: "Pressed quiz:answer:2" }) });
    expect(r.original()).toMatchObject({ id: press.message.id, content: "Pressed quiz:answer:2", components: [] });
    expect(failures).toEqual([]);
  });

  it("gives one message for a nonce sent twice with enforceNonce", async () => {
    const { discord, client } = await setup();
    const channel = client.channels.cache.get(discord.channelId) as TextChannel;
    const first = await channel.send({ content: "Quiz time", nonce: "quiz-42", enforceNonce: true });
    const again = await channel.send({ content: "Quiz time", nonce: "quiz-42", enforceNonce: true });
    expect(again.id).toBe(first.id);
    const posts = discord.requests.filter(channelPosts);
    expect(posts.map((p) => p.body)).toEqual([
      expect.objectContaining({ nonce: "quiz-42", enforce_nonce: true }),
      expect.objectContaining({ nonce: "quiz-42", enforce_nonce: true }),
    ]);
    expect([...discord.messages.values()].filter((m) => m.channel_id === discord.channelId)).toHaveLength(1);
  });

  it("answers a nonce sent again by another client with the message it made, but only for a few minutes", async () => {
    const { discord, client } = await setup({ standin: { nonceWindowMs: 200 } });
    const channel = client.channels.cache.get(discord.channelId) as TextChannel;
    const first = await channel.send({ content: "Quiz time", nonce: "round-7", enforceNonce: true });
    // A replica resuming the post after the first one died: a REST call of its own, the same nonce.
    const again = await fetch(`${discord.apiUrl}/v10/channels/${discord.channelId}/messages`, {
      method: "POST",
      headers: { authorization: `Bot ${discord.token}`, "content-type": "application/json" },
      body: JSON.stringify({ content: "Quiz time", nonce: "round-7", enforce_nonce: true }),
    });
    expect(((await again.json()) as { id: string }).id).toBe(first.id);
    await new Promise((r) => setTimeout(r, 250));
    const later = await channel.send({ content: "Quiz time", nonce: "round-7", enforceNonce: true });
    expect(later.id).not.toBe(first.id);
    expect([...discord.messages.values()].filter((m) => m.channel_id === discord.channelId)).toHaveLength(2);
  });

  it("makes the client wait out a 429 and retry by itself", async () => {
    const { discord, client } = await setup();
    const limited: number[] = [];
    client.rest.on("rateLimited", (info) => limited.push(info.timeToReset));
    discord.failNext("POST", /^\/channels\/\d+\/messages$/, { status: 429, retryAfterS: 0.25 });
    const channel = client.channels.cache.get(discord.channelId) as TextChannel;
    const started = Date.now();
    const msg = await channel.send("Hello after the limit");
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(msg.content).toBe("Hello after the limit");
    expect(discord.requests.filter(channelPosts).map((r) => r.status)).toEqual([429, 200]);
    // One wait for the planted 429 (discord.js may add a wait of a millisecond or two when its timer
    // fires just before the reset time it computed).
    const waits = (min: number) => limited.filter((t) => t >= min).length;
    expect(waits(200)).toBe(1);

    // A global limit blocks every route until it resets.
    discord.failNext("GET", /^\/users\/\d+$/, { status: 429, retryAfterS: 0.1, global: true });
    await expect(client.users.fetch(BOB.id, { force: true })).resolves.toMatchObject({ username: "bob" });
    expect(discord.requests.filter((r) => r.path === `/users/${BOB.id}`).map((r) => r.status)).toEqual([429, 200]);
    expect(waits(50)).toBe(2);
  });

  it("records a multipart send: the payload_json body and the file names", async () => {
    const { discord, client } = await setup();
    const channel = client.channels.cache.get(discord.channelId) as TextChannel;
    await channel.send({
      content: "Compose file attached",
      files: [{ attachment: Buffer.from("services: {}"), name: "compose.yaml" }],
    });
    const post = await discord.waitFor(channelPosts);
    expect(post.headers["content-type"]).toMatch(/^multipart\/form-data/);
    expect(post.body.content).toBe("Compose file attached");
    expect(post.files).toEqual(["compose.yaml"]);
  });

  it("fails a 500 with retries: 0, and the next call goes through", async () => {
    const { discord, client } = await setup();
    discord.failNext("POST", /^\/channels\/\d+\/messages$/, { status: 500 });
    const channel = client.channels.cache.get(discord.channelId) as TextChannel;
    await expect(channel.send("first")).rejects.toMatchObject({ status: 500 });
    await expect(channel.send("second")).resolves.toMatchObject({ content: "second" });
  });

  it("rejects a DM to a user who closed DMs with 50007, and oversized content with 50035", async () => {
    const { discord, client } = await setup();
    discord.closeDms(BOB.id);
    const bob = await client.users.fetch(BOB.id);
    const error = await bob.send("Welcome aboard").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ code: 50007, status: 403 });
    expect(discord.requests.some((r) => r.path === "/users/@me/channels" && r.body.recipient_id === BOB.id)).toBe(true);

    const channel = client.channels.cache.get(discord.channelId) as TextChannel;
    await expect(channel.send("x".repeat(2001))).rejects.toMatchObject({ code: 50035, status: 400 });
  });

  it("registers commands globally and per guild", async () => {
    const { discord, client } = await setup();
    const spec: ChatInputApplicationCommandData = {
      name: "docker",
      description: "Ask about Docker",
      options: [{ type: ApplicationCommandOptionType.String, name: "query", description: "What", required: true }],
    };
    const global = await client.application?.commands.set([spec]);
    expect(global?.first()?.name).toBe("docker");
    await client.application?.commands.set([spec], discord.guildId);
    const put = await discord.waitFor(
      (r) => r.method === "PUT" && r.path.endsWith(`/guilds/${discord.guildId}/commands`),
    );
    expect(put.body).toEqual([expect.objectContaining({ name: "docker" })]);
    expect(discord.commands.get("global")?.[0]?.options).toHaveLength(1);
    expect(discord.commands.get(discord.guildId)?.[0]?.guild_id).toBe(discord.guildId);
  });

  it("resumes after op 7 and replays an interaction sent meanwhile", async () => {
    const { discord, client, onInteraction } = await setup();
    const replies: string[] = [];
    onInteraction(async (i) => {
      if (!i.isChatInputCommand()) return;
      replies.push(i.options.getString("query") ?? "");
      await i.reply({ content: "ok", allowedMentions: { parse: [] } });
    });
    const resumed = once(client, Events.ShardResume);
    const reconnecting = discord.reconnect();
    // Dispatched after the client closed its socket and before it resumed: only the replay brings it.
    await expect.poll(() => discord.connections[0]?.closeCode).toBe(4200);
    const during = discord.interact(discord.slash("docker", { query: "during" }));
    await reconnecting;
    await resumed;
    expect((await during).callback.type).toBe(4);
    expect(discord.resumes).toBe(1);
    expect(discord.identifies).toBe(1);
    expect(discord.connections.map((c) => c.closeCode)).toEqual([4200, undefined]);
    const after = await discord.interact(discord.slash("docker", { query: "after" }));
    expect(after.callback.type).toBe(4);
    expect(replies).toEqual(["during", "after"]);
  });

  it("fires guildMemberAdd only for a client with the GuildMembers intent", async () => {
    const { discord, client } = await setup();
    const joined = once(client, Events.GuildMemberAdd) as Promise<[GuildMember]>;
    expect(discord.memberJoin(discord.guildId, user("1300000000000000001", "carol"))).toBe(1);
    const [member] = await joined;
    expect(member.user.username).toBe("carol");
    expect(member.guild.id).toBe(discord.guildId);

    const other = await setup({ client: { intents: [GatewayIntentBits.Guilds] } });
    expect(other.discord.memberJoin(other.discord.guildId, user("1300000000000000002", "dave"))).toBe(0);
  });

  it("answers a callback after the deadline with 10062 Unknown interaction", async () => {
    const { discord, failures, onInteraction } = await setup({ standin: { interactionDeadlineMs: 30 } });
    onInteraction(async (i) => {
      if (!i.isChatInputCommand()) return;
      await new Promise((r) => setTimeout(r, 60));
      await i.reply({ content: "too late" });
    });
    const r = await discord.interact(discord.slash("docker", { query: "slow" }));
    expect(r.request.status).toBe(404);
    await expect.poll(() => failures).toEqual([expect.objectContaining({ code: 10062 })]);
  });
});
