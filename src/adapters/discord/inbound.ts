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
import type { Dedupe } from "../shared/dedupe.ts";
import { errorText } from "../shared/dedupe.ts";
import { type DiscordOutbound, messagesOf } from "./outbound.ts";
import { autocompleteChoice, type DiscordMessage } from "./render.ts";

export interface Inbound {
  dispatcher: Dispatcher;
  out: DiscordOutbound;
  dedupe: Dedupe;
  log: Logger;
  /** How long an interaction may work before it is deferred. */
  deferAfterMs: number;
  /** Runs work after the event, tracked until stop(). */
  track: (what: string, work: () => Promise<unknown>) => Promise<unknown>;
  stopped: () => boolean;
  onMemberJoined?: (member: Member) => Promise<unknown>;
}

/** Gateway events → invocations of the dispatcher: commands, buttons, autocomplete and joins. */
export function listen(client: Client, i: Inbound): void {
  const { log, track } = i;
  const interactions = new Interactions(client, i);

  /**
   * Replicas on one shard all receive every gateway event: the first to claim an event handles
   * it, the others drop it.
   */
  const claimed = (eventId: string, work: () => Promise<unknown>) => async () => {
    if (await i.dedupe.first(eventId)) await work();
    else log.debug({ eventId }, "handled by another replica");
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
        claimed(`interaction:${x.id}`, () => interactions.command(x)),
      );
    else if (x.isButton())
      void track(
        "button",
        claimed(`interaction:${x.id}`, () => interactions.button(x)),
      );
  });

  const join = i.onMemberJoined;
  if (join) {
    client.on(Events.GuildMemberAdd, (m) => {
      if (i.stopped() || m.user.bot) return;
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

  /** The work, or undefined when it did not finish within the defer window. */
  within<T>(work: Promise<T>): Promise<T | undefined> {
    return Promise.race([work, sleep(this.i.deferAfterMs, undefined, { ref: false })]);
  }

  async command(x: ChatInputCommandInteraction): Promise<void> {
    const options = Object.fromEntries(x.options.data.map((o) => [o.name, o.value]));
    const work = this.callerOf(x).then((caller) => this.i.dispatcher.command(x.commandName, options, caller));
    let reply = await this.within(work);
    let deferred: "public" | "ephemeral" | undefined;
    if (!reply) {
      // Most answers are public; an only-me one after a public defer replaces the placeholder.
      await x.deferReply();
      deferred = "public";
      reply = await work;
    }
    await this.answer(x, reply, deferred);
  }

  async button(x: ButtonInteraction): Promise<void> {
    const work = this.callerOf(x).then((caller) => this.i.dispatcher.action(x.customId, caller));
    let reply = await this.within(work);
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
