import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Dispatcher } from "../../../src/core/dispatch.ts";
import { buttonId, type DiscordHarness, startDiscordHarness, textOf } from "../../fakes/discord/harness.ts";
import { InteractionsClient } from "../../fakes/discord/http.ts";

/**
 * The HTTP interactions path in-process (the adapter's handler on a plain node:http server), where a
 * test can hold the core's answers back: deferred commands and buttons, finished through the webhook.
 */
let h: DiscordHarness | undefined;
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await h?.close();
  h = undefined;
  server = undefined;
});

/** Holds the core's answers while closed, as a slow database would. */
class Gate {
  #wait: Promise<void> = Promise.resolve();
  #open: () => void = () => {};
  close(): void {
    this.#wait = new Promise((r) => {
      this.#open = r;
    });
  }
  open(): void {
    this.#open();
  }
  wrap = (d: Dispatcher): Dispatcher =>
    Object.assign(Object.create(d) as Dispatcher, {
      command: (...a: Parameters<Dispatcher["command"]>) => this.#wait.then(() => d.command(...a)),
      action: (...a: Parameters<Dispatcher["action"]>) => this.#wait.then(() => d.action(...a)),
    });
}

async function setUp() {
  const gate = new Gate();
  const http = new InteractionsClient();
  h = await startDiscordHarness({ wrap: gate.wrap, deferAfterMs: 200, adapter: { publicKey: http.publicKeyHex } });
  http.standin = h.discord;
  const handler = h.adapter.httpHandler;
  if (!handler) throw new Error("no HTTP handler with a public key");
  const s = createServer(handler);
  server = s;
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  http.url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/discord/interactions`;
  return { gate, http, discord: h.discord };
}

describe("deferred interactions over HTTP", () => {
  it("a slow command is deferred in the response, then @original is edited with the answer", async () => {
    const { gate, http, discord } = await setUp();
    gate.close();
    const payload = discord.slash("docker", { question: "volumes vs bind mounts" });
    const r = await http.interact(payload);
    expect(r.body.type).toBe(5);
    expect(r.callback?.status).toBe(204);
    expect(textOf(r.body.data)).toBe(""); // nothing yet: Discord shows "thinking…"
    gate.open();
    const hook = `/webhooks/${discord.applicationId}/${payload.token}/messages/@original`;
    const edit = await discord.waitFor((q) => q.method === "PATCH" && q.path === hook);
    expect(edit.status).toBe(200);
    expect(edit.headers.authorization).toBeUndefined();
    expect(textOf(edit.body)).toMatch(/volume/i);
  });

  it("a slow button is deferred as an update (type 6), then answered with an ephemeral follow-up", async () => {
    const { gate, http, discord } = await setUp();
    const first = await http.interact(discord.slash("docker", { question: "volumes vs bind mounts" }));
    expect(first.body.type).toBe(4);
    gate.close();
    const payload = discord.button(buttonId(first.body.data, "👍"));
    const r = await http.interact(payload);
    expect(r.body.type).toBe(6);
    gate.open();
    const hook = `/webhooks/${discord.applicationId}/${payload.token}`;
    const follow = await discord.waitFor((q) => q.method === "POST" && q.path === hook);
    expect(follow.status).toBe(200);
    expect(follow.body.flags & 64).toBe(64);
    expect(textOf(follow.body)).toMatch(/thank|vote/i);
  });

  it("a slow only-me answer after a public defer replaces the placeholder with an ephemeral follow-up", async () => {
    const { gate, http, discord } = await setUp();
    await http.interact(discord.slash("docker", { question: "volumes vs bind mounts" }));
    gate.close();
    // The same question within a minute in the same channel is answered only to the asker.
    const payload = discord.slash("docker", { question: "volumes vs bind mounts" });
    const r = await http.interact(payload);
    expect(r.body.type).toBe(5);
    gate.open();
    const hook = `/webhooks/${discord.applicationId}/${payload.token}`;
    const deleted = await discord.waitFor((q) => q.method === "DELETE" && q.path === `${hook}/messages/@original`);
    expect(deleted.status).toBe(204);
    const follow = await discord.waitFor((q) => q.method === "POST" && q.path === hook);
    expect(follow.body.flags & 64).toBe(64);
    expect(textOf(follow.body)).toMatch(/posted in this channel/);
  });

  it("while stopping, answers an interaction with 503 but still PING", async () => {
    const { http } = await setUp();
    await h?.adapter.stop();
    const body = JSON.stringify({
      type: 2,
      id: "1",
      token: "t",
      data: { name: "help" },
      user: { id: "1", username: "a" },
    });
    expect((await http.post(body, http.headers(body))).status).toBe(503);
    const ping = JSON.stringify({ type: 1 });
    expect((await http.post(ping, http.headers(ping))).status).toBe(200);
  });
});
