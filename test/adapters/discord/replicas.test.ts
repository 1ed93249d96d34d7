import { afterEach, describe, expect, it } from "vitest";
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
