import { GatewayDispatchEvents } from "discord-api-types/v10";
import { afterEach, describe, expect, it, vi } from "vitest";
import { INTERACTION_CLAIM } from "../../../src/adapters/discord/inbound.ts";
import { type DiscordAdapter, startDiscord } from "../../../src/adapters/discord/lifecycle.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import { type DiscordHarness, startDiscordHarness, TEST_CLIENT } from "../../fakes/discord/harness.ts";
import { ALICE } from "../../fakes/discord/standin.ts";

/**
 * Two replicas on one shard both receive every gateway event (platform-facts.md). With a shared
 * store, each interaction and each member join is handled by exactly one of them.
 */
let h: DiscordHarness | undefined;
let second: DiscordAdapter | undefined;
afterEach(async () => {
  await second?.stop();
  await h?.close();
  second = undefined;
  h = undefined;
});

async function twoReplicas(o: { welcome?: boolean } = {}) {
  h = await startDiscordHarness({ welcome: o.welcome ?? false });
  second = await startDiscord({
    dispatcher: h.parts.dispatcher,
    events: h.store,
    log: silentLogger(),
    token: h.discord.token,
    applicationId: h.discord.applicationId,
    apiUrl: h.discord.apiUrl,
    graceMs: 60_000,
    client: TEST_CLIENT,
    ...(o.welcome ? { onMemberJoined: (m) => (h as DiscordHarness).parts.onboarding.welcome(m) } : {}),
  });
  return h;
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe("several replicas on one shard", () => {
  it("answer each slash command once", async () => {
    const w = await twoReplicas();
    for (let i = 0; i < 5; i++) {
      const payload = w.discord.slash("docker", { question: "volumes vs bind mounts" });
      await w.discord.interact(payload);
    }
    await settle();
    const callbacks = w.discord.requests.filter((r) => /^\/interactions\/\d+\/[^/]+\/callback$/.test(r.path));
    expect(callbacks).toHaveLength(5);
    expect(callbacks.every((r) => r.status === 204)).toBe(true);
  });

  it("welcome a new member once", async () => {
    const w = await twoReplicas({ welcome: true });
    w.discord.memberJoin(w.discord.guildId, ALICE);
    await w.discord.waitFor((r) => r.method === "POST" && r.path === "/users/@me/channels");
    await settle();
    const dms = w.discord.requests.filter((r) => r.method === "POST" && r.path === "/users/@me/channels");
    expect(dms).toHaveLength(1);
  });
});

describe("an interaction whose replica died after claiming it", () => {
  /** The claim a replica took just before it died: never renewed, never finished. */
  const deadClaim = (store: DiscordHarness["store"], id: string) =>
    store.claims.take({ kind: INTERACTION_CLAIM, key: id, owner: "replica-dead", now: new Date(), leaseMs: 1_000 });

  it("is answered by a surviving replica once the claim's lease runs out, inside Discord's 3 seconds", async () => {
    h = await startDiscordHarness();
    const payload = h.discord.slash("docker", { question: "volumes vs bind mounts" });
    await deadClaim(h.store, payload.id);
    const r = await h.discord.interact(payload);
    expect(r.request.status).toBe(204);
    expect(r.callback.type).toBe(4);
    const store = h.store;
    await vi.waitFor(async () =>
      expect(await store.claims.get(INTERACTION_CLAIM, payload.id)).toMatchObject({ attempts: 2, result: "done" }),
    );
  });

  it("deferred before it died: the survivor fills in the placeholder instead of answering again", async () => {
    h = await startDiscordHarness();
    const { discord } = h;
    const payload = discord.slash("docker", { question: "volumes vs bind mounts" });
    await deadClaim(h.store, payload.id);
    discord.dispatch(GatewayDispatchEvents.InteractionCreate, payload);
    // The dead replica's "thinking…" reached Discord.
    const deferred = await fetch(`${discord.apiUrl}/v10/interactions/${payload.id}/${payload.token}/callback`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: 5 }),
    });
    expect(deferred.status).toBe(204);
    const hook = `/webhooks/${discord.applicationId}/${payload.token}`;
    const edit = await discord.waitFor((x) => x.method === "PATCH" && x.path === `${hook}/messages/@original`, 5_000);
    expect(edit.status).toBe(200);
    expect(JSON.stringify(edit.body)).toMatch(/volume/i);
    const callbacks = discord.requests.filter(
      (x) => x.path === `/interactions/${payload.id}/${payload.token}/callback`,
    );
    expect(callbacks).toHaveLength(1);
  });
});
