import type { APIInteraction, APIMessage, APIUser } from "discord-api-types/v10";
import { GatewayDispatchEvents } from "discord-api-types/v10";
import { afterEach, describe, expect, it } from "vitest";
import { buttonsOf, channelPost } from "../fakes/discord/harness.ts";
import { user } from "../fakes/discord/payloads.ts";
import { ALICE, type DiscordStandin, type RecordedRequest, startDiscordStandin } from "../fakes/discord/standin.ts";
import { type Running, startDockhand } from "./dockhand-process.ts";
import { alive, baseUrl, claimant, dueSchedule, freshSchema, roundsIn, until } from "./replicas.ts";

/**
 * Real `dockhand start` processes on one PostgreSQL database, each a gateway client of the Discord
 * stand-in (so each receives every event, as replicas on one shard do), killed with SIGKILL while
 * they hold work. Event claims of interactions last about a second; joins and quiz posts use the
 * normal lease, lowered here to 2 seconds with a 1-second tick.
 */
let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const GUILD = "1000000000000000001";
const GENERAL = "1000000000000000002";
const QUIZ_1 = "1000000000000000003";
const QUIZ_2 = "1000000000000000004";
const DISCORD = { platform: "discord", workspaceId: GUILD } as const;
/** Not the Slack crash test's database: that test cuts every connection to its own. */
const OWN_DATABASE = "test_crashsafe_discord";

async function standIn(): Promise<DiscordStandin> {
  const s = await startDiscordStandin({
    guilds: [
      {
        id: GUILD,
        name: "Crash test",
        channels: [
          { id: GENERAL, name: "general" },
          { id: QUIZ_1, name: "quiz-one" },
          { id: QUIZ_2, name: "quiz-two" },
        ],
      },
    ],
  });
  cleanups.push(() => s.close());
  return s;
}

function startReplicas(n: number, url: string, discord: DiscordStandin): Promise<Running[]> {
  const env = {
    DATABASE_URL: url,
    DISCORD_TOKEN: discord.token,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.apiUrl,
    DOCKHAND_WELCOME: "true",
    DOCKHAND_LEASE_SECONDS: "2",
    DOCKHAND_TICK_SECONDS: "1",
  };
  return Promise.all(Array.from({ length: n }, () => startDockhand(env, cleanups, { startMs: 60_000 })));
}

const people = (from: number, n: number, name: string): APIUser[] =>
  Array.from({ length: n }, (_, i) => user(String(1_300_000_000_000_000_000n + BigInt(from + i)), `${name}${i}`));

/** The successful callbacks (the first answers Discord took) of an interaction, and the refused ones. */
function callbacks(discord: DiscordStandin, p: APIInteraction): { ok: RecordedRequest[]; refused: RecordedRequest[] } {
  const path = `/interactions/${p.id}/${p.token}/callback`;
  const all = discord.requests.filter((r) => r.method === "POST" && r.path === path);
  return { ok: all.filter((r) => r.status === 204), refused: all.filter((r) => r.status !== 204) };
}

/** What a member sees in their DM with the bot. */
const dmsTo = (discord: DiscordStandin, u: APIUser) => {
  const channel = discord.dmChannelFor(u.id);
  return [...discord.messages.values()].filter((m) => m.channel_id === channel);
};

if (!baseUrl) {
  console.warn(
    "Discord replica crash tests skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)",
  );
}

