/**
 * `npm run bench:fanout`: the daily question due at one instant in 1,000 channels, posted by real
 * `dockhand start` processes (one, then three replicas on one PostgreSQL database) through the
 * local Discord and Slack stand-ins with their rate limits on:
 *  - Discord: 50 requests in any second for the bot (all replicas share one token, so one limit)
 *    and 5 sends per 5 s per channel; the floor is channels / 50 seconds.
 *  - Slack: chat.postMessage about 1 a second per channel with bursts of 3; one post per channel
 *    fits every channel's burst, so the limits set no floor (Slack states no workspace-wide rate).
 * Reported per row: the time from the scheduled instant to the first and the last post, the floor
 * and the ratio to it, the 429s the stand-in answered, duplicates (a channel with more than one
 * question) and misses (a channel with none), and how the replicas shared the claims.
 *
 * Needs PostgreSQL: TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test); each row uses
 * a fresh schema. Options: `--channels 1000`, `--replicas 1,3`, `--platforms discord,slack`.
 * The occurrence is the next whole minute (schedules are HH:MM), so each row waits up to a minute.
 */
import os from "node:os";
import { pathToFileURL } from "node:url";
import type pg from "pg";
import { startDiscordStandin } from "../../test/fakes/discord/standin.ts";
import { BOT_TOKEN, SIGNING_SECRET, SlackStandIn } from "../../test/fakes/slack/standin.ts";
import { type Running, startDockhand } from "../../test/ops/dockhand-process.ts";
import { baseUrl, freshSchema } from "../../test/ops/replicas.ts";

type Platform = "discord" | "slack";

interface Row {
  platform: Platform;
  replicas: number;
  channels: number;
  firstS: number;
  lastS: number;
  floorS: number;
  limited: number;
  duplicates: number;
  misses: number;
  /** Claims finished per replica, e.g. [340, 331, 329]. */
  shares: number[];
}

/** What a platform's stand-in gives the bench: env for Dockhand, the posts per channel, the 429s. */
interface Target {
  env: Record<string, string>;
  workspaceOf: (channel: string) => string;
  postsPerChannel: () => Map<string, number>;
  limited: () => number;
  floorS: number;
  close: () => Promise<void>;
}

const GUILDS = 10;

async function discordTarget(channels: string[]): Promise<Target> {
  const perGuild = Math.ceil(channels.length / GUILDS);
  const guilds = Array.from({ length: GUILDS }, (_, g) => ({
    id: String(1_300_000_000_000_000_000n + BigInt(g)),
    name: `Guild ${g}`,
    channels: channels.slice(g * perGuild, (g + 1) * perGuild).map((id) => ({ id, name: `quiz-${id.slice(-4)}` })),
  })).filter((g) => g.channels.length > 0);
  const discord = await startDiscordStandin({ guilds, rateLimits: true });
  const guildOf = new Map(guilds.flatMap((g) => g.channels.map((c) => [c.id, g.id] as const)));
  return {
    env: {
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.apiUrl,
    },
    workspaceOf: (c) => guildOf.get(c) ?? "",
    postsPerChannel: () => {
      const n = new Map<string, number>();
      for (const m of discord.messages.values()) n.set(m.channel_id, (n.get(m.channel_id) ?? 0) + 1);
      return n;
    },
    limited: () => (discord.limiter?.limited.global ?? 0) + (discord.limiter?.limited.channel ?? 0),
    floorS: channels.length / 50,
    close: () => discord.close(),
  };
}

async function slackTarget(): Promise<Target> {
  const slack = await SlackStandIn.start({ postLimit: { perSecond: 1, burst: 3 } });
  return {
    env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl },
    workspaceOf: () => "T1",
    postsPerChannel: () => {
      const n = new Map<string, number>();
      for (const m of slack.messages.values())
        if ((m.metadata as { event_type?: string } | undefined)?.event_type === "dockhand_post")
          n.set(m.channel, (n.get(m.channel) ?? 0) + 1);
      return n;
    },
    limited: () => slack.limited,
    floorS: 0,
    close: () => slack.close(),
  };
}

/** The next whole minute at least `leadMs` from now. */
function nextMinute(leadMs: number): Date {
  const t = new Date(Date.now() + leadMs + 60_000);
  t.setUTCSeconds(0, 0);
  return t.getTime() - 60_000 >= Date.now() + leadMs ? new Date(t.getTime() - 60_000) : t;
}

async function schedule(db: pg.Pool, platform: Platform, target: Target, channels: string[], at: Date) {
  const time = `${String(at.getUTCHours()).padStart(2, "0")}:${String(at.getUTCMinutes()).padStart(2, "0")}`;
  const created = Date.now() - 3 * 3_600_000;
  for (let i = 0; i < channels.length; i += 200) {
    const part = channels.slice(i, i + 200);
    const values = part.map((_, j) => `($1, $${j * 2 + 4}, $${j * 2 + 5}, $2, 'UTC', 'daily', 3600000, 'U-bench', $3)`);
    await db.query(
      `insert into quiz_schedules (platform, workspace_id, channel_id, time, timezone, days, close_after_ms, created_by, created_at)
       values ${values.join(", ")}`,
      [platform, time, created, ...part.flatMap((c) => [target.workspaceOf(c), c])],
    );
  }
}

