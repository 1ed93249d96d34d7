/**
 * A real quiz setup for the integration tests: the real commands, Dispatcher, QuizService,
 * Scheduler and store (a SQLite temp file, or PostgreSQL), a FakeClock, and a recording Poster
 * that stands in for the chat platform.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { handleAction } from "../../../commands/actions.ts";
import { commands } from "../../../commands/index.ts";
import { parseAction } from "../../../src/core/actions.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import type { Caller, Context } from "../../../src/core/command.ts";
import { Dispatcher } from "../../../src/core/dispatch.ts";
import type { KnowledgeBase } from "../../../src/core/knowledge/loader.ts";
import type { Entry, QuizQuestion } from "../../../src/core/knowledge/schema.ts";
import { SearchIndex } from "../../../src/core/knowledge/search.ts";
import { type Logger, silentLogger } from "../../../src/core/logger.ts";
import { type Messenger, OnboardingService } from "../../../src/core/onboarding/service.ts";
import { quizCloseJob, quizPostJob } from "../../../src/core/quiz/jobs.ts";
import { type Poster, QuizService } from "../../../src/core/quiz/service.ts";
import type { Reply } from "../../../src/core/reply.ts";
import { ReviewService } from "../../../src/core/review/service.ts";
import { Scheduler } from "../../../src/core/schedule/scheduler.ts";
import { type OpenStoreOptions, openStore, type Store } from "../../../src/store/index.ts";
import type { QuizChannel, QuizRound } from "../../../src/store/quiz-store.ts";
import { knowledge } from "../fixture.ts";

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

export interface World {
  store: Store;
  clock: FakeClock;
  poster: RecordingPoster;
  quiz: QuizService;
  ctx: Context;
  dispatcher: Dispatcher;
  /** A scheduler with the quiz jobs, as src/main.ts wires it. */
  scheduler(owner: string, opts?: { graceMs?: number; log?: Logger }): Scheduler;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Where the store lives; default a fresh SQLite file in a temp directory. */
  storeOptions?: OpenStoreOptions;
  clock?: FakeClock;
  poster?: RecordingPoster;
  kb?: KnowledgeBase;
  showNames?: boolean;
  admins?: string[];
  timezone?: string;
  log?: Logger;
}

const tempDirs: string[] = [];

/** A fresh SQLite file in a temp directory (removed by removeTempDirs). */
export function tempSqlite(): OpenStoreOptions {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-quiz-"));
  tempDirs.push(dir);
  return { sqlitePath: path.join(dir, "dockhand.db") };
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
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
  const storeOptions = o.storeOptions ?? tempSqlite();
  const store = await openStore(storeOptions);
  const clock = o.clock ?? new FakeClock();
  const poster = o.poster ?? new RecordingPoster(clock);
  const log = o.log ?? silentLogger();
  const quiz = new QuizService({ kb, store, clock, log, poster, showNames: o.showNames ?? true });
  // The quiz tests send no direct messages; onboarding is part of every context.
  const messenger: Messenger = { dm: async () => {}, notice: async () => {} };
  const onboarding = new OnboardingService({ kb, store, clock, log, messenger, poster, stallDays: 7 });
  const ctx: Context = {
    kb,
    search,
    store,
    clock,
    log,
    admins: new Set(o.admins ?? ["U-admin"]),
    commands,
    quiz,
    onboarding,
    review: new ReviewService({ kb, search, repo: store.reviews, clock, log, messenger, timezone: "UTC" }),
    timezone: o.timezone ?? "UTC",
  };
  const schedulers: Scheduler[] = [];
  let closed = false;
  return {
    store,
    clock,
    poster,
    quiz,
    ctx,
    dispatcher: settling(new Dispatcher(ctx, handleAction), quiz),
    scheduler(owner, opts = {}) {
      const s = new Scheduler({
        store,
        clock,
        log: opts.log ?? log,
        owner,
        ...(opts.graceMs === undefined ? {} : { graceMs: opts.graceMs }),
      });
      s.add(quizPostJob(store, quiz));
      s.add(quizCloseJob(store, quiz, clock));
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
