import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { App, HTTPReceiver, SocketModeReceiver } from "@slack/bolt";
import type { Clock } from "../../core/clock.ts";
import type { Dispatcher } from "../../core/dispatch.ts";
import type { Logger } from "../../core/logger.ts";
import type { Messenger } from "../../core/onboarding/model.ts";
import type { Poster } from "../../core/quiz/model.ts";
import { Dedupe, type EventLog } from "../shared/dedupe.ts";
import { InFlight } from "../shared/in-flight.ts";
import { type JoinHook, listen } from "./inbound.ts";
import { SLACK_EVENTS_PATH } from "./manifest.ts";
import { SlackOutbound } from "./outbound.ts";
import { People } from "./people.ts";
import { guardReceiver } from "./request-guard.ts";
import { refuseUnsaved } from "./save-first.ts";
import { AnswerQueue, boltLogger } from "./support.ts";

export type SlackMode =
  | { kind: "socket"; botToken: string; appToken: string }
  | {
      kind: "http";
      botToken: string;
      signingSecret: string;
      /** Where to listen; "external" when Dockhand's own HTTP server passes requests to `httpHandler`. */
      port: number | "external";
    };

export interface SlackOptions {
  dispatcher: Dispatcher;
  /** Where processed event ids are kept (the store), for dedupe of retried deliveries. */
  events: EventLog;
  log: Logger;
  clock: Clock;
  mode: SlackMode;
  /** The Web API base URL, e.g. a local stand-in's `http://127.0.0.1:PORT/api/` (default: Slack's). */
  apiUrl?: string;
  /** Socket Mode: how long a ping waits for its pong, also the reconnect back-off unit (Bolt: 5 s). */
  clientPingTimeoutMs?: number;
  /** How long a rate-limited post may keep waiting for Retry-After (the quiz's grace period). */
  graceMs: number;
  /** HTTP mode: the interface to listen on (default: all). */
  host?: string;
  /** Retries of failed Web API requests (network errors, 5xx); the WebClient's default when unset. */
  webRetries?: number;
  /** A member joined the workspace (team_join) or a channel the bot is in (member_joined_channel). */
  onMemberJoined?: JoinHook;
}

export interface SlackAdapter {
  poster: Poster;
  messenger: Messenger;
  /** Connected (Socket Mode) or listening (HTTP). */
  readonly ready: boolean;
  /** HTTP mode: the port actually bound (useful with port 0). */
  readonly port: number | undefined;
  /** HTTP mode: the request handler (signature checks included), for a server of Dockhand's own. */
  readonly httpHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  /** Stops taking work and waits for work in flight, at most waitMs (default: as long as it takes). */
  stop(waitMs?: number): Promise<void>;
}

/** Answers wait while requests keep arriving closer together than this (HTTP mode; see AnswerQueue). */
const BURST_QUIET_MS = 5;
/** Answers waiting for their turn beyond this many start at once (see AnswerQueue). */
const MAX_ANSWER_BACKLOG = 200;

/** Starts Dockhand's Slack app (Socket Mode or HTTP) on Bolt; resolves once connected or listening. */
export async function startSlack(opts: SlackOptions): Promise<SlackAdapter> {
  const log = opts.log.child({ adapter: "slack" });
  const { mode } = opts;
  const { app, receiver } = boltApp(opts, log);
  const state = { connected: mode.kind === "http", stopped: false };
  // HTTP mode: requests being received or awaiting their ack, and when the last one came.
  const traffic = { pending: 0, lastAt: 0 };
  const answers = new AnswerQueue(
    MAX_ANSWER_BACKLOG,
    () => traffic.pending > 0 || Date.now() - traffic.lastAt < BURST_QUIET_MS,
  );
  if (receiver instanceof HTTPReceiver) guardReceiver(receiver, log, traffic);
  else {
    const sm = receiver.client;
    sm.on("connected", () => {
      state.connected = true;
    });
    for (const s of ["disconnected", "reconnecting", "disconnecting"])
      sm.on(s, () => {
        state.connected = false;
      });
  }

  const inFlight = new InFlight();
  const out = new SlackOutbound(app.client, log, opts.graceMs);
  const dedupe = new Dedupe({ events: opts.events, platform: "slack", clock: opts.clock, log });
  listen(app, {
    dispatcher: opts.dispatcher,
    people: new People(app.client, opts.clock, log),
    out,
    dedupe,
    log,
    track: (what, work) =>
      inFlight.track(
        work,
        (err) => log.error({ err, what }, "slack handler failed"),
        (run) => answers.run(run),
      ),
    afterAck: (what, work) => inFlight.track(work, (err) => log.error({ err, what }, "slack handler failed")),
    ...(opts.onMemberJoined ? { onMemberJoined: opts.onMemberJoined } : {}),
  });

  await app.init(); // auth.test: a wrong bot token fails here, not on the first event
  let port: number | undefined;
  if (mode.kind === "http") {
    const listen = mode.port;
    // "external": Bolt handles requests through requestListener without a server of its own.
    if (listen !== "external") {
      const server = await app.start(opts.host ? { port: listen, host: opts.host } : listen);
      port = (server.address() as AddressInfo).port;
    }
  } else {
    await app.start();
    state.connected = true;
  }
  log.info({ mode: mode.kind, port }, "connected to Slack");
  dedupe.start();

  return {
    poster: out.poster,
    messenger: out.messenger,
    get ready() {
      return state.connected && !state.stopped;
    },
    port,
    httpHandler: receiver instanceof HTTPReceiver ? receiver.requestListener : undefined,
    async stop(waitMs = Number.POSITIVE_INFINITY) {
      if (state.stopped) return;
      state.stopped = true;
      dedupe.stop();
      // With an external server there is no receiver server to stop (Bolt would refuse).
      if (!(mode.kind === "http" && mode.port === "external")) await app.stop();
      // Work acknowledged while waiting joins the set: wait until it is empty, or until waitMs
      // (a handler stuck on a Slack call that never answers is abandoned).
      await inFlight.drain(waitMs);
      if (inFlight.size > 0) log.warn({ handlers: inFlight.size }, "stopped with handlers still waiting on Slack");
    },
  };
}

/** The Bolt app and its receiver for the mode; nothing connects until start. */
function boltApp(opts: SlackOptions, log: Logger) {
  const { mode } = opts;
  const boltLog = boltLogger(log);
  const retryConfig = opts.webRetries === undefined ? {} : { retryConfig: { retries: opts.webRetries } };
  const apiUrl = opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {};
  const receiver =
    mode.kind === "socket"
      ? new SocketModeReceiver({
          appToken: mode.appToken,
          logger: boltLog,
          clientPingTimeout: opts.clientPingTimeoutMs,
          // The client that calls apps.connections.open takes its options from here.
          installerOptions: { clientOptions: { ...apiUrl, ...retryConfig } },
        })
      : new HTTPReceiver({
          signingSecret: mode.signingSecret,
          logger: boltLog,
          endpoints: SLACK_EVENTS_PATH,
          processEventErrorHandler: refuseUnsaved,
        });
  const app = new App({
    token: mode.botToken,
    receiver,
    socketMode: mode.kind === "socket",
    logger: boltLog,
    convoStore: false,
    deferInitialization: true,
    // 429s are handled in outbound.ts, with the quiz's grace period as the bound.
    clientOptions: { ...apiUrl, ...retryConfig, rejectRateLimitedCalls: true },
  });
  return { app, receiver };
}
