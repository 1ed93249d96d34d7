import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
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
import { interactionsHandler } from "./http.ts";
import { HttpAnswers } from "./http-answers.ts";
import { INTERACTION_CLAIM, JOIN_CLAIM, listen } from "./inbound.ts";
import { DiscordOutbound, handBackGlobalSends } from "./outbound.ts";
import { SendPacer, SharedPacer, type SharedSlots } from "./pacing.ts";
import { discordPublicKey } from "./verify.ts";

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
  /** DISCORD_PUBLIC_KEY (hex): interactions also arrive over HTTP, at `httpHandler`. */
  publicKey?: string;
  /** "now" (default): log in to the gateway at start; "later": when `gateway.connect()` is called. */
  gateway?: "now" | "later";
  /** Replicas on one database: quiz posts are paced together under the bot's one global limit. */
  sendSlots?: SharedSlots;
}

export interface DiscordAdapter {
  poster: Poster;
  messenger: Messenger;
  /** Serving: connected to the gateway, or (standing by for it) answering over REST and HTTP only. */
  readonly ready: boolean;
  /** The client that posts and sends DMs (the gateway's own when the gateway was connected at start). */
  readonly client: Client;
  /** POST /discord/interactions, when a public key was given. */
  readonly httpHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  /** The gateway session: connected at start, or later by whoever holds the one-gateway lock. */
  readonly gateway: Gateway;
  stop(): Promise<void>;
}

export interface Gateway {
  /** Logs in (a fresh session); resolves once ready. */
  connect(): Promise<void>;
  /** Closes the session; REST and HTTP interactions keep working. */
  disconnect(): Promise<void>;
  readonly connected: boolean;
}

/** Thrown when Discord refuses the token: the message names the variable, never the value. */
export class DiscordTokenError extends Error {}

/** Discord wants a first answer within 3 s: work that takes longer than this is deferred first. */
export const DEFER_AFTER_MS = 1_500;

/** How long closing the gateway session waits for replies still being sent through it. */
const DISCONNECT_WAIT_MS = 4_000;

/**
 * Starts Dockhand's Discord bot. With `gateway: "now"` (the default) it logs in to the gateway and
 * resolves once ready; with "later" only REST (posts, DMs) and HTTP interactions work until
 * `gateway.connect()` is called, as a replica that does not hold the gateway runs.
 */
export async function startDiscord(opts: DiscordOptions): Promise<DiscordAdapter> {
  const log = opts.log.child({ adapter: "discord" });
  const intents = [GatewayIntentBits.Guilds];
  if (opts.onMemberJoined) intents.push(GatewayIntentBits.GuildMembers);
  const makeClient = () =>
    new Client({
      intents,
      // The default for every message: nothing Dockhand sends can ping anyone unless a send says so.
      allowedMentions: { parse: [] },
      ...opts.client,
      rest: {
        ...(opts.apiUrl ? { api: opts.apiUrl } : {}),
        rejectOnRateLimit: handBackGlobalSends,
        ...opts.client?.rest,
      },
    });
  const state = { connected: false, stopped: false, holding: opts.gateway !== "later" };
  const client = makeClient();
  client.rest.setToken(opts.token);
  watchRest(client, log);

  const inFlight = new InFlight();
  const track = (what: string, work: () => Promise<unknown>) =>
    inFlight.track(work, (err) => {
      opts.telemetry?.error("discord");
      log.error({ err: errorText(err), what }, "discord handler failed");
    });
  const pacer = opts.sendSlots ? new SharedPacer(opts.sendSlots, log) : new SendPacer();
  const out = new DiscordOutbound(client, log, opts.graceMs, pacer);
  const claims = new EventClaims({
    store: opts.events.claims,
    owner: opts.owner ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
    log,
    kinds: [INTERACTION_CLAIM, JOIN_CLAIM],
  });
  let session: Client | undefined;
  const open = async (c: Client) => {
    watch(c, log, state);
    listen(c, {
      dispatcher: opts.dispatcher,
      out,
      claims,
      leaseMs: opts.leaseMs ?? 60_000,
      log,
      deferAfterMs: opts.deferAfterMs ?? DEFER_AFTER_MS,
      track,
      stopped: () => state.stopped,
      ...(opts.onMemberJoined ? { onMemberJoined: opts.onMemberJoined } : {}),
    });
    try {
      await login(c, opts.token);
    } finally {
      // A failed login destroys the client, and with it the token its REST calls carry.
      if (c === client && client.token === null) client.rest.setToken(opts.token);
    }
    session = c;
    state.connected = true;
    log.info({ user: c.user?.tag, intents: intents.length }, "connected to the Discord gateway");
  };
  if (state.holding) await open(firstUse(client));
  claims.start();
  const httpHandler = opts.publicKey
    ? httpInteractions(opts, { client, out, log, track, stopped: () => state.stopped })
    : undefined;
  if (!state.holding) log.info({ http: httpHandler !== undefined }, "started without the gateway");

  const gateway: Gateway = {
    async connect() {
      if (session || state.stopped) return;
      state.holding = true;
      // The first session uses the client that posts (its cache saves lookups); a later one a fresh
      // client, since discord.js cannot log a destroyed client in again.
      await open(used.has(client) ? makeClient() : firstUse(client));
    },
    async disconnect() {
      state.holding = false;
      const s = session;
      session = undefined;
      state.connected = false;
      if (!s) return;
      // Replies in flight go out through the session's client: let them finish (briefly) first.
      await inFlight.drain(DISCONNECT_WAIT_MS);
      await s.destroy();
      if (s === client) client.rest.setToken(opts.token);
      log.info("disconnected from the Discord gateway");
    },
    get connected() {
      return state.connected && session !== undefined;
    },
  };

  return {
    poster: out.poster,
    messenger: out.messenger,
    client,
    httpHandler,
    gateway,
    get ready() {
      return !state.stopped && (!state.holding || state.connected);
    },
    async stop() {
      if (state.stopped) return;
      state.stopped = true;
      claims.stop();
      await inFlight.drain();
      await session?.destroy();
      if (session !== client) await client.destroy();
      session = undefined;
    },
  };
}

