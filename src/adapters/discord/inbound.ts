import { setTimeout as sleep } from "node:timers/promises";
import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Client,
  DiscordAPIError,
  Events,
  type Interaction,
  MessageFlags,
  PermissionFlagsBits,
  RESTJSONErrorCodes,
} from "discord.js";
import type { Caller } from "../../core/command.ts";
import type { Dispatcher } from "../../core/dispatch.ts";
import type { Logger } from "../../core/logger.ts";
import type { Member } from "../../core/onboarding/model.ts";
import type { Reply } from "../../core/reply.ts";
import { errorText } from "../shared/dedupe.ts";
import type { EventClaims } from "../shared/event-claims.ts";
import { type DiscordOutbound, messagesOf } from "./outbound.ts";
import { autocompleteChoice, type DiscordMessage } from "./render.ts";

export interface Inbound {
  dispatcher: Dispatcher;
  out: DiscordOutbound;
  /** Claims of gateway events across replicas. */
  claims: EventClaims;
  /** The lease of a member join's claim (the scheduler's lease: a welcome is not in a hurry). */
  leaseMs: number;
  log: Logger;
  /** How long an interaction may work before it is deferred. */
  deferAfterMs: number;
  /** Runs work after the event, tracked until stop(). */
  track: (what: string, work: () => Promise<unknown>) => Promise<unknown>;
  stopped: () => boolean;
  onMemberJoined?: (member: Member, o: { tag: string }) => Promise<unknown>;
}

/** Kinds of gateway event claims in the store. */
export const INTERACTION_CLAIM = "discord-interaction";
export const JOIN_CLAIM = "discord-join";

/**
 * An interaction's claim lasts this long unrenewed: when its replica dies, another one takes it over
 * after at most this, with time left to answer inside Discord's 3 seconds.
 */
export const INTERACTION_LEASE_MS = 1_000;
/** Discord refuses a first answer this long after the interaction. */
const FIRST_ANSWER_MS = 3_000;
/** An interaction's token (edits, follow-ups) lives 15 minutes: nothing can be done for it later. */
const TOKEN_LIFE_MS = 15 * 60_000;

/** Gateway events → invocations of the dispatcher: commands, buttons, autocomplete and joins. */
export function listen(client: Client, i: Inbound): void {
  const { log, track } = i;
  const interactions = new Interactions(client, i);

  /**
   * Replicas on one shard all receive every gateway event: the one whose claim wins handles it; the
   * others watch the claim and take it over when that replica dies before finishing.
   */
  const interaction = (x: Interaction, work: (t: Turn) => Promise<void>) => async () => {
    const receivedAt = Date.now();
    const outcome = await i.claims.handle(
      { kind: INTERACTION_CLAIM, key: x.id, leaseMs: INTERACTION_LEASE_MS, watchMs: TOKEN_LIFE_MS },
      (resumed) => work({ resumed, receivedAt }),
    );
    if (outcome !== "ran") log.debug({ interaction: x.id, outcome }, "handled by another replica");
  };

  client.on(Events.InteractionCreate, (x) => {
    if (i.stopped()) return;
    // Autocomplete is cheap and answered by whoever is first; a second answer is refused by Discord.
    if (x.isAutocomplete())
      void track("autocomplete", () =>
        interactions.autocomplete(x).catch((err: unknown) => {
          if (err instanceof DiscordAPIError && err.code === RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged)
            return;
          throw err;
        }),
      );
    else if (x.isChatInputCommand())
      void track(
        `command ${x.commandName}`,
        interaction(x, (t) => interactions.command(x, t)),
      );
    else if (x.isButton())
      void track(
        "button",
        interaction(x, (t) => interactions.button(x, t)),
      );
  });

  const join = i.onMemberJoined;
  if (join) {
    client.on(Events.GuildMemberAdd, (m) => {
      if (i.stopped() || m.user.bot) return;
      const key = `${m.guild.id}:${m.user.id}:${m.joinedTimestamp ?? ""}`;
      const member: Member = {
        platform: "discord",
        workspaceId: m.guild.id,
        userId: m.user.id,
        userName: m.displayName || m.user.username,
      };
      // The normal lease: a welcome resumed a minute late is fine, and the welcome's tag keeps a
      // DM that did go out from being shown twice.
      void track("member joined", async () => {
        await i.claims.handle({ kind: JOIN_CLAIM, key, leaseMs: i.leaseMs, watchMs: 10 * i.leaseMs }, async () => {
          await join(member, { tag: `welcome:${key}` });
        });
      });
    });
  }
}

/** This replica's turn at an interaction: when it arrived, and whether a replica that died had it before. */
interface Turn {
  resumed: boolean;
  receivedAt: number;
}

/** Answers interactions within Discord's 3 seconds: at once when the work is quick, else deferred first. */
class Interactions {
  constructor(
    private readonly client: Client,
    private readonly i: Inbound,
  ) {}

  /**
   * A DM has no server, but onboarding keys a member by server: a button pressed in the bot's DM
   * belongs to the server Dockhand last wrote to that member for (this run), else to the server of
   * their most recent onboarding enrolment, else to the only server the bot is in.
   */
  async workspaceOf(x: Interaction): Promise<string> {
    if (x.guildId) return x.guildId;
    const known = this.i.out.dmServers.get(x.user.id);
    if (known) return known;
    try {
      const latest = await this.i.dispatcher.latestWorkspace("discord", x.user.id);
      if (latest) return latest;
    } catch (err) {
      this.i.log.warn({ err: errorText(err) }, "could not look up the server of a DM");
    }
    const guilds = [...this.client.guilds.cache.keys()];
    return guilds.length === 1 ? (guilds[0] as string) : "dm";
  }

