import { webApi } from "@slack/bolt";
import { REST } from "discord.js";
import { Routes } from "discord-api-types/v10";
import { afterEach, describe, expect, it } from "vitest";
import { startDiscordStandin } from "./discord/standin.ts";
import { BOT_TOKEN, SlackStandIn } from "./slack/standin.ts";

/**
 * The stand-ins' rate-limit modes: over a limit they answer 429 with the headers the real clients
 * read, and the real clients (discord.js's REST, Slack's WebClient) wait and get through.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const json = { "content-type": "application/json" };

describe("Discord stand-in, rate-limit mode", () => {
  async function discordWith(limits: { globalLimit?: number; channelLimit?: number; channelWindowMs?: number }) {
    const discord = await startDiscordStandin({
      rateLimits: { globalWindowMs: 1000, ...limits },
      guilds: [
        { id: "1000000000000000001", name: "G", channels: [0, 1, 2].map((i) => ({ id: `20${i}`, name: `c${i}` })) },
      ],
    });
    cleanups.push(() => discord.close());
    const send = (channel: string, auth = true) =>
      fetch(`${discord.apiUrl}/v10/channels/${channel}/messages`, {
        method: "POST",
        headers: { ...json, ...(auth ? { authorization: `Bot ${discord.token}` } : {}) },
        body: JSON.stringify({ content: "hello" }),
      });
    return { discord, send };
  }

  it("gives each channel 5 sends in its window, with bucket headers, then 429 for that channel only", async () => {
    const { discord, send } = await discordWith({ globalLimit: 1000 });
    const first = await send("200");
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit")).toBe("5");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("4");
    expect(first.headers.get("x-ratelimit-bucket")).toMatch(/^\w+$/);
    expect(Number(first.headers.get("x-ratelimit-reset-after"))).toBeGreaterThan(0);
    for (let i = 0; i < 4; i++) expect((await send("200")).status).toBe(200);
    const over = await send("200");
    expect(over.status).toBe(429);
    expect(over.headers.get("x-ratelimit-scope")).toBe("user");
    expect(over.headers.get("x-ratelimit-global")).toBeNull();
    expect(over.headers.get("x-ratelimit-remaining")).toBe("0");
    const body = (await over.json()) as { retry_after: number; global: boolean };
    expect(body.global).toBe(false);
    expect(body.retry_after).toBeGreaterThan(0);
    expect(Number(over.headers.get("retry-after"))).toBe(body.retry_after);
    // another channel has its own bucket
    expect((await send("201")).status).toBe(200);
    expect(discord.limiter?.limited).toEqual({ global: 0, channel: 1 });
  });

  it("answers 429 with the global flag past the global limit; unauthenticated calls do not count", async () => {
    const { discord, send } = await discordWith({ globalLimit: 3, channelLimit: 100 });
    for (let i = 0; i < 3; i++) expect((await send("200")).status).toBe(200);
    const over = await send("201");
    expect(over.status).toBe(429);
    expect(over.headers.get("x-ratelimit-global")).toBe("true");
    expect(over.headers.get("x-ratelimit-scope")).toBe("global");
    expect(((await over.json()) as { global: boolean }).global).toBe(true);
    // without a token (as interaction callbacks go) the call is not refused by the global limit
    expect((await send("201", false)).status).toBe(401);
    expect(discord.limiter?.limited.global).toBe(1);
  });

  it("discord.js waits out both limits and every send gets through, once", async () => {
    const { discord } = await discordWith({ globalLimit: 4, channelLimit: 2, channelWindowMs: 400 });
    // The client believes in 50 a second: the stand-in's 4 a second makes it meet global 429s.
    const rest = new REST({ api: discord.apiUrl, retries: 0, timeout: 5000, offset: 0 }).setToken(discord.token);
    const sends = ["200", "200", "200", "201", "201", "202", "202", "202"].map((ch, i) =>
      rest.post(Routes.channelMessages(ch), { body: { content: `m${i}` } }),
    );
    const sent = (await Promise.all(sends)) as { content: string; channel_id: string }[];
    expect(sent.map((m) => m.content)).toEqual(["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"]);
    expect(discord.messages.size).toBe(8);
    const limited = discord.limiter?.limited ?? { global: 0, channel: 0 };
    expect(limited.global + limited.channel).toBeGreaterThan(0);
    expect(discord.requests.filter((r) => r.status === 429)).toHaveLength(limited.global + limited.channel);
  });
});

describe("Slack stand-in, rate-limit mode", () => {
  it("allows a short burst per channel, then 429 with Retry-After; the WebClient retries through", async () => {
    const slack = await SlackStandIn.start({ postLimit: { perSecond: 1, burst: 2 } });
    cleanups.push(() => slack.close());
    const post = (channel: string) =>
      fetch(`${slack.apiUrl}chat.postMessage`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Bearer ${BOT_TOKEN}` },
        body: new URLSearchParams({ channel, text: "hi" }).toString(),
      });
    expect((await post("C1")).status).toBe(200);
    expect((await post("C1")).status).toBe(200);
    const over = await post("C1");
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await over.json()).toEqual({ ok: false, error: "ratelimited" });
    expect((await post("C2")).status).toBe(200); // another channel's bucket is full
    expect(slack.limited).toBe(1);

    // Bolt's WebClient (default retry policy) waits Retry-After and posts.
    const client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl });
    const res = await client.chat.postMessage({ channel: "C1", text: "after the wait" });
    expect(res.ok).toBe(true);
    expect(slack.limited).toBeGreaterThanOrEqual(2);
    const texts = [...slack.messages.values()].filter((m) => m.channel === "C1").map((m) => m.text);
    expect(texts).toEqual(["hi", "hi", "after the wait"]);
  }, 20_000);
});
