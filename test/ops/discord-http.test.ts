import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buttonId, textOf } from "../fakes/discord/harness.ts";
import { InteractionsClient } from "../fakes/discord/http.ts";
import { type DiscordStandin, startDiscordStandin } from "../fakes/discord/standin.ts";
import { type Running, startDockhand } from "./dockhand-process.ts";

/**
 * A real `dockhand start` with DISCORD_PUBLIC_KEY and PORT, against the Discord stand-in: signed
 * requests to POST /discord/interactions are answered in the HTTP response; every badly signed one
 * gets 401 (Discord checks this before it accepts an Interactions Endpoint URL).
 */
const cleanups: (() => Promise<void> | void)[] = [];
let discord: DiscordStandin;
let http: InteractionsClient;
let app: Running;

beforeAll(async () => {
  discord = await startDiscordStandin();
  cleanups.push(() => discord.close());
  http = new InteractionsClient(discord);
  app = await startDockhand(
    {
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_PUBLIC_KEY: http.publicKeyHex,
    },
    cleanups,
  );
  http.url = `http://127.0.0.1:${app.port}/discord/interactions`;
}, 60_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const ping = () => JSON.stringify({ type: 1, id: "1", application_id: discord.applicationId, token: "t", version: 1 });

describe("POST /discord/interactions signatures", () => {
  it("answers a signed PING with PONG", async () => {
    const body = ping();
    const res = await http.post(body, http.headers(body));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ type: 1 });
  });

  it("refuses a tampered body, a wrong key, a stale or future timestamp and missing headers with 401", async () => {
    const body = ping();
    const good = http.headers(body);
    const tampered = body.replace('"type":1', '"type":2');
    const wrongKey = generateKeyPairSync("ed25519").privateKey;
    const now = Math.floor(Date.now() / 1000);
    const attempts: [string, string, Record<string, string>][] = [
      ["tampered body", tampered, good],
      ["wrong key", body, http.headers(body, { key: wrongKey })],
      ["stale timestamp", body, http.headers(body, { timestamp: now - 6 * 60 })],
      ["future timestamp", body, http.headers(body, { timestamp: now + 6 * 60 })],
      ["no headers", body, {}],
      ["no signature", body, { "x-signature-timestamp": good["x-signature-timestamp"] as string }],
      ["no timestamp", body, { "x-signature-ed25519": good["x-signature-ed25519"] as string }],
      ["signature not hex", body, { ...good, "x-signature-ed25519": "zz" }],
      ["timestamp changed after signing", body, { ...good, "x-signature-timestamp": String(now - 1) }],
    ];
    for (const [what, b, headers] of attempts) {
      const res = await http.post(b, headers);
      expect({ what, status: res.status }).toEqual({ what, status: 401 });
    }
    // Still serving after all that.
    expect((await http.post(body, http.headers(body))).status).toBe(200);
  });

  it("answers a well-signed body that is not an interaction with 400, and a huge one with 413", async () => {
    for (const body of ["not json", "[]", "null", '{"type":"x"}']) {
      const res = await http.post(body, http.headers(body));
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    const huge = JSON.stringify({ type: 1, pad: "x".repeat(300 * 1024) });
    expect((await http.post(huge, http.headers(huge))).status).toBe(413);
    expect(app.child.exitCode).toBeNull();
  });

  it("never fails on a signed body of any shape: 200 or 400, and the process stays up", async () => {
    const shapes = fc.oneof(
      fc.json(),
      fc.string(),
      fc.record({
        type: fc.oneof(fc.integer({ min: -1, max: 6 }), fc.string(), fc.constant(null)),
        id: fc.oneof(fc.string(), fc.integer()),
        token: fc.oneof(fc.string(), fc.constant(null)),
        data: fc.oneof(fc.json(), fc.record({ name: fc.string(), custom_id: fc.string(), options: fc.json() })),
        member: fc.json(),
        guild_id: fc.oneof(fc.string(), fc.integer()),
      }),
    );
    await fc.assert(
      fc.asyncProperty(shapes, async (shape) => {
        const body = typeof shape === "string" ? shape : JSON.stringify(shape);
        const res = await http.post(body, http.headers(body));
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: 150 },
    );
    expect(app.child.exitCode).toBeNull();
    expect(app.stdout()).not.toMatch(/"level":(50|60)/); // nothing logged as an error
  });

  it("takes only POST on the endpoint", async () => {
    const res = await fetch(http.url);
    expect(res.status).toBe(405);
  });
});

describe("interactions over HTTP", () => {
  // biome-ignore lint/suspicious/noExplicitAny: the first answer's response body, read by the next tests.
  let first: any;

  it("answers a slash command in the response, through the same renderer as the gateway", async () => {
    const r = await http.interact(discord.slash("docker", { question: "volumes vs bind mounts" }));
    expect(r.status).toBe(200);
    expect(r.body.type).toBe(4); // CHANNEL_MESSAGE_WITH_SOURCE
    expect(r.callback?.status).toBe(204); // the stand-in found it within Discord's limits, in time
    expect(textOf(r.body.data)).toMatch(/volume/i);
    expect(textOf(r.body.data)).toMatch(/bind mount/i);
    expect(r.body.data.allowed_mentions).toEqual({ parse: [] });
    expect(r.body.data.flags ?? 0).toBe(0); // public
    first = r.body.data;
  });

  it("answers a button press on that answer, only to the one who pressed", async () => {
    const r = await http.interact(discord.button(buttonId(first, "👍")));
    expect(r.status).toBe(200);
    expect(r.body.type).toBe(4);
    expect(r.body.data.flags & 64).toBe(64); // ephemeral
    expect(textOf(r.body.data)).toMatch(/thank|vote/i);
    expect(r.callback?.status).toBe(204);
  });

  it("answers a repeat of the same question within a minute only to the asker", async () => {
    const r = await http.interact(discord.slash("docker", { question: "volumes vs bind mounts" }));
    expect(r.body.type).toBe(4);
    expect(r.body.data.flags & 64).toBe(64);
    expect(textOf(r.body.data)).toMatch(/posted in this channel/);
  });

  it("answers autocomplete with at most 25 matching choices", async () => {
    const r = await http.interact(discord.autocomplete("docker", { question: "volum" }, "question"));
    expect(r.status).toBe(200);
    expect(r.body.type).toBe(8);
    const choices = r.body.data.choices as { name: string; value: string }[];
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.length).toBeLessThanOrEqual(25);
    expect(choices.some((c) => /volume/i.test(c.name))).toBe(true);
    expect(r.callback?.status).toBe(204);
  });

  it("reports the endpoint in /healthz's neighbour /readyz as ready", async () => {
    const res = await fetch(`http://127.0.0.1:${app.port}/readyz`);
    expect(res.status).toBe(200);
  });
});
