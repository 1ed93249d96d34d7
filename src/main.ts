import type { IncomingMessage, ServerResponse } from "node:http";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { ConsoleChat } from "./adapters/console/app.ts";
import { DISCORD_INTERACTIONS_PATH } from "./adapters/discord/paths.ts";
import { SLACK_EVENTS_PATH } from "./adapters/slack/manifest.ts";
import { assemble } from "./assemble.ts";
import { type Config, loadConfig, platformStatus } from "./config.ts";
import { systemClock } from "./core/clock.ts";
import type { Dispatcher } from "./core/dispatch.ts";
import { blocking, formatProblem } from "./core/knowledge/loader.ts";
import { openKnowledge } from "./core/knowledge/open.ts";
import type { SearchIndex } from "./core/knowledge/search.ts";
import { createLogger, type Logger } from "./core/logger.ts";
import { validateTimezone } from "./core/schedule/recurrence.ts";
import type { Scheduler } from "./core/schedule/scheduler.ts";
import type { GatewayHolder } from "./ops/gateway-lock.ts";
import { readiness, watchStore } from "./ops/health-watch.ts";
import { Metrics } from "./ops/metrics.ts";
import { KnowledgeReloader } from "./ops/reload.ts";
import { installSafetyNet } from "./ops/safety-net.ts";
import { type Check, type OpsServer, startOpsServer } from "./ops/server.ts";
import { nextSignal, shutdown } from "./ops/signals.ts";
import { builtInPacks, dockhandVersion, seedIndexPath } from "./paths.ts";
import { type Adapters, routeByPlatform, startPlatforms, stopWork } from "./platforms.ts";
import { openStore, type Store } from "./store/index.ts";

/** Thrown for a start-up problem that a person fixes by changing settings or files. */
export class StartupError extends Error {}

/** The chat adapters, once they are connected. */

interface Io {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Reload the packs when their files change (development). */
  watch?: boolean;
}

/** The composition root: config → logger → knowledge → store → core → adapters. */
export async function start(io: Io) {
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
  const wanted = {
    slack: platforms.some((p) => p.platform === "slack" && p.configured),
    discord: platforms.some((p) => p.platform === "discord" && p.configured),
  };
  const adapters: Adapters = {};
  const metrics = adapterMetrics(wanted, adapters);
  const net = safetyNet(io, log, metrics);

  const { kb, search, store, timezone, packs } = await openCore(config, log);
  const interactive = io.stdin.isTTY === true && io.stdout.isTTY === true;
  const chatUi = terminalChat(io, interactive);
  const clock = systemClock;
  const owner = `${hostname()}-${process.pid}`;
  const core = assemble({
    kb,
    search,
    store,
    clock,
    log,
    ...routeByPlatform(chatUi, adapters),
    admins: config.admins,
    timezone,
    quiz: config.quiz,
    onboarding: config.onboarding,
    telemetry: metrics,
    owner,
    leaseMs: config.scheduler.leaseMs,
  });
  const reloader = new KnowledgeReloader({
    open: packs.open,
    kb,
    target: core.ctx,
    key: packs.key,
    log: log.child({ feature: "knowledge" }),
    count: (outcome) => metrics.knowledgeReload(outcome),
  });
  const stopReloads = [reloader.onSignal(), ...(io.watch ? [reloader.watch(packs.dirs)] : [])];
  const scheduler = core.scheduler(owner);
  const say = (line: string) => io.stderr.write(`${line}\n`);
  say(
    `Dockhand: ${kb.entries.length} knowledge entries, ${kb.tracks.length} track(s); store: ${store.dialect === "postgres" ? "PostgreSQL" : config.sqlitePath}`,
  );
  const health = watchStore(store, log);

  // Everything opened so far is closed again if start-up fails half-way.
  let ops: OpsServer | undefined;
  const holder: { current?: GatewayHolder } = {};
  const closeAll = async () => {
    health.stop();
    for (const stop of stopReloads) stop();
    // The gateway lock is given back alongside, so another replica takes over while this one finishes.
    await Promise.all([holder.current?.stop(), stopWork({ scheduler, quiz: core.quiz, adapters })]);
    await ops?.close();
    await store.close();
  };
  try {
    if (config.port !== undefined) {
      ops = await startOps(config.port, {
        log,
        metrics,
        health: health.check,
        gateway: () => holder.current?.check(),
        knowledge: () => ({ ok: true, detail: `${reloader.loaded.entries} entries; packs ${reloader.loaded.hash}` }),
        wanted,
        adapters,
        slackHttp: wanted.slack && !config.slack.appToken,
        discordHttp: wanted.discord && config.discord.publicKey !== undefined,
      });
    }
    const { dispatcher, onboarding } = core;
    await startPlatforms({
      config,
      wanted,
      adapters,
      dispatcher,
      onboarding,
      store,
      log,
      clock,
      metrics,
      holder,
      owner,
    });
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err instanceof StartupError ? err : new StartupError((err as Error).message);
  }
  for (const p of platforms) {
    const started = adapters[p.platform as keyof Adapters];
    say(`  ${p.platform}: ${started ? `connected; ${p.why}` : p.why}`);
  }
  if (ops) say(`  http: /healthz, /readyz and /metrics on port ${ops.port}`);

  const tickMs = config.scheduler.tickMs;
  const dispatcher = core.dispatcher;
  await run({ adapters, ops, scheduler, tickMs, signal, net, log, closeAll, say, interactive, chatUi, dispatcher });
}

