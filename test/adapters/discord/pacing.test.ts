import { Client, type RateLimitData } from "discord.js";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { DiscordOutbound, handBackGlobalSends } from "../../../src/adapters/discord/outbound.ts";
import { SendPacer, SharedPacer, type SharedSlots } from "../../../src/adapters/discord/pacing.ts";
import type { Reply } from "../../../src/core/reply.ts";
import { startDiscordStandin } from "../../fakes/discord/standin.ts";

/** Slots that record what the pacer asked for; `down` makes them fail like a database that is away. */
function recordingSlots(waitMs = 0) {
  const calls: string[] = [];
  let down = false;
  const slots: SharedSlots = {
    async reserve(name, gapMs) {
      calls.push(`reserve ${name} ${gapMs.toFixed(2)}`);
      if (down) throw new Error("connection refused");
      return waitMs;
    },
    async pause(name, ms) {
      calls.push(`pause ${name} ${ms}`);
      if (down) throw new Error("connection refused");
    },
  };
  return {
    slots,
    calls,
    setDown: (d: boolean) => {
      down = d;
    },
  };
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: "info" }, { write: (l: string) => lines.push(JSON.parse(l)) });
  return { log, lines };
}

describe("SharedPacer", () => {
  it("takes every send's time from the shared slots, spaced for 48 a second", async () => {
    const { slots, calls } = recordingSlots();
    const pacer = new SharedPacer(slots, capture().log);
    await pacer.turn();
    await pacer.turn();
    expect(calls).toEqual(["reserve discord-global 20.83", "reserve discord-global 20.83"]);
  });

  it("a stray global 429 (a send that left late) pauses nobody; 429s in numbers pause every replica, at most 5 s", async () => {
    const { slots, calls } = recordingSlots();
    const pacer = new SharedPacer(slots, capture().log);
    for (let i = 0; i < 4; i++) pacer.globalLimited(300);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([]);
    pacer.globalLimited(1_250);
    pacer.globalLimited(60_000);
    pacer.globalLimited();
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual(["pause discord-global 1250", "pause discord-global 5000", "pause discord-global 1000"]);
  });

  it("holds at most four reservations at a time: a process that stalls loses few of the replicas' send times", async () => {
    let reserved = 0;
    let inFlight = 0;
    let most = 0;
    const slots: SharedSlots = {
      // A slow round trip to the database: the reservations a process holds are the ones in flight.
      async reserve() {
        reserved += 1;
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight -= 1;
        return 0;
      },
      async pause() {},
    };
    const pacer = new SharedPacer(slots, capture().log);
    const order: number[] = [];
    await Promise.all(Array.from({ length: 10 }, (_, i) => pacer.turn().then(() => order.push(i))));
    expect(reserved).toBe(10);
    expect(most).toBe(4);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("paces alone while the database is away, says so once, and says when shared pacing is back", async () => {
    const { slots, calls, setDown } = recordingSlots();
    const { log, lines } = capture();
    const pacer = new SharedPacer(slots, log);
    setDown(true);
    await pacer.turn();
    await pacer.turn();
    for (let i = 0; i < 5; i++) pacer.globalLimited(500);
    await new Promise((r) => setImmediate(r));
    setDown(false);
    await pacer.turn();
    expect(calls.filter((c) => c.startsWith("reserve"))).toHaveLength(3);
    const said = lines.map((l) => l.msg);
    expect(said.filter((m) => m === "could not reserve a shared send time; pacing alone")).toHaveLength(1);
    expect(said).toContain("could not pause the shared send times after a 429");
    expect(said.at(-1)).toBe("shared send pacing is back");
  });
});

describe("SendPacer", () => {
  it("cuts its pace by a quarter on a global 429, once for the sends already on their way", () => {
    const pacer = new SendPacer(48);
    pacer.globalLimited();
    pacer.globalLimited();
    expect(pacer.perSecond).toBeCloseTo(36, 0);
  });
});

describe("quiz posts meeting Discord's global limit (real discord.js against the stand-in)", () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("a send handed back by the global limit waits, takes a new paced turn and goes out once", async () => {
    const channels = Array.from({ length: 8 }, (_, i) => ({
      id: String(3_000_000_000_000_000_000n + BigInt(i)),
      name: `q${i}`,
    }));
    // The stand-in allows 4 sends a second; the pacer believes in 50, so sends meet global 429s.
    const discord = await startDiscordStandin({
      guilds: [{ id: "1000000000000000001", name: "G", channels }],
      rateLimits: { globalLimit: 4, globalWindowMs: 1000, channelLimit: 100 },
    });
    cleanups.push(() => discord.close());
    const client = new Client({
      intents: [],
      rest: { api: discord.apiUrl, rejectOnRateLimit: handBackGlobalSends, offset: 0, retries: 0 },
    });
    client.rest.setToken(discord.token);
    cleanups.push(() => client.destroy());
    const pacer = new SendPacer(50);
    let turns = 0;
    const counted = {
      turn: () => {
        turns += 1;
        return pacer.turn();
      },
      globalLimited: () => pacer.globalLimited(),
    };
    const out = new DiscordOutbound(client, capture().log, 60_000, counted);
    const reply: Reply = { text: "Which instruction sets the default command?", visibility: "channel", fallback: "q" };
    await Promise.all(
      channels.map((c, i) =>
        out.post({ platform: "discord", workspaceId: "1000000000000000001", channelId: c.id }, reply, {
          tag: `round-${i}`,
        }),
      ),
    );
    const perChannel = new Map<string, number>();
    for (const m of discord.messages.values()) perChannel.set(m.channel_id, (perChannel.get(m.channel_id) ?? 0) + 1);
    expect([...perChannel.values()]).toEqual(channels.map(() => 1));
    expect(discord.limiter?.limited.global).toBeGreaterThan(0);
    // Every handed-back send took a turn again: more turns than posts.
    expect(turns).toBeGreaterThan(channels.length);
  });

  it("hands back only global limits on message sends; everything else discord.js waits out itself", () => {
    const d = { global: true, method: "POST", route: "/channels/:id/messages" } as RateLimitData;
    expect(handBackGlobalSends(d)).toBe(true);
    expect(handBackGlobalSends({ ...d, global: false })).toBe(false);
    expect(handBackGlobalSends({ ...d, method: "PATCH", route: "/channels/:id/messages/:id" })).toBe(false);
    expect(handBackGlobalSends({ ...d, route: "/interactions/:id/:token/callback" })).toBe(false);
  });
});
