/**
 * `npm run bench:discord`: how long Dockhand takes to answer Discord autocomplete, end to end over
 * the wire. Each sample is the time from the local Discord stand-in sending INTERACTION_CREATE
 * (type 4, autocomplete for `/docker question`) over the gateway WebSocket to the callback POST
 * (type 8, the choices) arriving at its REST side: discord.js parsing, Dockhand's suggestions,
 * the JSON and the HTTP request. Interactions go one at a time (a member typing), realistic
 * partial questions: prefixes of entry titles and aliases, typos, empty input.
 *
 * Rows: a bare discord.js client that answers every autocomplete with a fixed list of 25 choices
 * (the floor: the library and the wire), then Dockhand on the built-in pack and on a 10,000-entry
 * synthetic pack (syntheticPack from bench.ts). A "suggest()" column times Dockhand's suggestion
 * function alone on the same queries, to show how much of the round trip is Dockhand's own work.
 *
 * The stand-in lives in test/fakes/discord; benchmarks are in scripts/, which the image does not ship.
 * Everything runs in this one process (stand-in, client, Dockhand); all rows share that setup.
 * Options: `--n 2000` interactions per row and round, `--warmup 200`, `--rounds 2`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Client, type ClientOptions, Events, GatewayIntentBits } from "discord.js";
import { type DiscordAdapter, startDiscord } from "../../src/adapters/discord/lifecycle.ts";
import { assemble } from "../../src/assemble.ts";
import { systemClock } from "../../src/core/clock.ts";
import { type KnowledgeBase, loadKnowledge } from "../../src/core/knowledge/loader.ts";
import { SearchIndex } from "../../src/core/knowledge/search.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { suggest } from "../../src/core/suggest.ts";
import { builtInPacks } from "../../src/paths.ts";
import { openStore } from "../../src/store/index.ts";
import { syntheticPack } from "../../src/tools/bench.ts";

/** What this bench uses of test/fakes/discord/standin.ts (typed here; see the header). */
interface Standin {
  apiUrl: string;
  token: string;
  applicationId: string;
  requests: unknown[];
  autocomplete(name: string, options: Record<string, string>, focused: string): unknown;
  interact(
    payload: unknown,
    timeoutMs?: number,
  ): Promise<{ callback: { type: number; data?: { choices?: unknown[] } } }>;
  close(): Promise<void>;
}

const CLIENT: Partial<ClientOptions> = {
  rest: { retries: 0, timeout: 5000, offset: 0 },
  ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
};

async function standin(): Promise<Standin> {
  const url = new URL("../../test/fakes/discord/standin.ts", import.meta.url).href;
  const mod = (await import(url)) as {
    startDiscordStandin: (o?: { interactionDeadlineMs?: number }) => Promise<Standin>;
  };
  return mod.startDiscordStandin({ interactionDeadlineMs: 10_000 });
}

/** A small seeded generator: every run sends the same queries. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One typing slip: a letter dropped, doubled, swapped with the next, or replaced. */
function typo(text: string, rand: () => number): string {
  if (text.length < 3) return text;
  const i = 1 + Math.floor(rand() * (text.length - 2));
  const kind = Math.floor(rand() * 4);
  if (kind === 0) return text.slice(0, i) + text.slice(i + 1);
  if (kind === 1) return text.slice(0, i) + (text[i] ?? "") + text.slice(i);
  if (kind === 2) return text.slice(0, i) + (text[i + 1] ?? "") + (text[i] ?? "") + text.slice(i + 2);
  return text.slice(0, i) + "etaoinsr"[Math.floor(rand() * 8)] + text.slice(i + 1);
}

/**
 * What members type into `/docker question`, keystroke by keystroke: 55% prefixes of an entry title
 * of the pack, 15% prefixes of an alias, 20% a built-in title or prefix with a typo, 10% empty.
 */
