/**
 * A real Dockhand for the integration tests of the quiz and onboarding: assemble() wires the real
 * commands, Dispatcher, services, store (a SQLite temp file, several instances on one file, or
 * PostgreSQL) and scheduler as src/main.ts does, on a FakeClock. The chat platform is replaced by
 * recorders: a Poster that keeps (and can be told to fail) channel posts, and a Messenger that
 * keeps direct messages with the clock's time and the instance that sent them, so that several
 * instances can write to one log.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, it } from "vitest";
import { stringify } from "yaml";
import { assemble } from "../../src/assemble.ts";
import { parseAction } from "../../src/core/actions.ts";
import { FakeClock } from "../../src/core/clock.ts";
import type { Caller, Context } from "../../src/core/command.ts";
import type { Dispatcher } from "../../src/core/dispatch.ts";
import type { KnowledgeBase } from "../../src/core/knowledge/loader.ts";
import type { Entry, QuizQuestion } from "../../src/core/knowledge/schema.ts";
import { SearchIndex } from "../../src/core/knowledge/search.ts";
import { type Logger, silentLogger } from "../../src/core/logger.ts";
import { DmClosedError, type Member, type Messenger } from "../../src/core/onboarding/model.ts";
import type { OnboardingService } from "../../src/core/onboarding/service.ts";
import type { Poster, QuizChannel, QuizRound } from "../../src/core/quiz/model.ts";
import type { QuizService } from "../../src/core/quiz/service.ts";
import type { Reply } from "../../src/core/reply.ts";
import type { Scheduler } from "../../src/core/schedule/scheduler.ts";
import { type OpenStoreOptions, openStore, type Store } from "../../src/store/index.ts";
import { postgresTarget, sqliteTarget, type Target } from "../store/targets.ts";
import { knowledge } from "./fixture.ts";

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export interface PostRecord {
  channel: QuizChannel;
  ref: string;
  reply: Reply;
  /** The fake clock's time when the post went out. */
  at: Date;
}

export interface UpdateRecord {
  channel: QuizChannel;
  ref: string | null;
  reply: Reply;
  at: Date;
}

/**
 * A stand-in for a chat platform: keeps what was posted and edited, and can be told to fail the
 * next N posts (or every post) the way a platform that is down or rate-limiting would.
 */
export class RecordingPoster implements Poster {
  readonly posts: PostRecord[] = [];
  readonly updates: UpdateRecord[] = [];
  /** Every call to post, failed or not, with the clock's time. */
  readonly attempts: Date[] = [];
  alwaysFail = false;
  private failures = 0;

  constructor(
    private readonly clock: FakeClock,
    private readonly name = "msg",
  ) {}

  failNext(n: number): void {
    this.failures += n;
  }

  async post(ch: QuizChannel, reply: Reply): Promise<string | null> {
    this.attempts.push(this.clock.now());
    if (this.alwaysFail || this.failures > 0) {
      if (!this.alwaysFail) this.failures -= 1;
      throw new Error("the platform is unavailable (429 rate limited)");
    }
    const ref = `${this.name}-${this.posts.length + 1}`;
    this.posts.push({ channel: channelOnly(ch), ref, reply, at: this.clock.now() });
    return ref;
  }

  async update(ch: QuizChannel, ref: string | null, reply: Reply): Promise<void> {
    this.updates.push({ channel: channelOnly(ch), ref, reply, at: this.clock.now() });
  }

  /** The reveals: updates that replace the question with the answer. */
  reveals(): UpdateRecord[] {
    return this.updates.filter((u) => u.reply.replaceOriginal === true);
  }
}

function channelOnly(ch: QuizChannel): QuizChannel {
  return { platform: ch.platform, workspaceId: ch.workspaceId, channelId: ch.channelId };
}

