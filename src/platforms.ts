import type { ConsoleChat } from "./adapters/console/app.ts";
import type { DiscordAdapter } from "./adapters/discord/lifecycle.ts";
import type { SlackAdapter } from "./adapters/slack/lifecycle.ts";
import type { Config } from "./config.ts";
import type { Clock } from "./core/clock.ts";
import type { Dispatcher } from "./core/dispatch.ts";
import type { Logger } from "./core/logger.ts";
import type { Member, Messenger } from "./core/onboarding/model.ts";
import type { OnboardingService } from "./core/onboarding/service.ts";
import type { Platform } from "./core/platform.ts";
import type { Poster } from "./core/quiz/model.ts";
import type { QuizService } from "./core/quiz/service.ts";
import { cleanText } from "./core/sanitize.ts";
import type { Scheduler } from "./core/schedule/scheduler.ts";
import { GatewayHolder } from "./ops/gateway-lock.ts";
import type { Metrics } from "./ops/metrics.ts";
import type { Store } from "./store/index.ts";

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

/** Connects the configured chat platforms; each is loaded only when configured, so the terminal chat starts quickly. */
export async function startPlatforms(o: {
  config: Config;
  wanted: { slack: boolean; discord: boolean };
  adapters: Adapters;
  dispatcher: Dispatcher;
  onboarding: OnboardingService;
  store: Store;
  log: Logger;
  clock: Clock;
  metrics: Metrics;
  /** With PostgreSQL, who holds the one Discord gateway session (set once Discord starts). */
  holder: { current?: GatewayHolder };
  /** Names this process on the claims it holds. */
  owner: string;
}): Promise<void> {
  const { config, dispatcher, store, log, clock } = o;
  const s = config.slack;
  const d = config.discord;
  const welcome = (m: Member, channelId?: string, w?: { tag: string }) =>
    o.onboarding.welcome({ ...m, userName: cleanText(m.userName) }, channelId, w).then(() => undefined);
  if (o.wanted.slack && s.botToken) {
    const { startSlack } = await import("./adapters/slack/lifecycle.ts");
    try {
      o.adapters.slack = await startSlack({
        dispatcher,
        events: store,
        log,
        clock,
        graceMs: config.quiz.graceMs,
        // A few quick retries: without a network, start-up fails in seconds instead of retrying for minutes.
        webRetries: 3,
        ...(s.apiUrl ? { apiUrl: s.apiUrl } : {}),
        mode: s.appToken
          ? { kind: "socket", botToken: s.botToken, appToken: s.appToken }
          : { kind: "http", botToken: s.botToken, signingSecret: s.signingSecret as string, port: "external" },
        // member_joined_channel fires for every channel the bot is in: welcome only in the onboarding channel.
        onMemberJoined: (m, w) =>
          w.event === "team_join" || (config.onboarding.channelId && w.channelId === config.onboarding.channelId)
            ? welcome(m, w.channelId)
            : Promise.resolve(),
      });
    } catch (err) {
      throw new Error(`Slack did not start: ${slackHint((err as Error).message)}`);
    }
  }
  if (o.wanted.discord && d.token && d.applicationId) {
    const { startDiscord } = await import("./adapters/discord/lifecycle.ts");
    // Replicas on PostgreSQL that take interactions over HTTP: one of them holds the gateway (member
    // joins), all answer over HTTP. Without HTTP interactions every replica keeps a gateway session,
    // and leased claims decide which one handles each event (and take over a dead one's).
    const shared = store.dialect === "postgres" && d.publicKey !== undefined;
    const discord = await startDiscord({
      dispatcher,
      events: store,
      log,
      owner: o.owner,
      leaseMs: config.scheduler.leaseMs,
      token: d.token,
      applicationId: d.applicationId,
      ...(d.apiUrl ? { apiUrl: d.apiUrl } : {}),
      ...(d.publicKey ? { publicKey: d.publicKey } : {}),
      gateway: shared ? "later" : "now",
      ...(store.sendSlots ? { sendSlots: store.sendSlots } : {}),
      graceMs: config.quiz.graceMs,
      telemetry: o.metrics,
      ...(config.onboarding.welcome
        ? { onMemberJoined: (m: Member, w: { tag: string }) => welcome(m, undefined, w) }
        : {}),
    });
    o.adapters.discord = discord;
    if (shared) {
      o.holder.current = new GatewayHolder({
        lock: store.exclusiveLock("discord-gateway"),
        retryMs: d.gatewayRetryMs,
        log: log.child({ adapter: "discord", component: "gateway-lock" }),
        connect: () => discord.gateway.connect(),
        disconnect: () => discord.gateway.disconnect(),
      });
      await o.holder.current.start();
    }
  }
}

/** Slack's start-up error, with what to check when it names a network or token problem. */
function slackHint(message: string): string {
  const hint = /request error|fetch failed|ENOTFOUND|ECONNREFUSED/i.test(message)
    ? " (Slack's Web API could not be reached: check the network, a proxy, or SLACK_API_URL)"
    : /invalid_auth|not_authed|token_revoked|account_inactive/.test(message)
      ? " (SLACK_BOT_TOKEN was refused: copy the Bot User OAuth Token again)"
      : "";
  return `${message}${hint}`;
}
