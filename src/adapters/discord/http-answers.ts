import { setTimeout as sleep } from "node:timers/promises";
import {
  DiscordAPIError,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  PermissionFlagsBits,
  PermissionsBitField,
  type REST,
  RESTJSONErrorCodes,
  Routes,
} from "discord.js";
import { z } from "zod";
import type { Caller } from "../../core/command.ts";
import type { Dispatcher } from "../../core/dispatch.ts";
import type { Logger } from "../../core/logger.ts";
import type { Reply } from "../../core/reply.ts";
import { errorText } from "../shared/dedupe.ts";
import { messagesOf } from "./outbound.ts";
import { autocompleteChoice, type DiscordMessage } from "./render.ts";

const user = z.object({ id: z.string(), username: z.string(), global_name: z.string().nullish() });
const option = z.object({
  name: z.string(),
  type: z.number(),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  focused: z.boolean().optional(),
});

/** The parts of an interaction payload Dockhand reads (discord.com/developers/docs/interactions/receiving-and-responding). */
export const payloadSchema = z.object({
  type: z.number().int(),
  id: z.string().optional(),
  token: z.string().optional(),
  guild_id: z.string().optional(),
  channel_id: z.string().optional(),
  channel: z.object({ id: z.string() }).optional(),
  member: z.object({ user, nick: z.string().nullish(), permissions: z.string().optional() }).optional(),
  user: user.optional(),
  data: z
    .object({
      name: z.string().optional(),
      custom_id: z.string().optional(),
      component_type: z.number().optional(),
      options: z.array(option).optional(),
    })
    .optional(),
});

export type Payload = z.infer<typeof payloadSchema>;

/** The HTTP response's body, and the work that must wait until Discord has it (follow-ups). */
export interface Answer {
  body: { type: InteractionResponseType; data?: unknown };
  after?: () => void;
}

export interface HttpAnswersOptions {
  dispatcher: Dispatcher;
  /** discord.js's REST client: the interaction webhook needs no bot token, only the interaction's own. */
  rest: REST;
  applicationId: string;
  log: Logger;
  /** How long an interaction may work before it is deferred (Discord allows 3 s for the response). */
  deferAfterMs: number;
  /** Runs work after the response, tracked until the adapter stops. */
  track: (what: string, work: () => Promise<unknown>) => Promise<unknown>;
  /** The server of a DM (see the gateway's workspaceOf); "dm" when none is known. */
  dmWorkspace: (userId: string) => Promise<string>;
}

/** A message body as the REST API takes it (discord.js's camelCase allowedMentions becomes snake case). */
function apiBody(m: DiscordMessage, flags?: number) {
  return {
    ...(m.content !== undefined ? { content: m.content } : {}),
    embeds: m.embeds,
    components: m.components,
    allowed_mentions: { parse: [] },
    ...(flags ? { flags } : {}),
  };
}

/**
 * Interactions that arrive over HTTP, answered through the same dispatcher and renderer as the
 * gateway's: quick work in the response itself, slower work deferred (type 5, or 6 for a button)
 * and finished by editing @original or following up through the interaction's webhook.
 */
export class HttpAnswers {
  constructor(private readonly o: HttpAnswersOptions) {}

  async answer(p: Payload): Promise<Answer | undefined> {
    if (!p.id || !p.token || !p.data) return undefined;
    if (p.type === InteractionType.ApplicationCommandAutocomplete) return this.autocomplete(p);
    if (p.type === InteractionType.ApplicationCommand && p.data.name) return this.command(p, p.data.name);
    if (p.type === InteractionType.MessageComponent && p.data.custom_id !== undefined)
      return this.button(p, p.data.custom_id);
    return undefined;
  }

  private async caller(p: Payload): Promise<Caller> {
    const u = p.member?.user ?? p.user;
    if (!u) throw new Error("an interaction without a user");
    const permissions = p.member?.permissions;
    return {
      platform: "discord",
      workspaceId: p.guild_id ?? (await this.o.dmWorkspace(u.id)),
      channelId: p.channel_id ?? p.channel?.id ?? `dm-${u.id}`,
      userId: u.id,
      userName: p.member?.nick || u.global_name || u.username,
      platformAdmin:
        permissions !== undefined && /^\d+$/.test(permissions)
          ? new PermissionsBitField(BigInt(permissions)).has(PermissionFlagsBits.ManageGuild)
          : false,
    };
  }

  /** The work, or undefined when it did not finish within the defer window. */
  private within<T>(work: Promise<T>): Promise<T | undefined> {
    return Promise.race([work, sleep(this.o.deferAfterMs, undefined, { ref: false })]);
  }

  private autocomplete(p: Payload): Answer {
    const focused = p.data?.options?.find((x) => x.focused);
    const choices =
      focused && p.data?.name ? this.o.dispatcher.suggest(p.data.name, focused.name, String(focused.value ?? "")) : [];
    return {
      body: {
        type: InteractionResponseType.ApplicationCommandAutocompleteResult,
        data: { choices: choices.map((c) => autocompleteChoice(c.name, c.value)) },
      },
    };
  }

