import { handleAction } from "../commands/buttons.ts";
import { commands } from "../commands/index.ts";
import { AnswersService } from "./core/answers/service.ts";
import type { Clock } from "./core/clock.ts";
import type { Context } from "./core/command.ts";
import { Dispatcher } from "./core/dispatch.ts";
import type { KnowledgeBase } from "./core/knowledge/loader.ts";
import type { SearchIndex } from "./core/knowledge/search.ts";
import type { Logger } from "./core/logger.ts";
import { onboardingDripJob, onboardingNudgeJob } from "./core/onboarding/jobs.ts";
import type { Messenger } from "./core/onboarding/model.ts";
import { OnboardingService } from "./core/onboarding/service.ts";
import { quizCloseJob, quizPostJob } from "./core/quiz/jobs.ts";
import type { Poster } from "./core/quiz/model.ts";
import { QuizService } from "./core/quiz/service.ts";
import { reviewNudgeJob } from "./core/review/jobs.ts";
import { ReviewService } from "./core/review/service.ts";
import { Scheduler } from "./core/schedule/scheduler.ts";
import type { Telemetry } from "./core/telemetry.ts";
import type { Store } from "./store/types.ts";

export interface Parts {
  kb: KnowledgeBase;
  search: SearchIndex;
  store: Store;
  clock: Clock;
  log: Logger;
  /** How quiz posts and onboarding DMs reach the platforms. */
  poster: Poster;
  messenger: Messenger;
  admins: ReadonlySet<string>;
  timezone: string;
  quiz: { showNames: boolean; graceMs?: number };
  onboarding: { channelId?: string; stallDays: number; welcome?: boolean };
  /** Counts and timings for /metrics (src/ops/metrics.ts); none when absent. */
  telemetry?: Telemetry;
  /** Names this process on the claims and rounds it holds, e.g. "host-1234". */
  owner?: string;
  /** How long a claim or a round being posted holds without renewal (default 60 s). */
  leaseMs?: number;
}

/**
 * The core as main.ts runs it: services, the command context, the dispatcher and a scheduler with
 * every job. main.ts adds config and adapters around it; the terminal-session tests use the same
 * function, so they exercise the real wiring rather than a copy of it.
 */
export function assemble(p: Parts) {
  const review = new ReviewService({
    kb: p.kb,
    search: p.search,
    repo: p.store.reviews,
    clock: p.clock,
    log: p.log.child({ feature: "review" }),
    messenger: p.messenger,
    timezone: p.timezone,
  });
  const quiz = new QuizService({
    kb: p.kb,
    repo: p.store.quiz,
    clock: p.clock,
    log: p.log.child({ feature: "quiz" }),
    poster: p.poster,
    showNames: p.quiz.showNames,
    telemetry: p.telemetry,
    timezone: p.timezone,
    ...(p.owner === undefined ? {} : { owner: p.owner }),
    ...(p.leaseMs === undefined ? {} : { leaseMs: p.leaseMs }),
    onMissed: (who, ref) => review.missed(who, ref, "quiz"),
  });
  const onboarding = new OnboardingService({
    kb: p.kb,
    repo: p.store.onboarding,
    clock: p.clock,
    log: p.log.child({ feature: "onboarding" }),
    messenger: p.messenger,
    poster: p.poster,
    channelId: p.onboarding.channelId,
    stallDays: p.onboarding.stallDays,
    welcome: p.onboarding.welcome,
    telemetry: p.telemetry,
    onMissed: (who, ref) => review.missed(who, ref, "onboarding"),
  });
  const answers = new AnswersService({
    kb: p.kb,
    search: p.search,
    repo: p.store,
    clock: p.clock,
    telemetry: p.telemetry,
  });
  const ctx: Context = {
    kb: p.kb,
    search: p.search,
    clock: p.clock,
    log: p.log,
    admins: p.admins,
    commands,
    quiz,
    onboarding,
    answers,
    review,
    timezone: p.timezone,
    telemetry: p.telemetry,
  };
  const dispatcher = new Dispatcher(ctx, handleAction);
  /** A scheduler with every job; tests may give it a grace period or a log of its own. */
  const scheduler = (owner = p.owner ?? "local", o: { graceMs?: number; log?: Logger } = {}) => {
    const graceMs = o.graceMs ?? p.quiz.graceMs;
    const s = new Scheduler({
      store: p.store,
      clock: p.clock,
      log: o.log ?? p.log.child({ feature: "scheduler" }),
      owner,
      ...(p.leaseMs === undefined ? {} : { leaseMs: p.leaseMs }),
      ...(graceMs === undefined ? {} : { graceMs }),
      prepare: (due) => p.store.warm(due),
    });
    s.add(quizPostJob(p.store.quiz, quiz));
    s.add(quizCloseJob(p.store.quiz, quiz, p.clock));
    s.add(onboardingDripJob(p.store.onboarding, onboarding));
    s.add(onboardingNudgeJob(p.store.onboarding, onboarding, p.clock, p.onboarding.stallDays));
    s.add(reviewNudgeJob(p.store.reviews, review));
    return s;
  };
  return { ctx, dispatcher, quiz, onboarding, answers, review, scheduler };
}