/** Marks the posting client as used for a gateway session once; a second session gets a fresh client. */
const used = new WeakSet<Client>();
function firstUse(c: Client): Client {
  used.add(c);
  return c;
}

/** The HTTP interactions handler, with DMs placed in a server as the gateway path places them. */
function httpInteractions(
  opts: DiscordOptions,
  o: {
    client: Client;
    out: DiscordOutbound;
    log: Logger;
    track: (what: string, work: () => Promise<unknown>) => Promise<unknown>;
    stopped: () => boolean;
  },
) {
  const answers = new HttpAnswers({
    dispatcher: opts.dispatcher,
    rest: o.client.rest,
    applicationId: opts.applicationId,
    log: o.log,
    deferAfterMs: opts.deferAfterMs ?? DEFER_AFTER_MS,
    track: o.track,
    dmWorkspace: async (userId) => {
      const known = o.out.dmServers.get(userId);
      if (known) return known;
      const latest = await opts.dispatcher.latestWorkspace("discord", userId).catch(() => undefined);
      if (latest) return latest;
      const guilds = [...o.client.guilds.cache.keys()];
      return guilds.length === 1 ? (guilds[0] as string) : "dm";
    },
  });
  return interactionsHandler({
    key: discordPublicKey(opts.publicKey as string),
    answers,
    log: o.log,
    stopped: o.stopped,
  });
}

/** Readiness follows the shard's connection; errors and warnings go to the log. */
function watch(client: Client, log: Logger, state: { connected: boolean }): void {
  const set = (connected: boolean) => () => {
    state.connected = connected;
  };
  client.on(Events.ShardReady, set(true));
  client.on(Events.ShardResume, set(true));
  client.on(Events.ShardDisconnect, set(false));
  client.on(Events.ShardReconnecting, set(false));
  client.on(Events.Error, (err) => log.error({ err }, "discord client error"));
  client.on(Events.Warn, (message) => log.warn({ message }, "discord client warning"));
  if (!watchedRest.has(client)) watchRest(client, log);
}

const watchedRest = new WeakSet<Client>();
function watchRest(client: Client, log: Logger): void {
  watchedRest.add(client);
  client.rest.on("rateLimited", (info) =>
    log.warn({ route: info.route, retryAfterMs: info.retryAfter, global: info.global }, "rate limited by Discord"),
  );
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