export function autocompleteQueries(pack: KnowledgeBase, builtIn: KnowledgeBase, n: number, seed = 7): string[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const prefix = (s: string) => s.slice(0, 1 + Math.floor(rand() * s.length));
  const aliases = pack.entries.flatMap((e) => e.aliases);
  return Array.from({ length: n }, () => {
    const r = rand();
    if (r < 0.55) return prefix(pick(pack.entries).title);
    if (r < 0.7) return prefix(pick(aliases));
    if (r < 0.9) {
      const title = pick(builtIn.entries).title;
      return typo(rand() < 0.5 ? title : prefix(title), rand);
    }
    return "";
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

interface Row {
  name: string;
  entries: number | undefined;
  p50: number;
  p99: number;
  max: number;
  suggest?: { p50: number; p99: number };
  choices: number;
  p99s: number[];
}

/** Sends the queries one at a time; returns the round-trip times in ms and the mean number of choices. */
async function roundTrips(discord: Standin, queries: string[], warmup: number) {
  const times: number[] = [];
  let choices = 0;
  for (let i = 0; i < warmup + queries.length; i++) {
    const q = queries[i % queries.length] as string;
    const payload = discord.autocomplete("docker", { question: q }, "question");
    // The stand-in looks back through every request it recorded before waiting: keep the list short.
    discord.requests.length = 0;
    const t = performance.now();
    const r = await discord.interact(payload, 10_000);
    const ms = performance.now() - t;
    if (r.callback.type !== 8) throw new Error(`expected an autocomplete result (8), got ${r.callback.type}`);
    if (i >= warmup) {
      times.push(ms);
      choices += r.callback.data?.choices?.length ?? 0;
    }
  }
  times.sort((a, b) => a - b);
  return { times, choices: choices / queries.length };
}

async function bareClient(discord: Standin, fixed: { name: string; value: string }[]) {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    allowedMentions: { parse: [] },
    ...CLIENT,
    rest: { ...CLIENT.rest, api: discord.apiUrl },
  });
  client.on(Events.InteractionCreate, (i) => {
    if (i.isAutocomplete()) void i.respond(fixed).catch(() => undefined);
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(discord.token);
  await ready;
  return { stop: () => client.destroy() };
}

async function dockhand(discord: Standin, kb: KnowledgeBase, search: SearchIndex) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-bench-discord-"));
  const store = await openStore({ sqlitePath: path.join(dir, "bench.db") });
  const log = silentLogger();
  let adapter: DiscordAdapter | undefined;
  const late = () => {
    if (!adapter) throw new Error("the Discord adapter is not started yet");
    return adapter;
  };
  const { dispatcher } = assemble({
    kb,
    search,
    store,
    clock: systemClock,
    log,
    poster: { post: (...a) => late().poster.post(...a), update: (...a) => late().poster.update(...a) },
    messenger: { dm: (...a) => late().messenger.dm(...a), notice: (...a) => late().messenger.notice(...a) },
    admins: new Set<string>(),
    timezone: "UTC",
    quiz: { showNames: true },
    onboarding: { stallDays: 7 },
  });
  adapter = await startDiscord({
    dispatcher,
    events: store,
    log,
    token: discord.token,
    applicationId: discord.applicationId,
    apiUrl: discord.apiUrl,
    graceMs: 60_000,
    client: CLIENT,
  });
  const started = adapter;
  return {
    async stop() {
      await started.stop();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function timeSuggest(kb: KnowledgeBase, search: SearchIndex, queries: string[]) {
  for (const q of queries) suggest({ kb, search }, "entries", q);
  const times = queries.map((q) => {
    const t = performance.now();
    suggest({ kb, search }, "entries", q);
    return performance.now() - t;
  });
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(2)}`;
}

function argNumber(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

interface Config {
  name: string;
  entries: number | undefined;
  queries: string[];
  start: (d: Standin) => Promise<{ stop: () => Promise<unknown> }>;
  suggest?: { p50: number; p99: number };
}

/** One config on a fresh stand-in: connect, send the queries, disconnect. */
async function measure(c: Config, warmup: number) {
  const discord = await standin();
  try {
    const app = await c.start(discord);
    try {
      return await roundTrips(discord, c.queries, warmup);
    } finally {
      await app.stop();
    }
  } finally {
    await discord.close();
  }
}

export async function runDiscordBench(
  o: { n?: number; warmup?: number; rounds?: number; out?: (l: string) => void } = {},
) {
  const out = o.out ?? ((l: string) => console.log(l));
  const n = o.n ?? argNumber("--n", 2000);
  const warmup = o.warmup ?? argNumber("--warmup", 200);
  const rounds = o.rounds ?? argNumber("--rounds", 2);
  const { kb: builtIn, problems } = loadKnowledge(builtInPacks);
  if (problems.length > 0) throw new Error("the built-in packs have problems: run dockhand lint");
  const fixed = builtIn.entries.slice(0, 25).map((e) => ({ name: e.title, value: e.title }));
  const builtInSearch = new SearchIndex(builtIn);
  const builtInQueries = autocompleteQueries(builtIn, builtIn, n);
  const big = syntheticPack(builtIn, 10_000);
  const bigSearch = new SearchIndex(big);
  const bigQueries = autocompleteQueries(big, builtIn, n);
  const configs: Config[] = [
    {
      name: "bare discord.js (fixed 25 choices)",
      entries: undefined,
      queries: builtInQueries,
      start: (d) => bareClient(d, fixed),
    },
    {
      name: "Dockhand, built-in pack",
      entries: builtIn.entries.length,
      queries: builtInQueries,
      start: (d) => dockhand(d, builtIn, builtInSearch),
      suggest: timeSuggest(builtIn, builtInSearch, builtInQueries),
    },
    {
      name: "Dockhand, synthetic pack",
      entries: big.entries.length,
      queries: bigQueries,
      start: (d) => dockhand(d, big, bigSearch),
      suggest: timeSuggest(big, bigSearch, bigQueries),
    },
  ];
  // The configs take turns, round after round, so that drift over the run (JIT, GC, the machine)
  // touches them alike; each row pools its rounds.
  const samples = configs.map(() => ({ times: [] as number[], choices: 0, p99s: [] as number[] }));
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of configs.entries()) {
      const m = await measure(c, warmup);
      const s = samples[i] as (typeof samples)[number];
      s.times.push(...m.times);
      s.choices += m.choices / rounds;
      s.p99s.push(percentile(m.times, 99));
    }
  }
  const rows: Row[] = configs.map((c, i) => {
    const s = samples[i] as (typeof samples)[number];
    const times = s.times.sort((a, b) => a - b);
    return {
      name: c.name,
      entries: c.entries,
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      max: times[times.length - 1] ?? 0,
      choices: s.choices,
      p99s: s.p99s,
      ...(c.suggest ? { suggest: c.suggest } : {}),
    };
  });

  out(
    `Discord autocomplete, INTERACTION_CREATE sent → callback POST received: ${rounds} rounds of ${n} interactions per row, one at a time, each after ${warmup} warm-up (Node ${process.version}, ${os.cpus().length} CPUs); ms`,
  );
  out(
    `${"app".padEnd(36)}${"entries".padStart(8)}${"p50".padStart(8)}${"p99".padStart(8)}${"max".padStart(8)}${"choices".padStart(9)}   ${"p99 by round".padEnd(16)}suggest() p50 / p99`,
  );
  for (const r of rows) {
    out(
      `${r.name.padEnd(36)}${(r.entries === undefined ? "-" : String(r.entries)).padStart(8)}${r.p50.toFixed(2).padStart(8)}${r.p99.toFixed(2).padStart(8)}${r.max.toFixed(1).padStart(8)}${r.choices.toFixed(1).padStart(9)}   ${r.p99s
        .map((x) => x.toFixed(2))
        .join(" / ")
        .padEnd(16)}${r.suggest ? `${r.suggest.p50.toFixed(3)} / ${r.suggest.p99.toFixed(3)}` : "-"}`,
    );
  }
  const [base, ...others] = rows;
  for (const r of others) {
    if (!base) break;
    out(
      `${r.name}: p50 ${signed(r.p50 - base.p50)} ms, p99 ${signed(r.p99 - base.p99)} ms against bare discord.js (p99 ×${(r.p99 / base.p99).toFixed(2)})`,
    );
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runDiscordBench();
}
