/**
 * A real onboarding setup for the integration tests, like test/core/fixture.ts but with the knobs
 * those tests need: any knowledge base (a team's pack layered on the built-in ones), any store
 * (a SQLite temp file shared by several instances, or PostgreSQL), welcomes on, and direct
 * messages recorded with the fake clock's time and the instance that sent them, so that several
 * instances can write to one log. The real commands, Dispatcher, OnboardingService, store and
 * Scheduler (wired like src/main.ts) run underneath.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, it } from "vitest";
import { stringify } from "yaml";
import { handleAction } from "../../../commands/actions.ts";
import { commands } from "../../../commands/index.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import type { Caller, Context } from "../../../src/core/command.ts";
import { Dispatcher } from "../../../src/core/dispatch.ts";
import type { KnowledgeBase } from "../../../src/core/knowledge/loader.ts";
import { SearchIndex } from "../../../src/core/knowledge/search.ts";
import { type Logger, silentLogger } from "../../../src/core/logger.ts";
import { onboardingDripJob, onboardingNudgeJob } from "../../../src/core/onboarding/jobs.ts";
import { DmClosedError, type Member, type Messenger, OnboardingService } from "../../../src/core/onboarding/service.ts";
import { quizCloseJob, quizPostJob } from "../../../src/core/quiz/jobs.ts";
import { type Poster, QuizService } from "../../../src/core/quiz/service.ts";
import type { Reply } from "../../../src/core/reply.ts";
import { ReviewService } from "../../../src/core/review/service.ts";
import { Scheduler } from "../../../src/core/schedule/scheduler.ts";
import { type OpenStoreOptions, openStore, type Store } from "../../../src/store/index.ts";
import { postgresTarget, sqliteTarget, type Target } from "../../store/targets.ts";
import { knowledge } from "../fixture.ts";

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export interface SentDm {
  userId: string;
  reply: Reply;
  /** The fake clock's time when it was sent. */
  at: Date;
  /** The instance that sent it. */
  by: string;
}

export interface SentNotice {
  channelId: string;
  userId: string;
  reply: Reply;
  at: Date;
  by: string;
}

/** Direct messages and in-channel notices, in order, from any number of instances; `closed` users refuse DMs. */
export class DmRecorder {
  readonly sent: SentDm[] = [];
  readonly notices: SentNotice[] = [];
  readonly closed: Set<string>;

  constructor(closed: string[] = []) {
    this.closed = new Set(closed);
  }

  messenger(clock: FakeClock, by: string): Messenger {
    return {
      dm: async (member, reply) => {
        if (this.closed.has(member.userId)) throw new DmClosedError("direct messages are closed");
        this.sent.push({ userId: member.userId, reply, at: clock.now(), by });
      },
      notice: async (channelId, member, reply) => {
        this.notices.push({ channelId, userId: member.userId, reply, at: clock.now(), by });
      },
    };
  }

  to(userId: string): SentDm[] {
    return this.sent.filter((d) => d.userId === userId);
  }

  last(userId: string): Reply {
    const mine = this.to(userId);
    const last = mine[mine.length - 1];
    if (!last) throw new Error(`no direct message to ${userId}`);
    return last.reply;
  }
}

/** Channel posts (congratulations), with the channel they went to. */
export class PostRecorder implements Poster {
  readonly posts: { channelId: string; reply: Reply; by: string }[] = [];
  constructor(private readonly by = "a") {}
  async post(ch: { channelId: string }, reply: Reply): Promise<string | null> {
    this.posts.push({ channelId: ch.channelId, reply, by: this.by });
    return `m${this.posts.length}`;
  }
  async update(): Promise<void> {}
}

export interface WorldOptions {
  /** Where the store lives; default a fresh SQLite file in a temp directory. */
  storeOptions?: OpenStoreOptions;
  clock?: FakeClock;
  kb?: KnowledgeBase;
  /** A log shared with other instances; default a new one. */
  dms?: DmRecorder;
  poster?: PostRecorder;
  /** Names this instance in the logs and in scheduler claims. */
  name?: string;
  admins?: string[];
  dmClosed?: string[];
  onboardChannel?: string;
  welcome?: boolean;
  stallDays?: number;
  log?: Logger;
}

export interface World {
  name: string;
  ctx: Context;
  dispatcher: Dispatcher;
  service: OnboardingService;
  store: Store;
  clock: FakeClock;
  dms: DmRecorder;
  poster: PostRecorder;
  /** A scheduler with the jobs src/main.ts adds (quiz post and close, onboarding drip and nudge). */
  scheduler(owner?: string): Scheduler;
  /** Stops this instance's schedulers and closes its store; once, however often it is called. */
  close(): Promise<void>;
}

const tempDirs: string[] = [];

/** A fresh SQLite file in a temp directory (removed by removeTempDirs). */
export function tempSqlite(): OpenStoreOptions {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-onboard-"));
  tempDirs.push(dir);
  return { sqlitePath: path.join(dir, "dockhand.db") };
}