describe.skipIf(!baseUrl)("Discord gateway replicas on one PostgreSQL database, killed the hard way", () => {
  it("a replica SIGKILLed during a burst of commands, clicks and joins: each answered or welcomed exactly once", async () => {
    const { url, db } = await freshSchema(cleanups, OWN_DATABASE);
    const discord = await standIn();
    const replicas = await startReplicas(3, url, discord);

    // A question to click on.
    await discord.interact(discord.slash("quiz", { action: "now" }, { user: ALICE, channelId: GENERAL }), 10_000);
    const post = await discord.waitFor((r) => channelPost(GENERAL)(r) && r.status === 200, 10_000);
    const question = [...discord.messages.values()].find((m) => m.nonce === post.body.nonce) as APIMessage;
    const choices = buttonsOf(question).map((b) => b.customId);
    expect(choices.length).toBeGreaterThan(1);

    const askers = people(0, 24, "asker");
    const clickers = people(100, 24, "clicker");
    const joiners = people(200, 12, "joiner");
    const commands: APIInteraction[] = askers.map((u) =>
      discord.slash("docker", { question: "volumes vs bind mounts" }, { user: u, channelId: GENERAL }),
    );
    const clicks: APIInteraction[] = clickers.map((u, i) =>
      discord.button(choices[i % choices.length] as string, { user: u, message: question, channelId: GENERAL }),
    );

    // SIGKILL the first replica at a moment it holds an unfinished event claim, once the burst is under way.
    const victim = replicas[0] as Running;
    const held = () =>
      db.query(
        "select count(*)::int as n from claims where owner like $1 and done_at is null and kind like 'discord-%'",
        [`%-${victim.child.pid}`],
      );
    let started = false;
    const killer = until(
      async () => {
        if (!started || (await held()).rows[0].n === 0) return false;
        victim.child.kill("SIGKILL");
        return true;
      },
      "the victim to hold an event claim",
      30_000,
    );

    const burst: (() => void)[] = [];
    for (let i = 0; i < 24; i++) {
      burst.push(() => discord.dispatch(GatewayDispatchEvents.InteractionCreate, commands[i] as never));
      burst.push(() => discord.dispatch(GatewayDispatchEvents.InteractionCreate, clicks[i] as never));
      if (i % 2 === 0) burst.push(() => discord.memberJoin(GUILD, joiners[i / 2] as APIUser));
    }
    for (const [n, send] of burst.entries()) {
      if (n === 12) started = true;
      send();
      await new Promise((r) => setTimeout(r, 25));
    }
    await killer;
    await victim.exited;

    const interactions = [...commands, ...clicks];
    await until(
      () =>
        interactions.every((p) => callbacks(discord, p).ok.length > 0) &&
        joiners.every((u) => dmsTo(discord, u).length > 0),
      "every interaction answered and every member welcomed",
      20_000,
    ).catch(() => undefined); // counted below
    // Time for a late second answer or welcome to show up, were there one.
    await new Promise((r) => setTimeout(r, 2_500));

    const answered = interactions.map((p) => callbacks(discord, p));
    const welcomes = joiners.map((u) => dmsTo(discord, u).length);
    const { rows: stored } = await db.query("select count(*)::int as n from quiz_answers");
    const { rows: takeovers } = await db.query(
      "select kind, count(*)::int as n from claims where kind like 'discord-%' and attempts > 1 group by kind order by kind",
    );
    // A deferred command is answered by an edit of its placeholder, or (an only-me answer) a follow-up.
    const deferredUnanswered = interactions.filter((p) => {
      const [first] = callbacks(discord, p).ok;
      if (first?.body?.type !== 5) return false;
      const hook = `/webhooks/${discord.applicationId}/${p.token}`;
      const edited = (r: RecordedRequest) => r.method === "PATCH" && r.path === `${hook}/messages/@original`;
      const followed = (r: RecordedRequest) => r.method === "POST" && r.path === hook;
      return !discord.requests.some((r) => (edited(r) || followed(r)) && r.status === 200);
    });
    // What the replicas logged about it (warnings and errors), by message.
    const logged = new Map<string, number>();
    for (const line of replicas.flatMap((r) => r.stdout().split("\n"))) {
      if (!line.startsWith("{")) continue;
      const { msg, err } = JSON.parse(line) as { msg?: string; err?: string };
      const what = `${msg}${err ? ` (${String(err).slice(0, 60)})` : ""}`;
      logged.set(what, (logged.get(what) ?? 0) + 1);
    }
    console.info(
      `discord burst: ${commands.length} commands, ${clicks.length} clicks, ${joiners.length} joins; ` +
        `answered once ${answered.filter((a) => a.ok.length === 1).length}, unanswered ${answered.filter((a) => a.ok.length === 0).length}, ` +
        `answered twice ${answered.filter((a) => a.ok.length > 1).length}, second answers refused ${answered.reduce((n, a) => n + a.refused.length, 0)}, ` +
        `deferred and never answered ${deferredUnanswered.length}; clicks stored ${stored[0].n}; ` +
        `welcomed once ${welcomes.filter((n) => n === 1).length}, not welcomed ${welcomes.filter((n) => n === 0).length}, twice ${welcomes.filter((n) => n > 1).length}; ` +
        `claims taken over: ${takeovers.map((t) => `${t.kind} ${t.n}`).join(", ") || "none"}; ` +
        `logged: ${[...logged].map(([m, n]) => `${n}× ${m}`).join("; ")}`,
    );

    expect(answered.map((a) => a.ok.length)).toEqual(interactions.map(() => 1));
    expect(deferredUnanswered).toEqual([]);
    expect(welcomes).toEqual(joiners.map(() => 1));
    expect(stored[0].n).toBe(clicks.length);
    expect(replicas.filter(alive)).toHaveLength(2);
    // The victim died holding a claim: at least one event was taken over by a survivor.
    expect(takeovers.reduce((n, t) => n + t.n, 0)).toBeGreaterThan(0);
  }, 150_000);

  it("a quiz claimant SIGKILLed mid-post: its channel gets exactly one question and the round opens", async () => {
    const { url, db } = await freshSchema(cleanups, OWN_DATABASE);
    const discord = await standIn();
    const questions = (channel: string) => [...discord.messages.values()].filter((m) => m.channel_id === channel);

    // 1. Killed before its post reached Discord: the survivor posts it.
    await dueSchedule(db, QUIZ_1, DISCORD);
    const held = discord.hold("POST", new RegExp(`^/channels/${QUIZ_1}/messages$`));
    const replicas = await startReplicas(2, url, discord);
    const first = await claimant(db, replicas, QUIZ_1, DISCORD);
    await until(() => held.arrived > 0, "the QUIZ_1 post at Discord");
    first.child.kill("SIGKILL");
    await first.exited;
    held.release(); // the dead process's request never reaches Discord
    await until(async () => (await roundsIn(db, QUIZ_1)).some((r) => r.status === "open"), "the QUIZ_1 round to open");
    const [one] = questions(QUIZ_1);
    expect(questions(QUIZ_1)).toHaveLength(1);
    expect(await roundsIn(db, QUIZ_1)).toEqual([{ status: "open", message_ref: `${QUIZ_1}:${one?.id}` }]);

    // 2. Killed after Discord made the message, before the answer reached the process: a restarted
    //    process claims the next occurrence and dies; the replica still running takes it over and
    //    posts with the same nonce, which Discord answers with the message already made.
    await dueSchedule(db, QUIZ_2, DISCORD);
    const answers = discord.holdAnswers("POST", new RegExp(`^/channels/${QUIZ_2}/messages$`));
    const restarted = await startReplicas(1, url, discord);
    const second = await claimant(db, [...replicas, ...restarted], QUIZ_2, DISCORD);
    await until(() => questions(QUIZ_2).length > 0, "the QUIZ_2 question at Discord");
    second.child.kill("SIGKILL");
    await second.exited;
    answers.release();
    await until(async () => (await roundsIn(db, QUIZ_2)).some((r) => r.status === "open"), "the QUIZ_2 round to open");
    const [two] = questions(QUIZ_2);
    expect(questions(QUIZ_2)).toHaveLength(1);
    expect(await roundsIn(db, QUIZ_2)).toEqual([{ status: "open", message_ref: `${QUIZ_2}:${two?.id}` }]);
    const posts = discord.requests.filter(channelPost(QUIZ_2));
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(posts.map((p) => p.body.nonce)).size).toBe(1);
    expect(posts.every((p) => p.body.enforce_nonce === true)).toBe(true);
    expect([...replicas, ...restarted].filter(alive)).toHaveLength(1);
  }, 150_000);
});
