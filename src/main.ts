import { hostname } from "node:os";
import { resolve } from "node:path";
import { ConsoleChat } from "./adapters/console/app.ts";
import type { SlackAdapter } from "./adapters/slack/app.ts";
import { assemble } from "./assemble.ts";
import { type Config, loadConfig, platformStatus } from "./config.ts";
import { systemClock } from "./core/clock.ts";
import { formatProblem, loadKnowledge } from "./core/knowledge/loader.ts";
import { SearchIndex } from "./core/knowledge/search.ts";
import { createLogger } from "./core/logger.ts";
import type { Messenger } from "./core/onboarding/service.ts";
import type { Poster } from "./core/quiz/service.ts";
import { validateTimezone } from "./core/schedule/recurrence.ts";
import { builtInPacks } from "./paths.ts";
import { openStore } from "./store/index.ts";

/** Thrown for a start-up problem that a person fixes by changing settings or files. */
export class StartupError extends Error {}

/** The composition root: config → logger → knowledge → store → core → adapters. */
export async function start(io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  const platforms = platformStatus(config);
  const chat = !platforms.some((p) => p.configured);
  // In the terminal chat, logs go to stderr and only warnings show, so they do not interleave with answers.
  const log = createLogger({
    level: config.logLevel ?? (chat ? "warn" : "info"),
    pretty: chat ? io.stderr.isTTY === true : io.stdout.isTTY === true,
    destination: chat ? 2 : 1,
  });

  const { kb, problems } = loadKnowledge([...builtInPacks, ...config.knowledgeDirs.map((d) => resolve(d))]);
  if (problems.length > 0) {
    throw new StartupError(
      `The knowledge packs have ${problems.length} problem(s):\n  ${problems.slice(0, 20).map(formatProblem).join("\n  ")}\nRun "npx dockhand lint" for the full list.`,
    );
  }
  const search = new SearchIndex(kb);
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore({ url: config.databaseUrl, sqlitePath: config.sqlitePath });
  } catch (err) {
    throw new StartupError((err as Error).message);
  }

  let timezone: string;
  try {
    timezone = validateTimezone(config.timezone);
  } catch (err) {
    throw new StartupError(`DOCKHAND_TIMEZONE: ${(err as Error).message}`);
  }
  const interactive = io.stdin.isTTY === true && io.stdout.isTTY === true;
  const chatUi = new ConsoleChat({
    input: io.stdin,
    output: io.stdout,
    interactive,
    caller: {
      platform: "console",
      workspaceId: "local",
      channelId: "terminal",
      userId: "console",
      userName: "you",
      platformAdmin: true,
    },
  });
  const clock = systemClock;
  // Quiz posts and onboarding DMs go out through the platform of the channel or member.
  let slack: SlackAdapter | undefined;
  const slackOr = () => {
    if (!slack) throw new Error("the Slack adapter is not connected yet");
    return slack;
  };
  const poster: Poster = {
    post: (ch, r) => (ch.platform === "slack" ? slackOr().poster.post(ch, r) : chatUi.poster.post(ch, r)),
    update: (ch, ref, r) =>
      ch.platform === "slack" ? slackOr().poster.update(ch, ref, r) : chatUi.poster.update(ch, ref, r),
  };
  const messenger: Messenger = {
    dm: (m, r) => (m.platform === "slack" ? slackOr().messenger.dm(m, r) : chatUi.messenger.dm(m, r)),
    notice: (c, m, r) =>
      m.platform === "slack" ? slackOr().messenger.notice(c, m, r) : chatUi.messenger.notice(c, m, r),
  };
  const {
    dispatcher,
    onboarding,
    scheduler: makeScheduler,
  } = assemble({
    kb,
    search,
    store,
    clock,
    log,
    poster,
    messenger,
    admins: config.admins,
    timezone,
    quiz: config.quiz,
    onboarding: config.onboarding,
  });
  const scheduler = makeScheduler(`${hostname()}-${process.pid}`);
  const say = (line: string) => io.stderr.write(`${line}\n`);
  say(
    `Dockhand: ${kb.entries.length} knowledge entries, ${kb.tracks.length} track(s); store: ${store.dialect === "postgres" ? "PostgreSQL" : config.sqlitePath}`,
  );
  const s = config.slack;
  try {
    if (s.botToken && (s.appToken || (s.signingSecret && config.port))) {
      // Loaded only when Slack is configured, so the terminal chat starts quickly.
      const { startSlack } = await import("./adapters/slack/app.ts");
      slack = await startSlack({
        dispatcher,
        store,
        log,
        clock,
        graceMs: config.quiz.graceMs,
        mode: s.appToken
          ? { kind: "socket", botToken: s.botToken, appToken: s.appToken }
          : {
              kind: "http",
              botToken: s.botToken,
              signingSecret: s.signingSecret as string,
              port: config.port as number,
            },
        // member_joined_channel fires for every channel the bot is in: welcome only in the onboarding channel.
        onMemberJoined: (m, w) =>
          w.event === "team_join" || (config.onboarding.channelId && w.channelId === config.onboarding.channelId)
            ? onboarding.welcome(m, w.channelId).then(() => undefined)
            : Promise.resolve(),
      });
    }
  } catch (err) {
    await store.close();
    throw new StartupError(`Slack did not start: ${(err as Error).message}`);
  }
  for (const p of platforms) {
    const started = p.platform === "slack" && slack !== undefined;
    say(
      `  ${p.platform}: ${started ? `connected; ${p.why}` : p.configured ? `${p.why}, but this version has no ${p.platform} adapter yet` : p.why}`,
    );
  }
  try {
    if (slack) {
      scheduler.start(15_000);
      say("Dockhand is running. Ctrl-C stops it.");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      return;
    }
    say(
      interactive
        ? "No chat platform connected: this is the terminal chat. Try /docker volumes vs bind mounts (numbers press buttons, Ctrl-D quits). See README.md to connect Slack or Discord."
        : "No chat platform connected: answering standard input line by line (see README.md to connect Slack or Discord).",
    );
    scheduler.start(15_000);
    await chatUi.run(dispatcher);
  } finally {
    await scheduler.stop();
    await slack?.stop();
    await store.close();
    log.flush?.();
  }
}
