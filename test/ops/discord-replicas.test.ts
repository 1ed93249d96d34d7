import { afterEach, describe, expect, it } from "vitest";
import { textOf } from "../fakes/discord/harness.ts";
import { InteractionsClient } from "../fakes/discord/http.ts";
import { BOB, type DiscordStandin, startDiscordStandin } from "../fakes/discord/standin.ts";
import { type Running, startDockhand } from "./dockhand-process.ts";
import { alive, baseUrl, freshSchema, until } from "./replicas.ts";

/**
 * Real `dockhand start` processes on one PostgreSQL schema, against the Discord stand-in: any of them
 * answers an interaction over HTTP (deferring slow work and finishing it through the webhook), and
 * exactly one holds the gateway, handing it over when it dies.
 */
if (!baseUrl) console.warn("TEST_DATABASE_URL is not set: skipping the Discord replica tests (PostgreSQL)");

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(n: number) {
  const { url, db } = await freshSchema(cleanups);
  const discord: DiscordStandin = await startDiscordStandin();
  cleanups.push(() => discord.close());
  const http = new InteractionsClient(discord);
  const env = {
    DATABASE_URL: url,
    DISCORD_TOKEN: discord.token,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_PUBLIC_KEY: http.publicKeyHex,
    DOCKHAND_WELCOME: "true",
    DOCKHAND_GATEWAY_RETRY_SECONDS: "1",
    LOG_LEVEL: "info",
  };
  const replicas: Running[] = [];
  // One after the other, so that which one holds the gateway is not a race the test depends on.
  for (let i = 0; i < n; i++) replicas.push(await startDockhand(env, cleanups));
  return { url, db, discord, http, replicas };
}

async function gatewayOf(r: Running): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${r.port}/healthz`);
  const body = (await res.json()) as { checks: { gateway?: { detail?: string } } };
  return body.checks.gateway?.detail ?? "";
}

const openConnections = (d: DiscordStandin) => d.connections.filter((c) => c.closeCode === undefined).length;

describe.skipIf(!baseUrl)("Discord replicas on PostgreSQL", () => {
  it("defer a command slower than the defer window and finish it through the webhook", async () => {
    const { db, discord, http, replicas } = await setUp(1);
    http.url = `http://127.0.0.1:${replicas[0]?.port}/discord/interactions`;
    // A database that answers slowly: the answer's write waits for this transaction.
    const blocker = await db.connect();
    await blocker.query("begin");
    await blocker.query("lock table queries in access exclusive mode");
    let released = false;
    try {
      const payload = discord.slash("docker", { question: "volumes vs bind mounts" });
      const r = await http.interact(payload);
      expect(r.status).toBe(200);
      expect(r.body.type).toBe(5); // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
      expect(r.callback?.status).toBe(204); // within Discord's 3 s
      await blocker.query("commit");
      released = true;
      const hook = `/webhooks/${discord.applicationId}/${payload.token}/messages/@original`;
      const edit = await discord.waitFor((q) => q.method === "PATCH" && q.path === hook, 15_000);
      expect(edit.status).toBe(200);
      expect(edit.headers.authorization).toBeUndefined(); // the interaction's token, not the bot's
      expect(textOf(edit.body)).toMatch(/volume/i);
      expect(edit.body.allowed_mentions).toEqual({ parse: [] });
    } finally {
      if (!released) await blocker.query("rollback").catch(() => undefined);
      blocker.release();
    }
  }, 90_000);

  it("hold one gateway session, and hand it over when its holder is killed", async () => {
    const { discord, http, replicas } = await setUp(2);
    const [a, b] = replicas as [Running, Running];
    expect(await gatewayOf(a)).toMatch(/^held by this replica/);
    expect(await gatewayOf(b)).toMatch(/^standby/);
    // A few retry periods later, still one session: the standby keeps trying and keeps failing.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(discord.identifies).toBe(1);
    expect(openConnections(discord)).toBe(1);
    // The standby answers interactions over HTTP all the same.
    http.url = `http://127.0.0.1:${b.port}/discord/interactions`;
    const answered = await http.interact(discord.slash("docker", { question: "what is a dockerfile" }));
    expect(answered.body.type).toBe(4);

    a.child.kill("SIGKILL");
    const { at: killedAt } = await a.exited;
    expect(alive(a)).toBe(false);
    await until(
      async () => /^held by this replica/.test(await gatewayOf(b)),
      "the standby to take the gateway",
      30_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; standby's log:\n${b.stdout().slice(-3000)}\n${b.stderr().slice(-2000)}`);
    });
    // For the record, not a check: how long the gateway had no holder on this machine.
    process.stderr.write(`gateway taken over ${Date.now() - killedAt} ms after its holder was killed\n`);
    await until(() => openConnections(discord) === 1, "the new session", 15_000);
    expect(discord.identifies).toBe(2);
    expect(b.stdout()).toMatch(/took the gateway lock/);

    // Member joins now reach the new holder, which welcomes the member (the dead holder's session
    // still counts in the stand-in, as Discord keeps a session for a while to resume it).
    discord.memberJoin(discord.guildId, BOB);
    const dm = await discord.waitFor((q) => q.method === "POST" && q.path === "/users/@me/channels", 15_000);
    expect(dm.body.recipient_id).toBe(BOB.id);
  }, 120_000);

  it("give the gateway back on a clean stop, so another replica takes it at once", async () => {
    const { discord, replicas } = await setUp(2);
    const [a, b] = replicas as [Running, Running];
    expect(await gatewayOf(a)).toMatch(/^held/);
    a.child.kill("SIGTERM");
    const { code } = await a.exited;
    expect(code).toBe(0);
    await until(
      async () => /^held by this replica/.test(await gatewayOf(b)),
      "the standby to take the gateway",
      30_000,
    );
    expect(discord.identifies).toBe(2);
  }, 120_000);
});
