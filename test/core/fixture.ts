import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { assemble } from "../../src/assemble.ts";
import { parseAction } from "../../src/core/actions.ts";
import { FakeClock } from "../../src/core/clock.ts";
import type { Caller, Context } from "../../src/core/command.ts";
import type { Dispatcher } from "../../src/core/dispatch.ts";
import { type KnowledgeBase, loadKnowledge } from "../../src/core/knowledge/loader.ts";
import { SearchIndex } from "../../src/core/knowledge/search.ts";
import { type Logger, silentLogger } from "../../src/core/logger.ts";
import { DmClosedError, type Messenger } from "../../src/core/onboarding/model.ts";
import type { Poster } from "../../src/core/quiz/model.ts";
import type { Reply } from "../../src/core/reply.ts";
import { builtInPacks } from "../../src/paths.ts";
import { openStore, type Store } from "../../src/store/index.ts";

let shared: { kb: KnowledgeBase; search: SearchIndex } | undefined;

/** The built-in packs and their search index, loaded once per test file. */
export function knowledge(): { kb: KnowledgeBase; search: SearchIndex } {
  if (!shared) {
    const { kb, problems } = loadKnowledge(builtInPacks);
    if (problems.length > 0) throw new Error(`built-in packs have problems: ${JSON.stringify(problems)}`);
    shared = { kb, search: new SearchIndex(kb) };
  }
  return shared;
}

/** What the quiz posted or edited, in order. */
export interface PosterLog {
  posts: { channelId: string; reply: Reply }[];
  updates: { channelId: string; ref: string | null; reply: Reply }[];
}

/** Direct messages and in-channel notices onboarding sent, in order; `closed` users refuse DMs. */
export interface DmLog {
  sent: { userId: string; reply: Reply }[];
  notices: { channelId: string; userId: string; reply: Reply }[];
  closed: Set<string>;
}

export interface Fixture {
  ctx: Context;
  posted: PosterLog;
  dms: DmLog;
  dispatcher: Dispatcher;
  clock: FakeClock;
  store: Store;
  /** A scheduler with every job, as src/main.ts builds it. */
  scheduler: ReturnType<typeof assemble>["scheduler"];
  /** The same Dockhand wired again with another store, search or log (e.g. one that fails). */
  rewire(o: { store?: Store; search?: SearchIndex; log?: Logger }): Dispatcher;
  close(): Promise<void>;
}

export interface FixtureOptions {
  admins?: string[];
  log?: Logger;
  /** Users whose direct messages are closed. */
  dmClosed?: string[];
  onboardChannel?: string;
  /** How posts and direct messages leave (default: recorded in `posted` and `dms`). */
  poster?: Poster;
  messenger?: Messenger;
  showNames?: boolean;
  welcome?: boolean;
}

/** A real context: built-in knowledge, a fresh SQLite file in a temp dir, a fake clock, the real commands. */
export async function makeFixture(opts: FixtureOptions = {}): Promise<Fixture> {
  const { kb, search } = knowledge();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-core-"));
  const store = await openStore({ sqlitePath: path.join(dir, "t.db") });
  const clock = new FakeClock();
  const log = opts.log ?? silentLogger();
  const posted: PosterLog = { posts: [], updates: [] };
  const poster: Poster = {
    async post(ch, reply) {
      posted.posts.push({ channelId: ch.channelId, reply });
      return `m${posted.posts.length}`;
    },
    async update(ch, ref, reply) {
      posted.updates.push({ channelId: ch.channelId, ref, reply });
    },
  };
  const dms: DmLog = { sent: [], notices: [], closed: new Set(opts.dmClosed ?? []) };
  const messenger: Messenger = {
    async dm(member, reply) {
      if (dms.closed.has(member.userId)) throw new DmClosedError("direct messages are closed");
      dms.sent.push({ userId: member.userId, reply });
    },
    async notice(channelId, member, reply) {
      dms.notices.push({ channelId, userId: member.userId, reply });
    },
  };
  const wire = (o: { store?: Store; search?: SearchIndex; log?: Logger } = {}) =>
    assemble({
      kb,
      search: o.search ?? search,
      store: o.store ?? store,
      clock,
      log: o.log ?? log,
      poster: opts.poster ?? poster,
      messenger: opts.messenger ?? messenger,
      admins: new Set(opts.admins ?? ["U-admin"]),
      timezone: "UTC",
      quiz: { showNames: opts.showNames ?? false },
      onboarding: { channelId: opts.onboardChannel, stallDays: 7, welcome: opts.welcome },
    });
  const { ctx, dispatcher, scheduler } = wire();
  return {
    ctx,
    posted,
    dms,
    dispatcher,
    clock,
    store,
    scheduler,
    rewire: (o) => wire(o).dispatcher,
    async close() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Someone asking in a Slack channel; not an admin unless told. */
export function caller(overrides: Partial<Caller> = {}): Caller {
  return {
    platform: "slack",
    workspaceId: "T1",
    channelId: "C1",
    userId: "U1",
    userName: "alice",
    platformAdmin: false,
    ...overrides,
  };
}

/** Row counts of the tables a conversation writes to. */
export async function countRows(store: Store): Promise<{ queries: number; feedback: number; posts: number }> {
  const count = async (table: "queries" | "query_feedback" | "posts") => {
    const row = await store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  return { queries: await count("queries"), feedback: await count("query_feedback"), posts: await count("posts") };
}

/** The button with this label on a reply (fails loudly when it is missing). */
export function button(reply: Reply, label: string | RegExp): string {
  const found = reply.buttons?.find((b) => (typeof label === "string" ? b.label === label : label.test(b.label)));
  if (!found) {
    throw new Error(`no button ${String(label)} on reply; buttons: ${reply.buttons?.map((b) => b.label).join(", ")}`);
  }
  return found.action;
}

/** The entry ids that a reply's "entry" buttons point at, in order. */
export function entryButtons(reply: Reply): string[] {
  return (reply.buttons ?? []).flatMap((b) => {
    const a = parseAction(b.action);
    return a?.kind === "entry" ? [a.entry] : [];
  });
}

/** A pino logger that keeps its JSON lines in memory. */
export function memoryLogger(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const log = pino({ level: "info" }, { write: (s: string) => void chunks.push(s) });
  return {
    log,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
