import type { IncomingMessage, ServerResponse } from "node:http";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { ConsoleChat } from "./adapters/console/app.ts";
import type { DiscordAdapter } from "./adapters/discord/app.ts";
import type { SlackAdapter } from "./adapters/slack/app.ts";
import { SLACK_EVENTS_PATH } from "./adapters/slack/manifest.ts";
import { assemble } from "./assemble.ts";
import { type Config, loadConfig, platformStatus } from "./config.ts";
import { systemClock } from "./core/clock.ts";
import { blocking, formatProblem } from "./core/knowledge/loader.ts";
import { openKnowledge } from "./core/knowledge/open.ts";
import type { SearchIndex } from "./core/knowledge/search.ts";
import { createLogger, type Logger } from "./core/logger.ts";
import type { Member, Messenger } from "./core/onboarding/service.ts";
import type { Poster } from "./core/quiz/service.ts";
import { cleanText } from "./core/sanitize.ts";
import { validateTimezone } from "./core/schedule/recurrence.ts";
import { Metrics } from "./ops/metrics.ts";
import { KnowledgeReloader } from "./ops/reload.ts";
import { installSafetyNet } from "./ops/safety-net.ts";
import { type Check, type OpsServer, startOpsServer } from "./ops/server.ts";
import { builtInPacks, dockhandVersion, seedIndexPath } from "./paths.ts";
import { openStore, type Platform } from "./store/index.ts";

/** Thrown for a start-up problem that a person fixes by changing settings or files. */
export class StartupError extends Error {}