  async callerOf(x: Interaction): Promise<Caller> {
    const member = x.member;
    const display = member && "displayName" in member ? member.displayName : (x.user.globalName ?? x.user.username);
    return {
      platform: "discord",
      workspaceId: await this.workspaceOf(x),
      channelId: x.channelId ?? `dm-${x.user.id}`,
      userId: x.user.id,
      userName: display || x.user.username,
      platformAdmin: x.memberPermissions?.has(PermissionFlagsBits.ManageGuild) === true,
    };
  }

  /** The work, or undefined when it did not finish within the defer window (counted from the interaction's arrival). */
  within<T>(work: Promise<T>, t: Turn): Promise<T | undefined> {
    const left = Math.max(0, t.receivedAt + this.i.deferAfterMs - Date.now());
    return Promise.race([work, sleep(left, undefined, { ref: false })]);
  }

  /**
   * Resuming an interaction whose replica died: what it left. "answered": the answer is out;
   * "deferred": Discord shows "thinking…" and waits for an edit; "none": nothing was sent.
   */
  async left(x: ChatInputCommandInteraction): Promise<"none" | "deferred" | "answered"> {
    try {
      const m = await x.fetchReply();
      return m.flags.has(MessageFlags.Loading) ? "deferred" : "answered";
    } catch (err) {
      if (err instanceof DiscordAPIError && NOTHING_SENT.has(err.code as number)) return "none";
      throw err;
    }
  }

  async command(x: ChatInputCommandInteraction, t: Turn): Promise<void> {
    let deferred: "public" | "ephemeral" | undefined;
    if (t.resumed) {
      const left = await this.left(x);
      if (left === "answered") return;
      if (left === "deferred") {
        // discord.js knows only of its own deferral; the dead replica's one is Discord's all the same.
        x.deferred = true;
        deferred = "public";
      } else if (Date.now() - t.receivedAt >= FIRST_ANSWER_MS) {
        this.i.log.warn({ interaction: x.id }, "took over an interaction too late to answer it");
        return;
      }
    }
    const options = Object.fromEntries(x.options.data.map((o) => [o.name, o.value]));
    const work = this.callerOf(x).then((caller) => this.i.dispatcher.command(x.commandName, options, caller));
    let reply = deferred ? await work : await this.within(work, t);
    if (!reply) {
      // Most answers are public; an only-me one after a public defer replaces the placeholder.
      await x.deferReply();
      deferred = "public";
      reply = await work;
    }
    await this.answer(x, reply, deferred);
  }

  /**
   * A click taken over from a replica that died runs again (clicks are idempotent in the core: one
   * answer per user and round, a step advances once); when that replica had acknowledged it,
   * Discord refuses this second acknowledgement and the click counts as answered.
   */
  async button(x: ButtonInteraction, t: Turn): Promise<void> {
    // Acknowledged by the replica before, or now past Discord's deadline: nothing left to send.
    if (t.resumed && Date.now() - t.receivedAt >= FIRST_ANSWER_MS) {
      this.i.log.warn({ interaction: x.id }, "took over an interaction too late to answer it");
      return;
    }
    try {
      await this.click(x, t);
    } catch (err) {
      if (
        t.resumed &&
        err instanceof DiscordAPIError &&
        err.code === RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged
      )
        return;
      throw err;
    }
  }

  private async click(x: ButtonInteraction, t: Turn): Promise<void> {
    const work = this.callerOf(x).then((caller) => this.i.dispatcher.action(x.customId, caller));
    let reply = await this.within(work, t);
    if (!reply) {
      await x.deferUpdate();
      reply = await work;
      const [first, ...rest] = messagesOf(reply);
      if (reply.replaceOriginal && first) {
        await x.editReply(first);
        for (const m of rest) await x.followUp(withFlags(m, reply, x));
      } else {
        for (const m of messagesOf(reply)) await x.followUp(withFlags(m, reply, x));
      }
      return;
    }
    const [first, ...rest] = messagesOf(reply);
    if (reply.replaceOriginal && first) {
      await x.update(first);
      for (const m of rest) await x.followUp(withFlags(m, reply, x));
      return;
    }
    await this.answer(x, reply, undefined);
  }

  async answer(
    x: ChatInputCommandInteraction | ButtonInteraction,
    reply: Reply,
    deferred: "public" | "ephemeral" | undefined,
  ): Promise<void> {
    const [first, ...rest] = messagesOf(reply);
    if (!first) return;
    const ephemeral = onlyMe(reply, x);
    if (!deferred) await x.reply(withFlags(first, reply, x));
    else if (deferred === "public" && ephemeral) {
      await x.deleteReply();
      await x.followUp(withFlags(first, reply, x));
    } else await x.editReply(first);
    for (const m of rest) await x.followUp(withFlags(m, reply, x));
  }

  async autocomplete(x: AutocompleteInteraction): Promise<void> {
    const focused = x.options.getFocused(true);
    const choices = this.i.dispatcher.suggest(x.commandName, focused.name, String(focused.value ?? ""));
    await x.respond(choices.map((c) => autocompleteChoice(c.name, c.value)));
  }
}

/** Errors that say an interaction has no response message yet. */
const NOTHING_SENT = new Set<number>([RESTJSONErrorCodes.UnknownMessage, RESTJSONErrorCodes.UnknownWebhook]);

/**
 * Only-me replies are ephemeral in a server. A DM is private already, and an ephemeral message
 * there vanishes when Discord reloads: an onboarding step card must stay in the DM.
 */
function onlyMe(reply: Reply, x: Interaction): boolean {
  return reply.visibility === "ephemeral" && x.inGuild();
}

function withFlags(m: DiscordMessage, reply: Reply, x: Interaction) {
  return onlyMe(reply, x) ? { ...m, flags: MessageFlags.Ephemeral as const } : m;
}
