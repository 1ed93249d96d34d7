import type { ConsoleChat } from "./adapters/console/app.ts";
import type { DiscordAdapter } from "./adapters/discord/lifecycle.ts";
import type { SlackAdapter } from "./adapters/slack/lifecycle.ts";
import type { Messenger } from "./core/onboarding/model.ts";
import type { Platform } from "./core/platform.ts";
import type { Poster } from "./core/quiz/model.ts";
import type { QuizService } from "./core/quiz/service.ts";
import type { Scheduler } from "./core/schedule/scheduler.ts";

/** The chat platforms connected so far (filled in as they start). */
export interface Adapters {
  slack?: SlackAdapter;
  discord?: DiscordAdapter;
}

/** Quiz posts and onboarding DMs go out through the platform of the channel or member. */
export function routeByPlatform(chatUi: ConsoleChat, adapters: Adapters): { poster: Poster; messenger: Messenger } {
  const adapterFor = (platform: Platform): { poster: Poster; messenger: Messenger } => {
    if (platform === "console") return chatUi;
    const adapter = adapters[platform];
    if (!adapter) throw new Error(`the ${platform} adapter is not connected`);
    return adapter;
  };
  return {
    poster: {
      post: (ch, r, o) => adapterFor(ch.platform).poster.post(ch, r, o),
      update: (ch, ref, r) => adapterFor(ch.platform).poster.update(ch, ref, r),
      // Only some platforms can look for a post; without find, a resumed post goes out again.
      find: async (ch, tag, since) => {
        const poster = adapterFor(ch.platform).poster;
        if (!poster.find) throw new Error(`cannot look for posts on ${ch.platform}`);
        return poster.find(ch, tag, since);
      },
    },
    messenger: {
      dm: (m, r, o) => adapterFor(m.platform).messenger.dm(m, r, o),
      notice: (c, m, r) => adapterFor(m.platform).messenger.notice(c, m, r),
    },
  };
}

/**
 * At shutdown, how long a quiz post in flight is waited for, then how long the channel is searched
 * for its message; together well inside the shutdown deadline.
 */
const STOP_WAIT_MS = 4_000;
const FIND_WAIT_MS = 2_000;

/**
 * Stops the scheduled work and the adapters. A post that hangs must not hold the shutdown past its
 * deadline: the quiz settles the rounds it was posting, the scheduler hands its unfinished claims
 * to the next process, and the Slack adapter stops waiting for handlers stuck on such a post.
 */
export async function stopWork(o: { scheduler: Scheduler; quiz: QuizService; adapters: Adapters }): Promise<void> {
  await Promise.allSettled([
    o.scheduler.stop(STOP_WAIT_MS + FIND_WAIT_MS),
    o.quiz.stop(STOP_WAIT_MS, FIND_WAIT_MS),
    o.adapters.slack?.stop(STOP_WAIT_MS + FIND_WAIT_MS + 1_000),
    o.adapters.discord?.stop(),
  ]);
}