async function runRow(platform: Platform, replicas: number, n: number): Promise<Row> {
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    const { url, db } = await freshSchema(cleanups);
    const channels = Array.from({ length: n }, (_, i) =>
      platform === "discord" ? String(1_400_000_000_000_000_000n + BigInt(i)) : `CQ${String(i).padStart(5, "0")}`,
    );
    const target = platform === "discord" ? await discordTarget(channels) : await slackTarget();
    cleanups.push(() => target.close());
    const env = {
      DATABASE_URL: url,
      DOCKHAND_TICK_SECONDS: "1",
      DOCKHAND_LEASE_SECONDS: "30",
      ...target.env,
    };
    // One at a time: on a busy machine, processes starting together can miss the start-up timeout.
    const running: Running[] = [];
    for (let i = 0; i < replicas; i++) running.push(await startDockhand(env, cleanups));
    const at = nextMinute(5_000);
    await schedule(db, platform, target, channels, at);
    process.stderr.write(`${platform}, ${replicas} replica(s): ${n} channels due at ${at.toISOString()}\n`);

    let first = 0;
    let last = 0;
    let seen = 0;
    const deadline = at.getTime() + Math.max(120_000, target.floorS * 5_000);
    for (;;) {
      const posts = target.postsPerChannel();
      const total = [...posts.values()].reduce((a, b) => a + b, 0);
      if (total > seen) {
        if (seen === 0) first = Date.now();
        seen = total;
        last = Date.now();
      }
      // Done when every channel has its question and nothing more came for 3 s (duplicates show then).
      if (posts.size >= n && Date.now() - last > 3_000) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const posts = target.postsPerChannel();
    const { rows } = await db.query(
      "select owner, count(*)::int as n from claims where kind = 'quiz-post' and done_at is not null group by owner",
    );
    const byPid = new Map(rows.map((r) => [Number(String(r.owner).split("-").pop()), Number(r.n)]));
    for (const r of running) {
      if (r.child.exitCode !== null) process.stderr.write(`a replica exited:\n${r.stderr().slice(-2000)}\n`);
    }
    return {
      platform,
      replicas,
      channels: n,
      firstS: (first - at.getTime()) / 1000,
      lastS: (last - at.getTime()) / 1000,
      floorS: target.floorS,
      limited: target.limited(),
      duplicates: [...posts.values()].reduce((a, c) => a + Math.max(0, c - 1), 0),
      misses: channels.filter((c) => !posts.has(c)).length,
      shares: running.map((r) => byPid.get(r.child.pid ?? -1) ?? 0),
    };
  } finally {
    for (const c of cleanups.reverse()) await c();
  }
}

function listArg(name: string): string[] | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? "").split(",").filter(Boolean) : undefined;
}

export async function runFanoutBench(out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  if (!baseUrl) {
    out("bench:fanout needs PostgreSQL: set TEST_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test");
    return 1;
  }
  const n = Number(listArg("--channels")?.[0] ?? 1000);
  const counts = (listArg("--replicas") ?? ["1", "3"]).map(Number);
  const platforms = (listArg("--platforms") ?? ["discord", "slack"]) as Platform[];
  const rows: Row[] = [];
  for (const platform of platforms) for (const r of counts) rows.push(await runRow(platform, r, n));

  out(
    `Quiz fan-out: one scheduled question in ${n} channels, stand-ins with rate limits on (Node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(1)})`,
  );
  out(
    `${"platform".padEnd(9)}${"replicas".padStart(9)}${"first s".padStart(9)}${"last s".padStart(9)}${"floor s".padStart(9)}${"last/floor".padStart(12)}${"429s".padStart(7)}${"dups".padStart(6)}${"misses".padStart(8)}  claims per replica`,
  );
  for (const r of rows) {
    const ratio = r.floorS > 0 ? (r.lastS / r.floorS).toFixed(2) : "-";
    out(
      `${r.platform.padEnd(9)}${String(r.replicas).padStart(9)}${r.firstS.toFixed(2).padStart(9)}${r.lastS.toFixed(2).padStart(9)}${r.floorS.toFixed(1).padStart(9)}${ratio.padStart(12)}${String(r.limited).padStart(7)}${String(r.duplicates).padStart(6)}${String(r.misses).padStart(8)}  ${r.shares.join(" / ")}`,
    );
  }
  out("Floors: Discord channels / 50 requests a second (one limit for all replicas: one bot token);");
  out("Slack none (one post per channel fits each channel's burst). Targets: last ≤ 1.1 × floor, 0 dups, 0 misses.");
  return rows.every((r) => r.duplicates === 0 && r.misses === 0) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runFanoutBench();
}