/** Metrics whose adapter gauge reports each wanted platform's connection. */
function adapterMetrics(wanted: { slack: boolean; discord: boolean }, adapters: Adapters): Metrics {
  return new Metrics({
    adapters: () => ({
      ...(wanted.slack ? { slack: adapters.slack?.ready === true } : {}),
      ...(wanted.discord ? { discord: adapters.discord?.ready === true } : {}),
    }),
  });
}

/**
 * From here on, nothing that escapes a handler goes unnoticed: during start-up it stops the
 * process with a message; once serving, it is logged, counted and the process stays up.
 */
function safetyNet(io: Io, log: Logger, metrics: Metrics) {
  return installSafetyNet({
    log,
    count: (where) => metrics.unhandledError(where),
    fatal: (err, ref) => {
      io.stderr.write(`Dockhand stopped: ${(err as Error)?.message ?? String(err)} (ref ${ref})\n`);
      log.flush?.();
      process.exit(1);
    },
  });
}

/** A service runs until SIGTERM or SIGINT; the terminal chat answers until its input ends. Both close everything. */
async function run(o: {
  adapters: Adapters;
  ops: OpsServer | undefined;
  scheduler: Scheduler;
  tickMs: number;
  /** The signal that stops a service, listened for since start-up began. */
  signal: Promise<NodeJS.Signals> | undefined;
  net: ReturnType<typeof installSafetyNet>;
  log: Logger;
  closeAll: () => Promise<void>;
  say: (line: string) => void;
  interactive: boolean;
  chatUi: ConsoleChat;
  dispatcher: Dispatcher;
}): Promise<void> {
  if (o.adapters.slack || o.adapters.discord || o.ops) {
    // A service: run until SIGTERM or SIGINT, then stop taking work, finish what is in flight and close.
    o.scheduler.start(o.tickMs);
    o.say(
      o.adapters.slack || o.adapters.discord
        ? "Dockhand is running. Ctrl-C stops it."
        : "Dockhand is running as a service with no chat platform connected (set Slack or Discord tokens; see README.md).",
    );
    o.net.started();
    await shutdown(await (o.signal ?? nextSignal()), { log: o.log, ops: o.ops, closeAll: o.closeAll, say: o.say });
    o.net.uninstall();
    return;
  }
  try {
    o.say(
      o.interactive
        ? "No chat platform connected: this is the terminal chat. Try /docker volumes vs bind mounts (numbers press buttons, Ctrl-D quits). See README.md to connect Slack or Discord."
        : "No chat platform connected: answering standard input line by line (see README.md to connect Slack or Discord).",
    );
    o.scheduler.start(o.tickMs);
    o.net.started();
    await o.chatUi.run(o.dispatcher);
  } finally {
    o.net.uninstall();
    await o.closeAll();
    o.log.flush?.();
  }
}

/** The terminal chat: the person at the keyboard is an admin of their own single-user workspace. */
function terminalChat(io: Io, interactive: boolean): ConsoleChat {
  return new ConsoleChat({
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
}

/** Knowledge, search, the store and the default time zone; a problem a person can fix stops start-up. */
async function openCore(config: Config, log: Logger) {
  const dirs = [...builtInPacks, ...config.knowledgeDirs.map((d) => resolve(d))];
  const open = () =>
    openKnowledge(dirs, {
      indexPath: config.indexPath,
      seedPaths: [seedIndexPath],
      version: dockhandVersion,
      save: true,
      log: (message) => log.info(message),
    });
  const opened = open();
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
  let store: Store;
  try {
    store = await openStore({ url: config.databaseUrl, sqlitePath: config.sqlitePath });
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  let timezone: string;
  try {
    timezone = validateTimezone(config.timezone);
  } catch (err) {
    await store.close();
    throw new StartupError(`DOCKHAND_TIMEZONE: ${(err as Error).message}`);
  }
  return { kb, search, store, timezone, packs: { open, dirs, key: opened.key } };
}

/** /healthz, /readyz and /metrics, and Slack's HTTP receiver when Slack runs without Socket Mode. */
function startOps(
  port: number,
  o: {
    log: Logger;
    metrics: Metrics;
    health: () => Promise<Check>;
    knowledge: () => Check;
    /** With PostgreSQL: whether this replica holds the Discord gateway. */
    gateway: () => Check | undefined;
    wanted: { slack: boolean; discord: boolean };
    adapters: Adapters;
    slackHttp: boolean;
    discordHttp: boolean;
  },
): Promise<OpsServer> {
  const viaAdapter =
    (handler: () => ((req: IncomingMessage, res: ServerResponse) => void) | undefined) =>
    (req: IncomingMessage, res: ServerResponse) => {
      const h = handler();
      if (h) h(req, res);
      else res.writeHead(503, { "retry-after": "5" }).end();
    };
  const platform = {
    ...(o.slackHttp ? { [SLACK_EVENTS_PATH]: viaAdapter(() => o.adapters.slack?.httpHandler) } : {}),
    ...(o.discordHttp ? { [DISCORD_INTERACTIONS_PATH]: viaAdapter(() => o.adapters.discord?.httpHandler) } : {}),
  };
  return startOpsServer({
    port,
    log: o.log,
    metrics: o.metrics,
    health: async () => {
      const gateway = o.gateway();
      return {
        process: { ok: true },
        store: await o.health(),
        knowledge: o.knowledge(),
        ...(gateway ? { gateway } : {}),
      };
    },
    ready: () => readiness(o.wanted, o.adapters),
    ...(Object.keys(platform).length > 0 ? { platform } : {}),
  });
}
