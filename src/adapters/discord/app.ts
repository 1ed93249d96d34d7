import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  Client,
  type ClientOptions,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  type Interaction,
  MessageFlags,
  PermissionFlagsBits,
  RESTJSONErrorCodes,
  type SendableChannels,
} from "discord.js";
import type { Caller } from "../../core/command.ts";
import type { Dispatcher } from "../../core/dispatch.ts";
import type { KnowledgeBase } from "../../core/knowledge/loader.ts";
import type { SearchIndex } from "../../core/knowledge/search.ts";
import type { Logger } from "../../core/logger.ts";
import { DmClosedError, type Member, type Messenger } from "../../core/onboarding/model.ts";
import type { Poster } from "../../core/quiz/model.ts";
import type { Reply } from "../../core/reply.ts";
import type { Telemetry } from "../../core/telemetry.ts";
import type { Store } from "../../store/types.ts";
import { Coalescer } from "../coalescer.ts";
import { suggest } from "./autocomplete.ts";
import { type DiscordMessage, renderDiscord } from "./render.ts";

export interface DiscordOptions {
  dispatcher: Dispatcher;
  kb: KnowledgeBase;
  search: SearchIndex;
  store: Store;
  log: Logger;
  token: string;
  applicationId: string;
  /** The REST base, e.g. a local stand-in's `http://127.0.0.1:PORT/api` (default: Discord's). */
  apiUrl?: string;
  /** How long a failed quiz post may keep being retried (the quiz's grace period). */
  graceMs: number;
  telemetry?: Telemetry;
  /** Welcomes: a member joined a server the bot is in. Needs the privileged Server Members intent. */
  onMemberJoined?: (member: Member) => Promise<unknown>;
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
/** Claimed event ids are kept this long: far beyond an interaction's 15-minute life. */
const EVENT_RETENTION_MS = 3_600_000;
/** A message nonce is at most 25 characters. */
const NONCE_BYTES = 12;
/** Errors that say the member does not accept a DM from the bot. */
const DM_CLOSED = new Set<number>([RESTJSONErrorCodes.CannotSendMessagesToThisUser]);

/** Starts Dockhand's Discord bot on discord.js's gateway client; resolves once it is ready. */
export async function startDiscord(opts: DiscordOptions): Promise<DiscordAdapter> {
  const log = opts.log.child({ adapter: "discord" });
  const { dispatcher } = opts;
  const deferAfter = opts.deferAfterMs ?? DEFER_AFTER_MS;
  const intents = [GatewayIntentBits.Guilds];
  if (opts.onMemberJoined) intents.push(GatewayIntentBits.GuildMembers);
  const client = new Client({
    intents,
    // The default for every message: nothing Dockhand sends can ping anyone unless a send says so.
    allowedMentions: { parse: [] },
    ...opts.client,
    rest: { ...(opts.apiUrl ? { api: opts.apiUrl } : {}), ...opts.client?.rest },
  });

  let connected = false;
  let stopped = false;
  client.on(Events.ShardReady, () => {
    connected = true;
  });
  client.on(Events.ShardResume, () => {
    connected = true;
  });
  client.on(Events.ShardDisconnect, () => {
    connected = false;
  });
  client.on(Events.ShardReconnecting, () => {
    connected = false;
  });
  client.on(Events.Error, (err) => log.error({ err }, "discord client error"));
  client.on(Events.Warn, (message) => log.warn({ message }, "discord client warning"));
  client.rest.on("rateLimited", (info) =>
    log.warn({ route: info.route, retryAfterMs: info.retryAfter, global: info.global }, "rate limited by Discord"),
  );

  // Work that runs after the first answer; stop() waits for it so the store is not closed under it.
  const inFlight = new Set<Promise<unknown>>();
  const track = (what: string, work: () => Promise<unknown>) => {
    const p = work()
      .catch((err: unknown) => {
        opts.telemetry?.error("discord");
        log.error({ err: errorText(err), what }, "discord handler failed");
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    return p;
  };

  // --- outbound -----------------------------------------------------------------------------
  const messagesOf = (reply: Reply): DiscordMessage[] => {
    const rendered = renderDiscord(reply);
    return rendered.length > 0
      ? rendered
      : [{ content: reply.fallback.slice(0, 2000), embeds: [], components: [], allowedMentions: { parse: [] } }];
  };

  const sendable = async (channelId: string): Promise<SendableChannels> => {
    const channel = await client.channels.fetch(channelId);
    if (!channel?.isSendable()) throw new Error(`channel ${channelId} is not one Dockhand can post in`);
    return channel;
  };

  /**
   * Sends with one nonce for every attempt, so that Discord shows a retried post once. 429s are
   * waited out by discord.js's REST queue; network errors and 5xx are retried here while the quiz's
   * grace period lasts.
   */
  const sendOnce = async (channel: SendableChannels, m: DiscordMessage) => {
    const nonce = randomBytes(NONCE_BYTES).toString("base64url").slice(0, 25);
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await channel.send({ ...m, nonce, enforceNonce: true });
      } catch (err) {
        const waitMs = Math.min(30_000, 1_000 * 2 ** attempt);
        if (!transient(err) || Date.now() - started + waitMs > opts.graceMs) throw err;
        log.warn({ err: errorText(err), attempt }, "posting failed; retrying with the same nonce");
        await sleep(waitMs);
      }
    }
  };

  const updates = new Coalescer();
  const poster: Poster = {
    async post(ch, reply) {
      const channel = await sendable(ch.channelId);
      let ref: string | null = null;
      for (const m of messagesOf(reply)) {
        const sent = await sendOnce(channel, m);
        ref ??= `${sent.channelId}:${sent.id}`;
      }
      return ref;
    },
    async update(ch, messageRef, reply) {
      const [channelId, messageId] = (messageRef ?? "").split(":");
      if (!channelId || !messageId) {
        log.warn({ channel: ch.channelId }, "no message to update; posting instead");
        await poster.post(ch, reply);
        return;
      }
      const [m] = messagesOf(reply);
      if (!m) return;
      // Answer counts come in bursts: one edit at a time per message, and only the newest waits.
      await updates.submit(messageRef as string, async () => {
        const channel = await sendable(channelId);
        await channel.messages.edit(messageId, m);
      });
    },
  };

  /** The server each member was last sent a DM for (see workspaceOf). */
  const dmServers = new Map<string, string>();
  const messenger: Messenger = {
    async dm(member, reply) {
      dmServers.set(member.userId, member.workspaceId);
      try {
        const user = await client.users.fetch(member.userId);
        const channel = await user.createDM();
        for (const m of messagesOf(reply)) await channel.send(m);
      } catch (err) {
        if (err instanceof DiscordAPIError && typeof err.code === "number" && DM_CLOSED.has(err.code))
          throw new DmClosedError(`Discord error ${err.code}: ${err.message}`);
        throw err;
      }
    },
    async notice(channelId, member, reply) {
      // Outside an interaction Discord has no only-you messages: one mention of that member only.
      const channel = await sendable(channelId);
      const [first, ...rest] = messagesOf(reply);
      if (!first) return;
      await channel.send({
        ...first,
        content: `<@${member.userId}> ${first.content ?? ""}`.trimEnd().slice(0, 2000),
        allowedMentions: { parse: [], users: [member.userId] },
      });
      for (const m of rest) await channel.send(m);
    },
  };

  // --- inbound ------------------------------------------------------------------------------
  /**
   * A DM has no server, but onboarding keys a member by server: a button pressed in the bot's DM
   * belongs to the server Dockhand last wrote to that member for (this run), else to the server of
   * their most recent onboarding enrolment, else to the only server the bot is in.
   */
  const workspaceOf = async (i: Interaction): Promise<string> => {
    if (i.guildId) return i.guildId;
    const known = dmServers.get(i.user.id);
    if (known) return known;
    try {
      const latest = await opts.store.onboarding.latestWorkspace("discord", i.user.id);
      if (latest) return latest;
    } catch (err) {
      log.warn({ err: errorText(err) }, "could not look up the server of a DM");
    }
    const guilds = [...client.guilds.cache.keys()];
    return guilds.length === 1 ? (guilds[0] as string) : "dm";
  };

  const callerOf = async (i: Interaction): Promise<Caller> => {
    const member = i.member;
    const display = member && "displayName" in member ? member.displayName : (i.user.globalName ?? i.user.username);
    return {
      platform: "discord",
      workspaceId: await workspaceOf(i),
      channelId: i.channelId ?? `dm-${i.user.id}`,
      userId: i.user.id,
      userName: display || i.user.username,
      platformAdmin: i.memberPermissions?.has(PermissionFlagsBits.ManageGuild) === true,
    };
  };

  /** The work, or undefined when it did not finish within the defer window. */
  const within = <T>(work: Promise<T>, ms: number): Promise<T | undefined> =>
    Promise.race([work, sleep(ms, undefined, { ref: false })]);

  const onCommand = async (i: ChatInputCommandInteraction) => {
    const options = Object.fromEntries(i.options.data.map((o) => [o.name, o.value]));
    const work = callerOf(i).then((caller) => dispatcher.command(i.commandName, options, caller));
    let reply = await within(work, deferAfter);
    let deferred: "public" | "ephemeral" | undefined;
    if (!reply) {
      // Most answers are public; an only-me one after a public defer replaces the placeholder.
      await i.deferReply();
      deferred = "public";
      reply = await work;
    }
    await answerInteraction(i, reply, deferred);
  };

  const onButton = async (i: ButtonInteraction) => {
    const work = callerOf(i).then((caller) => dispatcher.action(i.customId, caller));
    let reply = await within(work, deferAfter);
    if (!reply) {
      await i.deferUpdate();
      reply = await work;
      const [first, ...rest] = messagesOf(reply);
      if (reply.replaceOriginal && first) {
        await i.editReply(first);
        for (const m of rest) await i.followUp(withFlags(m, reply, i));
      } else {
        for (const m of messagesOf(reply)) await i.followUp(withFlags(m, reply, i));
      }
      return;
    }
    const [first, ...rest] = messagesOf(reply);
    if (reply.replaceOriginal && first) {
      await i.update(first);
      for (const m of rest) await i.followUp(withFlags(m, reply, i));
      return;
    }
    await answerInteraction(i, reply, undefined);
  };

  const answerInteraction = async (
    i: ChatInputCommandInteraction | ButtonInteraction,
    reply: Reply,
    deferred: "public" | "ephemeral" | undefined,
  ) => {
    const messages = messagesOf(reply);
    const [first, ...rest] = messages;
    if (!first) return;
    const ephemeral = onlyMe(reply, i);
    if (!deferred) await i.reply(withFlags(first, reply, i));
    else if (deferred === "public" && ephemeral) {
      await i.deleteReply();
      await i.followUp(withFlags(first, reply, i));
    } else await i.editReply(first);
    for (const m of rest) await i.followUp(withFlags(m, reply, i));
  };

  const onAutocomplete = async (i: AutocompleteInteraction) => {
    const focused = i.options.getFocused(true);
    const started = performance.now();
    const choices = suggest(
      { kb: opts.kb, search: opts.search },
      i.commandName,
      focused.name,
      String(focused.value ?? ""),
    );
    opts.telemetry?.searched((performance.now() - started) / 1000, "autocomplete");
    await i.respond(choices);
  };

  /**
   * Replicas on one shard all receive every gateway event: the first to claim an event in the
   * shared store handles it, the others drop it. If the store cannot be reached, handle it anyway.
   */
  const firstClaim = async (eventId: string): Promise<boolean> => {
    try {
      return await opts.store.claimEvent({ platform: "discord", eventId, at: new Date() });
    } catch (err) {
      log.warn({ err: errorText(err), eventId }, "could not record the event id; handling the event anyway");
      return true;
    }
  };
  const claimed = (eventId: string, work: () => Promise<unknown>) => async () => {
    if (await firstClaim(eventId)) await work();
    else log.debug({ eventId }, "handled by another replica");
  };

  client.on(Events.InteractionCreate, (i) => {
    if (stopped) return;
    // Autocomplete is cheap and answered by whoever is first; a second answer is refused by Discord.
    if (i.isAutocomplete())
      void track("autocomplete", () =>
        onAutocomplete(i).catch((err: unknown) => {
          if (err instanceof DiscordAPIError && err.code === RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged)
            return;
          throw err;
        }),
      );
    else if (i.isChatInputCommand())
      void track(
        `command ${i.commandName}`,
        claimed(`interaction:${i.id}`, () => onCommand(i)),
      );
    else if (i.isButton())
      void track(
        "button",
        claimed(`interaction:${i.id}`, () => onButton(i)),
      );
  });

  const join = opts.onMemberJoined;
  if (join) {
    client.on(Events.GuildMemberAdd, (m) => {
      if (stopped || m.user.bot) return;
      void track(
        "member joined",
        claimed(`member-add:${m.guild.id}:${m.user.id}:${m.joinedTimestamp ?? ""}`, () =>
          join({
            platform: "discord",
            workspaceId: m.guild.id,
            userId: m.user.id,
            userName: m.displayName || m.user.username,
          }),
        ),
      );
    });
  }

  // --- start --------------------------------------------------------------------------------
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(opts.token);
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
  connected = true;
  const prune = async () => {
    try {
      await opts.store.pruneEvents(new Date(Date.now() - EVENT_RETENTION_MS));
    } catch (err) {
      log.warn({ err: errorText(err) }, "could not prune processed event ids");
    }
  };
  void prune();
  const pruneTimer = setInterval(() => void prune(), 10 * 60_000);
  pruneTimer.unref();
  log.info({ user: client.user?.tag, intents: intents.length }, "connected to Discord");

  return {
    poster,
    messenger,
    client,
    get ready() {
      return connected && !stopped;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(pruneTimer);
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await client.destroy();
    },
  };
}

/**
 * Only-me replies are ephemeral in a server. A DM is private already, and an ephemeral message
 * there vanishes when Discord reloads: an onboarding step card must stay in the DM.
 */
function onlyMe(reply: Reply, i: Interaction): boolean {
  return reply.visibility === "ephemeral" && i.inGuild();
}

function withFlags(m: DiscordMessage, reply: Reply, i: Interaction) {
  return onlyMe(reply, i) ? { ...m, flags: MessageFlags.Ephemeral as const } : m;
}

/** Network trouble and 5xx: worth another try. 4xx (including a 429 discord.js gave up on) are not. */
function transient(err: unknown): boolean {
  if (err instanceof DiscordAPIError) return err.status >= 500;
  const status = (err as { status?: number }).status;
  if (typeof status === "number") return status >= 500;
  return err instanceof Error && /ECONN|ETIMEDOUT|EAI_AGAIN|socket|network|fetch failed|aborted/i.test(err.message);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