  private async command(p: Payload, name: string): Promise<Answer> {
    const options = Object.fromEntries((p.data?.options ?? []).map((x) => [x.name, x.value]));
    const work = this.caller(p).then((c) => this.o.dispatcher.command(name, options, c));
    const reply = await this.within(work);
    const hook = new Hook(this.o, p.token as string);
    const ephemeral = onlyMe(p);
    if (reply) {
      const [first, ...rest] = messagesOf(reply);
      return {
        body: {
          type: InteractionResponseType.ChannelMessageWithSource,
          data: first ? apiBody(first, ephemeral(reply)) : { content: reply.fallback.slice(0, 2000) },
        },
        after: this.later(`command ${name}`, () => hook.followUps(rest, ephemeral(reply))),
      };
    }
    // Most answers are public; an only-me one after a public defer replaces the placeholder.
    return {
      body: { type: InteractionResponseType.DeferredChannelMessageWithSource },
      after: this.later(`command ${name}`, async () => {
        const late = await work;
        const [first, ...rest] = messagesOf(late);
        if (!first) return;
        const flags = ephemeral(late);
        if (flags) {
          await hook.deleteOriginal();
          await hook.followUps([first], flags);
        } else await hook.editOriginal(first);
        await hook.followUps(rest, flags);
      }),
    };
  }

  private async button(p: Payload, customId: string): Promise<Answer> {
    const work = this.caller(p).then((c) => this.o.dispatcher.action(customId, c));
    const reply = await this.within(work);
    const hook = new Hook(this.o, p.token as string);
    const ephemeral = onlyMe(p);
    if (reply) {
      const [first, ...rest] = messagesOf(reply);
      const update = reply.replaceOriginal === true && first !== undefined;
      return {
        body:
          update && first
            ? { type: InteractionResponseType.UpdateMessage, data: apiBody(first) }
            : {
                type: InteractionResponseType.ChannelMessageWithSource,
                data: first ? apiBody(first, ephemeral(reply)) : { content: reply.fallback.slice(0, 2000) },
              },
        after: this.later("button", () => hook.followUps(rest, ephemeral(reply))),
      };
    }
    return {
      body: { type: InteractionResponseType.DeferredMessageUpdate },
      after: this.later("button", async () => {
        const late = await work;
        const [first, ...rest] = messagesOf(late);
        if (late.replaceOriginal && first) {
          await hook.editOriginal(first);
          await hook.followUps(rest, ephemeral(late));
        } else await hook.followUps(messagesOf(late), ephemeral(late));
      }),
    };
  }

  private later(what: string, work: () => Promise<unknown>): () => void {
    return () => void this.o.track(what, work);
  }
}

/** Only-me replies are ephemeral in a server; a DM is private already (see the gateway's onlyMe). */
function onlyMe(p: Payload) {
  return (reply: Reply): number | undefined =>
    reply.visibility === "ephemeral" && p.guild_id !== undefined ? MessageFlags.Ephemeral : undefined;
}

/** Webhook calls can reach Discord before it has taken the HTTP response in: those are retried briefly. */
const EARLY = new Set<number>([RESTJSONErrorCodes.UnknownWebhook, RESTJSONErrorCodes.UnknownMessage]);
const EARLY_RETRIES = 4;
const EARLY_WAIT_MS = 250;

/** The interaction's webhook: edit @original, follow up, delete @original (valid for 15 minutes). */
class Hook {
  constructor(
    private readonly o: HttpAnswersOptions,
    private readonly token: string,
  ) {}

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        const early = err instanceof DiscordAPIError && typeof err.code === "number" && EARLY.has(err.code);
        if (!early || attempt >= EARLY_RETRIES) throw err;
        this.o.log.debug({ what, err: errorText(err) }, "interaction webhook not ready yet; retrying");
        await sleep(EARLY_WAIT_MS);
      }
    }
  }

  editOriginal(m: DiscordMessage) {
    const route = Routes.webhookMessage(this.o.applicationId, this.token);
    return this.call("edit", () => this.o.rest.patch(route, { body: apiBody(m), auth: false }));
  }

  deleteOriginal() {
    const route = Routes.webhookMessage(this.o.applicationId, this.token);
    return this.call("delete", () => this.o.rest.delete(route, { auth: false }));
  }

  async followUps(messages: DiscordMessage[], flags: number | undefined): Promise<void> {
    const route = Routes.webhook(this.o.applicationId, this.token);
    for (const m of messages) {
      await this.call("follow-up", () =>
        this.o.rest.post(route, { body: apiBody(m, flags), auth: false, query: new URLSearchParams({ wait: "true" }) }),
      );
    }
  }
}