/** A fresh temp directory (removed by removeTempDirs). */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-onboard-pack-"));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export async function openWorld(o: WorldOptions = {}): Promise<World> {
  const shared = o.kb ? undefined : knowledge();
  const kb = o.kb ?? (shared as { kb: KnowledgeBase }).kb;
  const search = shared?.search ?? new SearchIndex(kb);
  const store = await openStore(o.storeOptions ?? tempSqlite());
  const clock = o.clock ?? new FakeClock();
  const name = o.name ?? "a";
  const log = o.log ?? silentLogger();
  const dms = o.dms ?? new DmRecorder(o.dmClosed);
  for (const u of o.dmClosed ?? []) dms.closed.add(u);
  const poster = o.poster ?? new PostRecorder(name);
  const stallDays = o.stallDays ?? 7;
  const quiz = new QuizService({ kb, store, clock, log, poster, showNames: false });
  const service = new OnboardingService({
    kb,
    store,
    clock,
    log,
    messenger: dms.messenger(clock, name),
    poster,
    channelId: o.onboardChannel,
    stallDays,
    welcome: o.welcome,
  });
  const ctx: Context = {
    kb,
    search,
    store,
    clock,
    log,
    admins: new Set(o.admins ?? ["U-admin"]),
    commands,
    quiz,
    onboarding: service,
    review: new ReviewService({
      kb,
      search,
      repo: store.reviews,
      clock,
      log,
      messenger: dms.messenger(clock, name),
      timezone: "UTC",
    }),
    timezone: "UTC",
  };
  const schedulers: Scheduler[] = [];
  let closed = false;
  return {
    name,
    ctx,
    dispatcher: new Dispatcher(ctx, handleAction),
    service,
    store,
    clock,
    dms,
    poster,
    scheduler(owner = `host-${name}`) {
      const s = new Scheduler({ store, clock, log, owner });
      s.add(quizPostJob(store, quiz));
      s.add(quizCloseJob(store, quiz, clock));
      s.add(onboardingDripJob(store, service));
      s.add(onboardingNudgeJob(store, service, clock, stallDays));
      schedulers.push(s);
      return s;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of schedulers) await s.stop();
      await store.close();
    },
  };
}

/** Someone in Slack channel C1 of workspace T1; not an admin unless told. */
export function user(name: string, overrides: Partial<Caller> = {}): Caller {
  return {
    platform: "slack",
    workspaceId: "T1",
    channelId: "C1",
    userId: `U-${name}`,
    userName: name,
    platformAdmin: false,
    ...overrides,
  };
}

export function memberOf(c: Caller): Member {
  return { platform: c.platform, workspaceId: c.workspaceId, userId: c.userId, userName: c.userName };
}

/** Moves the clock in steps up to `until`, calling `each` after every step. */
export async function runUntil(
  clock: FakeClock,
  until: string | Date,
  stepMs: number,
  each: () => Promise<unknown>,
): Promise<void> {
  const end = new Date(until).getTime();
  while (clock.now().getTime() < end) {
    clock.advance(stepMs);
    await each();
  }
}

/** The rows of onboard_dm_failures, oldest first. */
export async function dmFailures(store: Store) {
  return store.db.selectFrom("onboard_dm_failures").selectAll().orderBy("id").execute();
}

/** The wall clock in a zone: "Mon 09:30", for checking local delivery times. */
export function localTime(at: Date, timezone: string): { weekday: string; date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: timezone,
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return {
    weekday: String(parts.weekday),
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
  };
}

/** Writes a team pack with one track over existing entry ids; returns its directory. */
export function teamPack(
  id: string,
  title: string,
  entries: string[],
  into: string = tempDir(),
  file = `tracks/${id}.yaml`,
): string {
  const track = {
    id,
    title,
    description: "Our team's own first steps.",
    steps: entries.map((entry) => ({ entry, goal: `Get to know ${entry} the way our team uses it.` })),
  };
  const target = path.join(into, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, stringify(track));
  return into;
}

/**
 * Declares `body` for SQLite and, when TEST_DATABASE_URL is set, for PostgreSQL; otherwise says
 * visibly that the PostgreSQL variant was skipped. `fresh()` gives an empty, isolated database.
 */
export function onBothDatabases(
  title: string,
  body: (db: { dialect: "sqlite" | "postgres"; fresh: () => Promise<OpenStoreOptions> }) => void,
): void {
  const targets: Target[] = [sqliteTarget()];
  const pgUrl = process.env.TEST_DATABASE_URL;
  if (pgUrl) targets.push(postgresTarget(pgUrl));
  for (const target of targets) {
    describe(`${title} (${target.dialect === "sqlite" ? "SQLite" : "PostgreSQL"})`, () => {
      afterAll(() => target.cleanup());
      body({ dialect: target.dialect, fresh: () => target.fresh() });
    });
  }
  if (!pgUrl) {
    console.warn(
      `${title} on PostgreSQL skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)`,
    );
    describe.skip(`${title} (PostgreSQL: set TEST_DATABASE_URL)`, () => {
      it.skip("skipped", () => {});
    });
  }
}
