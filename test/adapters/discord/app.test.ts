import { GatewayIntentBits, MessageFlags } from "discord.js";
import { afterEach, describe, expect, it } from "vitest";
import { DiscordTokenError, startDiscord } from "../../../src/adapters/discord/app.ts";
import type { Dispatcher } from "../../../src/core/dispatch.ts";
import { knowledge, makeFixture } from "../../core/fixture.ts";
import {
  buttonId,
  buttonsOf,
  type DiscordHarness,
  startDiscordHarness,
  TEST_CLIENT,
} from "../../fakes/discord/harness.ts";
import { BOB, startDiscordStandin } from "../../fakes/discord/standin.ts";

let h: DiscordHarness | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Choice = { name: string; value: string };

describe("Discord adapter: connecting", () => {
  it("logs in with only the Guilds intent, and asks for GuildMembers only when welcomes are on", async () => {
    h = await startDiscordHarness();
    expect(h.adapter.ready).toBe(true);
    expect(h.discord.lastIdentify?.intents).toBe(GatewayIntentBits.Guilds);
    expect(h.discord.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /gateway/bot"]);
    await h.close();

    h = await startDiscordHarness({ welcome: true });
    expect(h.discord.lastIdentify?.intents).toBe(GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers);
  });

  it("reports a wrong token in one line that names DISCORD_TOKEN and never shows the token", async () => {
    const discord = await startDiscordStandin();
    const f = await makeFixture();
    cleanups.push(
      () => discord.close(),
      () => f.close(),
    );
    const { kb, search } = knowledge();
    const token = "not-the-right-token.abc123";
    const error = await startDiscord({
      dispatcher: f.dispatcher,
      kb,
      search,
      store: f.store,
      log: f.ctx.log,
      token,
      applicationId: discord.applicationId,
      apiUrl: discord.apiUrl,
      graceMs: 1000,
      client: TEST_CLIENT,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordTokenError);
    const message = (error as Error).message;
    expect(message).toContain("DISCORD_TOKEN");
    expect(message).not.toContain(token);
    expect(message).not.toContain("\n");
    expect(discord.requests[0]).toMatchObject({ path: "/gateway/bot", status: 401 });
    expect(discord.identifies).toBe(0);
  });

  it("says which setting to change when Discord refuses the Server Members intent", async () => {
    const error = await startDiscordHarness({
      welcome: true,
      standin: { allowedIntents: GatewayIntentBits.Guilds },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Server Members Intent/);
    expect((error as Error).message).toMatch(/DOCKHAND_WELCOME/);
  });

  it("is ready again once a gateway reconnect (op 7) has resumed", async () => {
    h = await startDiscordHarness();
    await h.discord.reconnect();
    await expect.poll(() => h?.adapter.ready).toBe(true);
    expect(h.discord.resumes).toBe(1);
  });
});

describe("Discord adapter: slash commands", () => {
  it("answers /docker in the channel with an embed about the topic and no mentions", async () => {
    h = await startDiscordHarness();
    const { discord } = h;
    const r = await discord.interact(discord.slash("docker", { question: "volumes vs bind mounts" }));
    expect(r.callback.type).toBe(4);
    expect(r.request.status).toBe(204);
    const data = r.callback.data;
    expect(data.allowed_mentions).toEqual({ parse: [] });
    expect(data.flags ?? 0).toBe(0);
    const [embed] = data.embeds;
    expect(embed.title).toMatch(/volumes vs bind mounts/i);
    expect(embed.description).toMatch(/volume/i);
    expect(embed.description).toMatch(/bind mount/i);
    // The comparison shows as one inline field per side.
    expect(embed.fields.map((f: { name: string }) => f.name)).toEqual(["Volume", "Bind mount"]);
    expect(r.original()?.embeds[0]?.title).toBe(embed.title);

    // The question is recorded under the server and channel it was asked in.
    const rows = await h.store.db.selectFrom("queries").selectAll().execute();
    expect(rows).toEqual([
      expect.objectContaining({
        platform: "discord",
        workspace_id: discord.guildId,
        channel_id: discord.channelId,
        query: "volumes vs bind mounts",
      }),
    ]);
  });

  it("answers only-me replies ephemerally (flags 64)", async () => {
    h = await startDiscordHarness();
    const { discord } = h;
    const unknown = await discord.interact(discord.slash("docker", { question: "zzqqxx frobnicate" }));
    expect(unknown.callback.type).toBe(4);
    expect(unknown.callback.data.flags).toBe(MessageFlags.Ephemeral);
    expect(unknown.callback.data.embeds[0].description).toMatch(/nothing on “`zzqqxx frobnicate`”/);
    expect(unknown.callback.data.allowed_mentions).toEqual({ parse: [] });
    // Starter topics as buttons.
    expect(buttonsOf(unknown.callback.data).length).toBeGreaterThan(0);

    const me = await discord.interact(discord.slash("quiz", { action: "me" }));
    expect(me.callback).toMatchObject({ type: 4, data: { flags: MessageFlags.Ephemeral } });
    expect(me.callback.data.embeds[0].description).toMatch(/not answered a quiz question/);

    const bad = await discord.interact(discord.slash("quiz", { action: "dance" }));
    expect(bad.callback.data.flags).toBe(MessageFlags.Ephemeral);
    expect(bad.callback.data.embeds[0].description).toMatch(/option "action" is not valid/);
  });
});

describe("Discord adapter: autocomplete", () => {
  const choicesOf = async (h: DiscordHarness, command: string, option: string, typed: string): Promise<Choice[]> => {
    const r = await h.discord.interact(h.discord.autocomplete(command, { [option]: typed }, option));
    expect(r.callback.type).toBe(8);
    expect(r.request.status).toBe(204);
    const choices = r.callback.data.choices as Choice[];
    expect(choices.length).toBeLessThanOrEqual(25);
    for (const c of choices) {
      expect(c.name.length).toBeGreaterThan(0);
      expect(c.name.length).toBeLessThanOrEqual(100);
      expect(c.value.length).toBeLessThanOrEqual(100);
    }
    return choices;
  };

  it("suggests entries for a partial question, a typo and empty input", async () => {
    h = await startDiscordHarness();
    const partial = await choicesOf(h, "docker", "question", "volu");
    expect(partial.map((c) => c.name)).toContain("Volumes vs bind mounts");
    // Titles that start with the text come before entries that only have such an alias.
    expect(partial[0]?.name).toMatch(/^volu/i);

    const typo = await choicesOf(h, "docker", "question", "volumse vs bind mounts");
    expect(typo.map((c) => c.value)).toContain("Volumes vs bind mounts");

    const empty = await choicesOf(h, "docker", "question", "");
    expect(empty).toHaveLength(25);

    // Picking a suggestion answers that entry exactly.
    const r = await h.discord.interact(h.discord.slash("docker", { question: partial[0]?.value ?? "" }));
    expect(r.callback.data.embeds[0].title).toBe(partial[0]?.name);
  });

  it("suggests time zones for /quiz and tracks for /onboard", async () => {
    h = await startDiscordHarness();
    const zones = await choicesOf(h, "quiz", "timezone", "Europe/Be");
    expect(zones.map((c) => c.value)).toContain("Europe/Berlin");
    expect(zones.every((c) => c.value.toLowerCase().includes("europe/be"))).toBe(true);

    const tracks = await choicesOf(h, "onboard", "track", "");
    expect(tracks.map((c) => c.value)).toContain("docker-basics");
    const basics = await choicesOf(h, "onboard", "track", "basics");
    expect(basics.map((c) => c.value)).toEqual(["docker-basics"]);
    expect(await choicesOf(h, "onboard", "track", "no-such-track")).toEqual([]);

    const paceZones = await choicesOf(h, "onboard", "timezone", "utc");
    expect(paceZones[0]?.value).toBe("UTC");
  });
});

describe("Discord adapter: buttons", () => {
  it("pages the topic browser in place (callback type 7) and opens an entry as a new only-me reply", async () => {
    h = await startDiscordHarness();
    const { discord } = h;
    const list = await discord.interact(discord.slash("topics"));
    expect(list.callback).toMatchObject({ type: 4, data: { flags: MessageFlags.Ephemeral } });
    const tags = list.original();
    const first = buttonsOf(tags).find((b) => /^containers \(\d+\)$/.test(b.label));
    expect(first).toBeDefined();

    const tagged = await discord.interact(discord.button(first?.customId ?? "", { message: tags }));
    expect(tagged.callback.type).toBe(7);
    expect(tagged.callback.data.embeds[0].title).toMatch(/^Topics tagged containers \(page 1\/\d\)$/);
    expect(tagged.original()?.id).toBe(tags?.id);

    const page1 = tagged.original();
    const next = await discord.interact(discord.button(buttonId(page1, "Next ▶"), { message: page1 }));
    expect(next.callback.type).toBe(7);
    expect(next.callback.data.embeds[0].title).toMatch(/\(page 2\/\d\)$/);
    expect(discord.messages.get(tags?.id ?? "")?.embeds[0]?.title).toMatch(/\(page 2\/\d\)$/);

    // An entry button answers with a new message; "Show more" pages within it.
    const entry = await discord.interact(discord.button(buttonsOf(page1)[0]?.customId ?? "", { message: page1 }));
    expect(entry.callback).toMatchObject({ type: 4, data: { flags: MessageFlags.Ephemeral } });
    const card = entry.original();
    const more = await discord.interact(discord.button(buttonId(card, "Show more"), { message: card }));
    expect(more.callback.type).toBe(4);
    expect(more.callback.data.embeds[0].title).toMatch(/\(1\/\d\)$/);
    const pages = more.original();
    const page2 = await discord.interact(discord.button(buttonId(pages, "Next ▶"), { message: pages }));
    expect(page2.callback.type).toBe(7);
    expect(page2.callback.data.embeds[0].title).toMatch(/\(2\/\d\)$/);
  });

  it("answers a button id it cannot read with an only-me notice", async () => {
    h = await startDiscordHarness();
    const r = await h.discord.interact(h.discord.button("v0|made|up"));
    expect(r.callback).toMatchObject({ type: 4, data: { flags: MessageFlags.Ephemeral } });
  });
});

describe("Discord adapter: slow work", () => {
  /** Every command and button takes 30 ms longer than the adapter waits before it defers. */
  const slow = (d: Dispatcher): Dispatcher =>
    Object.assign(Object.create(d) as Dispatcher, {
      command: async (...a: Parameters<Dispatcher["command"]>) => {
        await new Promise((r) => setTimeout(r, 30));
        return d.command(...a);
      },
      action: async (...a: Parameters<Dispatcher["action"]>) => {
        await new Promise((r) => setTimeout(r, 30));
        return d.action(...a);
      },
    });

  it("defers first, then edits the answer in, or replaces the placeholder with an only-me follow-up", async () => {
    h = await startDiscordHarness({ deferAfterMs: 5, wrap: slow });
    const { discord } = h;
    const answer = await discord.interact(discord.slash("docker", { question: "volumes vs bind mounts" }));
    expect(answer.callback).toEqual({ type: 5, data: { flags: 0 } });
    const edit = await answer.waitForEdit();
    expect(edit.path).toMatch(/\/messages\/@original$/);
    expect(edit.body.embeds[0].title).toMatch(/volumes vs bind mounts/i);
    expect(edit.body.allowed_mentions).toEqual({ parse: [] });

    const unknown = await discord.interact(discord.slash("docker", { question: "zzqqxx" }));
    expect(unknown.callback.type).toBe(5);
    const followUp = await unknown.waitForFollowUp();
    expect(followUp.body.flags).toBe(MessageFlags.Ephemeral);
    expect(followUp.body.embeds[0].description).toMatch(/nothing on “`zzqqxx`”/);
    const hook = `/webhooks/${discord.applicationId}/${unknown.payload.token}`;
    expect(discord.requests.filter((r) => r.path.startsWith(hook)).map((r) => `${r.method} ${r.path}`)).toEqual([
      `DELETE ${hook}/messages/@original`,
      `POST ${hook}`,
    ]);
  });

  it("defers a slow button with an update, then edits the message it is on", async () => {
    h = await startDiscordHarness({ deferAfterMs: 5, wrap: slow });
    const { discord } = h;
    // The tag list is only-me: after the public defer it comes as an ephemeral follow-up.
    const list = await discord.interact(discord.slash("topics"));
    await list.waitForFollowUp();
    const tags = [...discord.messages.values()].find((m) => buttonsOf(m).some((b) => /^containers/.test(b.label)));
    expect(tags?.flags).toBe(MessageFlags.Ephemeral);
    const press = await discord.interact(discord.button(buttonId(tags, /^containers/), { message: tags }));
    expect(press.callback).toEqual({ type: 6 });
    const edit = await press.waitForEdit();
    expect(edit.body.embeds[0].title).toMatch(/^Topics tagged containers/);
    expect(discord.messages.get(tags?.id ?? "")?.embeds[0]?.title).toMatch(/^Topics tagged containers/);
  });
});

describe("Discord adapter: stopping", () => {
  it("stop() waits for an interaction in flight, which still gets its answer", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered: () => void = () => {};
    const started = new Promise<void>((r) => {
      entered = r;
    });
    const held = (d: Dispatcher): Dispatcher =>
      Object.assign(Object.create(d) as Dispatcher, {
        command: async (...a: Parameters<Dispatcher["command"]>) => {
          entered();
          await gate;
          return d.command(...a);
        },
      });
    h = await startDiscordHarness({ wrap: held });
    const { discord, adapter } = h;
    const answered = discord.interact(discord.slash("docker", { question: "volumes vs bind mounts" }));
    await started;
    let stopped = false;
    const stopping = adapter.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    expect(adapter.ready).toBe(false);
    release();
    const r = await answered;
    await stopping;
    expect(r.callback.type).toBe(4);
    expect(r.request.status).toBe(204);
    expect(r.callback.data.embeds[0].title).toMatch(/volumes vs bind mounts/i);

    // After stop(), a new interaction is not taken.
    await expect(
      discord.interact(discord.slash("docker", { question: "ports" }, { user: BOB }), 300),
    ).rejects.toThrow();
  });
});