/** The composition root: config → logger → knowledge → store → core → adapters. */
export async function start(io: {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Reload the packs when their files change (development). */
  watch?: boolean;
}) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  const platforms = platformStatus(config);
  // With no chat platform and no port, this is the terminal chat; with a port, a service.
  const chat = !platforms.some((p) => p.configured) && config.port === undefined;
  // A service takes SIGTERM/SIGINT from here on, before anything listens: a signal during start-up
  // stops it cleanly once started, instead of killing it half-way.
  const signal = chat ? undefined : nextSignal();
  // In the terminal chat, logs go to stderr and only warnings show, so they do not interleave with answers.
  const log = createLogger({
    level: config.logLevel ?? (chat ? "warn" : "info"),
    pretty: chat ? io.stderr.isTTY === true : io.stdout.isTTY === true,
    destination: chat ? 2 : 1,
  });

  const slackWanted = platforms.some((p) => p.platform === "slack" && p.configured);
  const slackHttp = slackWanted && !config.slack.appToken;
  const discordWanted = platforms.some((p) => p.platform === "discord" && p.configured);
  const metrics = new Metrics({
    adapters: () => ({
      ...(slackWanted ? { slack: slack?.ready === true } : {}),
      ...(discordWanted ? { discord: discord?.ready === true } : {}),
    }),
  });
  // From here on, nothing that escapes a handler goes unnoticed: during start-up it stops the
  // process with a message; once serving, it is logged, counted and the process stays up.
  const net = installSafetyNet({
    log,
    count: (where) => metrics.unhandledError(where),
    fatal: (err, ref) => {
      io.stderr.write(`Dockhand stopped: ${(err as Error)?.message ?? String(err)} (ref ${ref})\n`);
      log.flush?.();
      process.exit(1);
    },
  });

  const packDirs = [...builtInPacks, ...config.knowledgeDirs.map((d) => resolve(d))];
  const openPacks = () =>
    openKnowledge(packDirs, {
      indexPath: config.indexPath,
      seedPaths: [seedIndexPath],
      version: dockhandVersion,
      save: true,
      log: (message) => log.info(message),
    });
  const opened = openPacks();
  const { kb, problems: found } = opened;
  const problems = blocking(found);
  if (found.length > problems.length) {
    log.warn(
      { count: found.length - problems.length },
      'the knowledge packs have flaws that "npx dockhand lint" lists',
    );
  }
  if (problems.length > 0) {
    throw new StartupError(
      `The knowledge packs have ${problems.length} problem(s):\n  ${problems.slice(0, 20).map(formatProblem).join("\n  ")}\nRun "npx dockhand lint" for the full list.`,
    );
  }
  const search = opened.search as SearchIndex;
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
  let discord: DiscordAdapter | undefined;
  const adapterFor = (platform: Platform): { poster: Poster; messenger: Messenger } => {
    if (platform === "console") return chatUi;
    const adapter = platform === "slack" ? slack : discord;
    if (!adapter) throw new Error(`the ${platform} adapter is not connected`);
    return adapter;
  };
  const poster: Poster = {
    post: (ch, r, o) => adapterFor(ch.platform).poster.post(ch, r, o),
    update: (ch, ref, r) => adapterFor(ch.platform).poster.update(ch, ref, r),
    // Only some platforms can look for a post; without find, a resumed post goes out again.
    find: async (ch, tag, since) => {
      const find = adapterFor(ch.platform).poster.find;
      if (!find) throw new Error(`cannot look for posts on ${ch.platform}`);
      return find(ch, tag, since);
    },
  };
  const messenger: Messenger = {
    dm: (m, r) => adapterFor(m.platform).messenger.dm(m, r),
    notice: (c, m, r) => adapterFor(m.platform).messenger.notice(c, m, r),
  };
  const s = config.slack;
  const d = config.discord;
  const owner = `${hostname()}-${process.pid}`;
  const {
    ctx,
    dispatcher,
    onboarding,
    quiz,
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
    telemetry: metrics,
    owner,
    leaseMs: config.scheduler.leaseMs,
  });
  const scheduler = makeScheduler(owner);
  const reloader = new KnowledgeReloader({
    open: openPacks,
    kb,
    target: ctx,
    key: opened.key,
    log: log.child({ feature: "knowledge" }),
    count: (outcome) => metrics.knowledgeReload(outcome),
  });
  const stopReloads = [reloader.onSignal(), ...(io.watch ? [reloader.watch(packDirs)] : [])];
  const say = (line: string) => io.stderr.write(`${line}\n`);
  say(
    `Dockhand: ${kb.entries.length} knowledge entries, ${kb.tracks.length} track(s); store: ${store.dialect === "postgres" ? "PostgreSQL" : config.sqlitePath}`,
  );

  // The store's health, logged when it changes: a database that stops taking writes, or a SQLite
  // file deleted under the running process, shows in the log as well as in /healthz.
  let lastStoreProblem: string | undefined;
  const storeHealth = async () => {
    const check = await store.health();
    const problem = check.ok ? undefined : (check.detail ?? "failing");
    if (problem !== lastStoreProblem) {
      if (problem) log.error({ problem }, "the database is not healthy");
      else log.info("the database is healthy again");
      lastStoreProblem = problem;
    }
    return check;
  };
  const storeWatch = setInterval(() => void storeHealth().catch(() => undefined), STORE_WATCH_MS);
  storeWatch.unref();

  // Everything opened so far is closed again if start-up fails half-way.
  let ops: OpsServer | undefined;
  const closeAll = async () => {
    clearInterval(storeWatch);
    for (const stop of stopReloads) stop();
    // A post that hangs must not hold the shutdown past its deadline: the quiz settles the rounds
    // it was posting, the scheduler hands its unfinished claims to the next process, and the Slack
    // adapter stops waiting for handlers stuck on such a post.
    await Promise.allSettled([
      scheduler.stop(STOP_WAIT_MS + FIND_WAIT_MS),
      quiz.stop(STOP_WAIT_MS, FIND_WAIT_MS),
      slack?.stop(STOP_WAIT_MS + FIND_WAIT_MS + 1_000),
      discord?.stop(),
    ]);
    await ops?.close();
    await store.close();
  };
  try {
    if (config.port !== undefined) {
      ops = await startOpsServer({
        port: config.port,
        log,
        metrics,
        health: async () => {
          const packs = reloader.loaded;
          return {
            process: { ok: true },
            store: await storeHealth(),
            knowledge: { ok: true, detail: `${packs.entries} entries; packs ${packs.hash}` },
          };
        },
        ready: () => readiness({ slackWanted, discordWanted, slack, discord }),
        ...(slackHttp
          ? {
              platform: {
                [SLACK_EVENTS_PATH]: (req: IncomingMessage, res: ServerResponse) => {
                  if (slack?.httpHandler) slack.httpHandler(req, res);
                  else res.writeHead(503, { "retry-after": "5" }).end();
                },
              },
            }
          : {}),
      });
    }
    const welcome = (m: Member, channelId?: string) =>
      onboarding.welcome({ ...m, userName: cleanText(m.userName) }, channelId).then(() => undefined);
    if (slackWanted && s.botToken) {
      // Loaded only when Slack is configured, so the terminal chat starts quickly.
      const { startSlack } = await import("./adapters/slack/app.ts");
      try {
        slack = await startSlack({
          dispatcher,
          store,
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
        const message = (err as Error).message;
        const hint = /request error|fetch failed|ENOTFOUND|ECONNREFUSED/i.test(message)
          ? " (Slack's Web API could not be reached: check the network, a proxy, or SLACK_API_URL)"
          : /invalid_auth|not_authed|token_revoked|account_inactive/.test(message)
            ? " (SLACK_BOT_TOKEN was refused: copy the Bot User OAuth Token again)"
            : "";
        throw new StartupError(`Slack did not start: ${message}${hint}`);
      }
    }
    if (discordWanted && d.token && d.applicationId) {
      const { startDiscord } = await import("./adapters/discord/app.ts");
      discord = await startDiscord({
        dispatcher,
        kb,
        search,
        store,
        log,
        token: d.token,
        applicationId: d.applicationId,
        ...(d.apiUrl ? { apiUrl: d.apiUrl } : {}),
        graceMs: config.quiz.graceMs,
        telemetry: metrics,
        ...(config.onboarding.welcome ? { onMemberJoined: (m: Member) => welcome(m) } : {}),
      });
    }
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err instanceof StartupError ? err : new StartupError((err as Error).message);
  }
  for (const p of platforms) {
    const started = (p.platform === "slack" && slack) || (p.platform === "discord" && discord);
    say(`  ${p.platform}: ${started ? `connected; ${p.why}` : p.why}`);
  }
  if (ops) say(`  http: /healthz, /readyz and /metrics on port ${ops.port}`);

  if (slack || discord || ops) {
    // A service: run until SIGTERM or SIGINT, then stop taking work, finish what is in flight and close.
    scheduler.start(config.scheduler.tickMs);
    say(
      slack || discord
        ? "Dockhand is running. Ctrl-C stops it."
        : "Dockhand is running as a service with no chat platform connected (set Slack or Discord tokens; see README.md).",
    );
    net.started();
    await shutdown(await (signal ?? nextSignal()), { log, ops, closeAll, say });
    net.uninstall();
    return;
  }
  try {
    say(
      interactive
        ? "No chat platform connected: this is the terminal chat. Try /docker volumes vs bind mounts (numbers press buttons, Ctrl-D quits). See README.md to connect Slack or Discord."
        : "No chat platform connected: answering standard input line by line (see README.md to connect Slack or Discord).",
    );
    scheduler.start(config.scheduler.tickMs);
    net.started();
    await chatUi.run(dispatcher);
  } finally {
    net.uninstall();
    await closeAll();
    log.flush?.();
  }
}

/**
 * At shutdown, how long a quiz post in flight is waited for, then how long the channel is searched
 * for its message; together well inside the shutdown deadline.
 */
const STOP_WAIT_MS = 4_000;
const FIND_WAIT_MS = 2_000;

/** How often the store's health is checked when nobody asks /healthz. */
const STORE_WATCH_MS = 30_000;

/** Shutdown must finish within this; the hard stop comes a little earlier than the 10 s promised. */
export const SHUTDOWN_DEADLINE_MS = 9_000;

function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(sig);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

/**
 * Stops taking new work (health checks turn 503, the scheduler and adapters stop), waits for work
 * in flight, then closes the adapters and the database. A second signal, or the deadline, exits at once.
 */
async function shutdown(
  signal: NodeJS.Signals,
  o: { log: Logger; ops: OpsServer | undefined; closeAll: () => Promise<void>; say: (line: string) => void },
): Promise<void> {
  const started = Date.now();
  o.say(`${signal}: stopping (finishing work in flight; a second signal stops at once)`);
  o.log.info({ signal }, "shutting down");
  const now = (sig: NodeJS.Signals) => {
    o.log.warn({ signal: sig }, "second signal: exiting at once");
    o.log.flush?.();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", now);
  process.once("SIGTERM", now);
  const deadline = setTimeout(() => {
    o.log.error({ afterMs: SHUTDOWN_DEADLINE_MS }, "shutdown did not finish in time; exiting");
    o.log.flush?.();
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  try {
    await o.ops?.drain();
    await o.closeAll();
    o.log.info({ tookMs: Date.now() - started }, "stopped");
    o.log.flush?.();
    // Everything is settled and closed; a request abandoned at shutdown (a post that never
    // answered) must not keep the process alive.
    setTimeout(() => process.exit(process.exitCode ?? 0), 250).unref();
  } finally {
    clearTimeout(deadline);
  }
}

function readiness(a: {
  slackWanted: boolean;
  discordWanted: boolean;
  slack: SlackAdapter | undefined;
  discord: DiscordAdapter | undefined;
}): Record<string, Check> {
  const checks: Record<string, Check> = {};
  if (a.slackWanted) checks.slack = a.slack?.ready ? { ok: true } : { ok: false, detail: "not connected to Slack" };
  if (a.discordWanted)
    checks.discord = a.discord?.ready ? { ok: true } : { ok: false, detail: "not connected to Discord" };
  if (!a.slackWanted && !a.discordWanted)
    checks.chat = { ok: false, detail: "no chat platform configured: set Slack or Discord tokens (see README.md)" };
  return checks;
}
