import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Client, type ClientOptions, Events, GatewayIntentBits } from "discord.js";
import type { Dispatcher } from "../../core/dispatch.ts";
import type { Logger } from "../../core/logger.ts";
import type { Member, Messenger } from "../../core/onboarding/model.ts";
import type { Poster } from "../../core/quiz/model.ts";
import type { Telemetry } from "../../core/telemetry.ts";
import { type EventLog, errorText } from "../shared/dedupe.ts";
import { type EventClaimStore, EventClaims } from "../shared/event-claims.ts";
import { InFlight } from "../shared/in-flight.ts";
import { INTERACTION_CLAIM, JOIN_CLAIM, listen } from "./inbound.ts";
import { DiscordOutbound } from "./outbound.ts";

export interface DiscordOptions {
  dispatcher: Dispatcher;
  /** The store: its leased claims make replicas handle each event once, and take over a dead one's. */
  events: EventLog & { readonly claims: EventClaimStore };
  /** Names this process on the claims it holds (default: host, pid and a random part). */
  owner?: string;
  /** The lease of a member join's claim (default 60 s; an interaction's is about a second). */
  leaseMs?: number;
  log: Logger;
  token: string;
  applicationId: string;
  /** The REST base, e.g. a local stand-in's `http://127.0.0.1:PORT/api` (default: Discord's). */
  apiUrl?: string;
  /** How long a failed quiz post may keep being retried (the quiz's grace period). */
  graceMs: number;
  telemetry?: Telemetry;
  /** Welcomes: a member joined a server the bot is in. Needs the privileged Server Members intent. */
  onMemberJoined?: (member: Member, o: { tag: string }) => Promise<unknown>;
  /** More discord.js client options (tests: timeouts, an identify throttler). */
  client?: Partial<ClientOptions>;
  /** How long an interaction may work before Dockhand defers it (Discord allows 3 s). */
  deferAfterMs?: number;
}

export interface DiscordAdapter {
  poster: Poster;
  messenger: Messenger;
  /** Connected to the gateway (false while it reconnects). */
  readonly ready: boolean;
  readonly client: Client;
  stop(): Promise<void>;
}

/** Thrown when Discord refuses the token: the message names the variable, never the value. */
export class DiscordTokenError extends Error {}

/** Discord wants a first answer within 3 s: work that takes longer than this is deferred first. */
export const DEFER_AFTER_MS = 1_500;

/** Starts Dockhand's Discord bot on discord.js's gateway client; resolves once it is ready. */
export async function startDiscord(opts: DiscordOptions): Promise<DiscordAdapter> {
  const log = opts.log.child({ adapter: "discord" });
  const intents = [GatewayIntentBits.Guilds];
  if (opts.onMemberJoined) intents.push(GatewayIntentBits.GuildMembers);
  const client = new Client({
    intents,
    // The default for every message: nothing Dockhand sends can ping anyone unless a send says so.
    allowedMentions: { parse: [] },
    ...opts.client,
    rest: { ...(opts.apiUrl ? { api: opts.apiUrl } : {}), ...opts.client?.rest },
  });
  const state = watch(client, log);

  const inFlight = new InFlight();
  const out = new DiscordOutbound(client, log, opts.graceMs);
  const claims = new EventClaims({
    store: opts.events.claims,
    owner: opts.owner ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
    log,
    kinds: [INTERACTION_CLAIM, JOIN_CLAIM],
  });
  listen(client, {
    dispatcher: opts.dispatcher,
    out,
    claims,
    leaseMs: opts.leaseMs ?? 60_000,
    log,
    deferAfterMs: opts.deferAfterMs ?? DEFER_AFTER_MS,
    track: (what, work) =>
      inFlight.track(work, (err) => {
        opts.telemetry?.error("discord");
        log.error({ err: errorText(err), what }, "discord handler failed");
      }),
    stopped: () => state.stopped,
    ...(opts.onMemberJoined ? { onMemberJoined: opts.onMemberJoined } : {}),
  });

  await login(client, opts.token);
  state.connected = true;
  claims.start();
  log.info({ user: client.user?.tag, intents: intents.length }, "connected to Discord");

  return {
    poster: out.poster,
    messenger: out.messenger,
    client,
    get ready() {
      return state.connected && !state.stopped;
    },
    async stop() {
      if (state.stopped) return;
      state.stopped = true;
      claims.stop();
      await inFlight.drain();
      await client.destroy();
    },
  };
}

/** Readiness follows the shard's connection; errors and warnings go to the log. */
function watch(client: Client, log: Logger): { connected: boolean; stopped: boolean } {
  const state = { connected: false, stopped: false };
  const set = (connected: boolean) => () => {
    state.connected = connected;
  };
  client.on(Events.ShardReady, set(true));
  client.on(Events.ShardResume, set(true));
  client.on(Events.ShardDisconnect, set(false));
  client.on(Events.ShardReconnecting, set(false));
  client.on(Events.Error, (err) => log.error({ err }, "discord client error"));
  client.on(Events.Warn, (message) => log.warn({ message }, "discord client warning"));
  client.rest.on("rateLimited", (info) =>
    log.warn({ route: info.route, retryAfterMs: info.retryAfter, global: info.global }, "rate limited by Discord"),
  );
  return state;
}

/** Logs in and waits for the ready event; a refused token or intent says what to change. */
async function login(client: Client, token: string): Promise<void> {
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(token);
  } catch (err) {
    await client.destroy().catch(() => undefined);
    const code = (err as { code?: string }).code;
    if (code === "TokenInvalid")
      throw new DiscordTokenError("DISCORD_TOKEN was refused by Discord: copy the bot token again (Bot → Reset Token)");
    // Gateway close 4014: welcomes need the privileged Server Members intent, off by default.
    if (code === "DisallowedIntents" || /disallowed intents/i.test(errorText(err)))
      throw new Error(
        "Discord refused the Server Members intent that welcomes need: turn on Bot → Privileged Gateway Intents → Server Members Intent in the Developer Portal, or set DOCKHAND_WELCOME=false",
      );
    throw new Error(`could not connect to Discord: ${errorText(err)}`);
  }
  await ready;
}