export interface SentDm {
  userId: string;
  reply: Reply;
  /** The fake clock's time when it was sent. */
  at: Date;
  /** The instance that sent it. */
  by: string;
  /** What the DM was for, when the sender named it (a drip occurrence, a welcome). */
  tag?: string;
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
      dm: async (member, reply, o) => {
        if (this.closed.has(member.userId)) throw new DmClosedError("direct messages are closed");
        this.sent.push({ userId: member.userId, reply, at: clock.now(), by, ...(o?.tag ? { tag: o.tag } : {}) });
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

export interface World {
  /** Names this instance in the logs and in scheduler claims. */
  name: string;
  store: Store;
  clock: FakeClock;
  poster: RecordingPoster;
  dms: DmRecorder;
  quiz: QuizService;
  /** The onboarding service. */
  service: OnboardingService;
  ctx: Context;
  dispatcher: Dispatcher;
  /** A scheduler with the jobs src/main.ts adds (quiz post and close, onboarding drip and nudge). */
  scheduler(owner?: string, opts?: { graceMs?: number; log?: Logger }): Scheduler;
  /** Stops this instance's schedulers and closes its store; once, however often it is called. */
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Where the store lives; default a fresh SQLite file in a temp directory. */
  storeOptions?: OpenStoreOptions;
  clock?: FakeClock;
  poster?: RecordingPoster;
  /** A log of direct messages shared with other instances; default a new one. */
  dms?: DmRecorder;
  kb?: KnowledgeBase;
  /** Names this instance in the logs and in scheduler claims (default "a"). */
  name?: string;
  showNames?: boolean;
  admins?: string[];
  timezone?: string;
  log?: Logger;
  dmClosed?: string[];
  onboardChannel?: string;
  welcome?: boolean;
  stallDays?: number;
}

const tempDirs: string[] = [];

/** A fresh SQLite file in a temp directory (removed by removeTempDirs). */
export function tempSqlite(): OpenStoreOptions {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-world-"));
  tempDirs.push(dir);
  return { sqlitePath: path.join(dir, "dockhand.db") };
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A fresh temp directory (removed by removeTempDirs). */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-world-pack-"));
  tempDirs.push(dir);
  return dir;
}

/** A click's answer count is updated after its reply: these tests look once that has happened. */
function settling(dispatcher: Dispatcher, quiz: QuizService): Dispatcher {
  const action = dispatcher.action.bind(dispatcher);
  dispatcher.action = async (id, who) => {
    const reply = await action(id, who);
    await quiz.idle();
    return reply;
  };
  return dispatcher;
}

export async function openWorld(o: WorldOptions = {}): Promise<World> {
  const shared = o.kb ? undefined : knowledge();
  const kb = o.kb ?? (shared as { kb: KnowledgeBase }).kb;
  const search = shared?.search ?? new SearchIndex(kb);
  const store = await openStore(o.storeOptions ?? tempSqlite());
  const clock = o.clock ?? new FakeClock();
  const name = o.name ?? "a";
  const poster = o.poster ?? new RecordingPoster(clock);
  const dms = o.dms ?? new DmRecorder(o.dmClosed);
  for (const u of o.dmClosed ?? []) dms.closed.add(u);
  const log = o.log ?? silentLogger();
  const parts = assemble({
    kb,
    search,
    store,
    clock,
    log,
    poster,
    messenger: dms.messenger(clock, name),
    admins: new Set(o.admins ?? ["U-admin"]),
    timezone: o.timezone ?? "UTC",
    quiz: { showNames: o.showNames ?? true },
    onboarding: { channelId: o.onboardChannel, stallDays: o.stallDays ?? 7, welcome: o.welcome },
  });
  const schedulers: Scheduler[] = [];
  let closed = false;
  return {
    name,
    store,
    clock,
    poster,
    dms,
    quiz: parts.quiz,
    service: parts.onboarding,
    ctx: parts.ctx,
    dispatcher: settling(parts.dispatcher, parts.quiz),
    scheduler(owner = `host-${name}`, opts = {}) {
      const s = parts.scheduler(owner, { log: opts.log ?? log, ...opts });
      schedulers.push(s);
      return s;
    },
    async close() {
      // Idempotent: a test may close a world itself (a process stopping) before afterEach does.
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

export const C1: QuizChannel = { platform: "slack", workspaceId: "T1", channelId: "C1" };

/** The posted question's round id and its choice buttons' action ids, in order A, B, C, D. */
export function choicesOf(question: Reply): { roundId: number; actions: string[] } {
  const actions = (question.buttons ?? []).map((b) => b.action);
  const parsed = actions.map((a) => parseAction(a));
  const first = parsed[0];
  if (first?.kind !== "answer") throw new Error(`not a quiz question: ${question.fallback}`);
  return { roundId: first.round, actions };
}

/** The question a round asks, from the knowledge base it was picked from. */
export function questionOf(kb: KnowledgeBase, round: Pick<QuizRound, "entryId" | "questionIndex">): QuizQuestion {
  const q = kb.byId.get(round.entryId)?.quiz[round.questionIndex];
  if (!q) throw new Error(`no question ${round.entryId}#${round.questionIndex}`);
  return q;
}

/** The round of a posted question, with its right and one wrong choice. */
export async function roundOf(w: World, question: Reply) {
  const { roundId, actions } = choicesOf(question);
  const round = await w.store.quiz.getRound(roundId);
  if (!round) throw new Error(`round ${roundId} is not stored`);
  const q = questionOf(w.ctx.kb, round);
  const right = q.answer;
  const wrong = (q.answer + 1) % q.choices.length;
  return {
    round,
    q,
    actions,
    right,
    wrong,
    rightAction: actions[right] as string,
    wrongAction: actions[wrong] as string,
  };
}

/** Every row of quiz_scores, by user id. */
export async function scores(store: Store) {
  const rows = await store.db.selectFrom("quiz_scores").selectAll().orderBy("user_id").execute();
  return rows.map((r) => ({
    channel: r.channel_id,
    userId: r.user_id,
    points: Number(r.points),
    answered: Number(r.answered),
    correct: Number(r.correct),
    streak: Number(r.streak),
    best: Number(r.best_streak),
  }));
}

/** Every round, oldest first. */
export async function rounds(store: Store): Promise<QuizRound[]> {
  const rows = await store.db.selectFrom("quiz_rounds").select("id").orderBy("id").execute();
  const out: QuizRound[] = [];
  for (const r of rows) {
    const round = await store.quiz.getRound(Number(r.id));
    if (round) out.push(round);
  }
  return out;
}

/** A small knowledge base built by hand: entries with the given quiz questions. */
export function fixtureKb(spec: Record<string, QuizQuestion[]>, pack = "fixture"): KnowledgeBase {
  const entries: Entry[] = Object.entries(spec).map(([id, quiz]) => ({
    id,
    title: `Fixture ${id}`,
    aliases: [],
    tags: ["fixture"],
    related: [],
    summary: `The ${id} fixture entry.`,
    commands: [],
    sources: ["https://docs.docker.com/"],
    verified: { date: "2026-01-31", docker: "27.5" },
    quiz,
    body: `## ${id}\n\nFixture.`,
    sections: [{ heading: id, text: "Fixture.", anchor: id }],
    file: `${id}.md`,
    pack,
  }));
  return { entries, byId: new Map(entries.map((e) => [e.id, e])), tracks: [], packs: [pack] };
}

/** A three-choice question whose right answer is `answer`. */
export function question(text: string, answer = 0): QuizQuestion {
  return { question: text, choices: [`${text} one`, `${text} two`, `${text} three`], answer, explanation: `${text}.` };
}

/** A pino logger that keeps its lines, parsed. */
export function memoryLog(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** Advances the clock in steps of `stepMs` up to and including `until`, running `each` after every step. */
export async function runUntil(clock: FakeClock, until: Date | string, stepMs: number, each: () => Promise<unknown>) {
  const end = new Date(until).getTime();
  while (clock.now().getTime() + stepMs <= end) {
    clock.advance(stepMs);
    await each();
  }
}

export function memberOf(c: Caller): Member {
  return { platform: c.platform, workspaceId: c.workspaceId, userId: c.userId, userName: c.userName };
}

/** Moves the clock in steps until it reaches `until` (the last step may pass it), calling `each` after every step. */
export async function stepTo(
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
