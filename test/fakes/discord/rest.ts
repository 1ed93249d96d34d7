import type { IncomingHttpHeaders } from "node:http";
import {
  type APIApplicationCommand,
  type APIDMChannel,
  type APIEmbed,
  type APIGuildMember,
  type APIInteraction,
  type APIMessage,
  type APIMessageTopLevelComponent,
  type APITextChannel,
  type APIUser,
  ApplicationCommandType,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  type RESTError,
  type RESTGetAPIGatewayBotResult,
  RESTJSONErrorCodes,
  type RESTPostAPIInteractionCallbackWithResponseResult,
} from "discord-api-types/v10";
import { choicesProblems, invalidFormBody, type MessageBody, messageProblems } from "./limits.ts";
import { dmChannel, guildCreate, message, snowflake } from "./payloads.ts";

/**
 * The REST side of the Discord stand-in: routes under /api/v10 (the path arrives here decoded and
 * without that prefix), with Discord's error bodies and codes. Interaction callbacks and webhook
 * calls carry no Authorization header (discord.js sends them with `auth: false`); every other
 * route wants `Bot <token>`.
 */

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingHttpHeaders;
}

export interface RestAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface GuildState {
  id: string;
  name: string;
  ownerId: string;
  channels: APITextChannel[];
  members: Map<string, APIGuildMember>;
}

export interface RestConfig {
  token: string;
  applicationId: string;
  botUser: APIUser;
  gatewayUrl: () => string;
  interactionDeadlineMs: number;
  /** How long a message nonce is remembered for enforce_nonce. */
  nonceWindowMs: number;
  guilds: GuildState[];
  users: Map<string, APIUser>;
}

interface Tracked {
  payload: APIInteraction;
  at: number;
  acked?: InteractionResponseType;
  /** The response message (@original), once a callback made or chose one. */
  original?: APIMessage;
}

type MessageInput = MessageBody & {
  embeds?: APIEmbed[] | null;
  components?: APIMessageTopLevelComponent[] | null;
  flags?: number;
  nonce?: string | number;
  enforce_nonce?: boolean;
};

const err = (status: number, code: number, msg: string): RestAnswer => ({
  status,
  body: { code, message: msg } satisfies RESTError,
});
const ok = (body: unknown): RestAnswer => ({ status: 200, body });
const NO_CONTENT: RestAnswer = { status: 204 };
/** How long Discord remembers a message nonce for enforce_nonce ("the past few minutes"). */
export const NONCE_WINDOW_MS = 5 * 60_000;

export function guildObject(g: GuildState) {
  return guildCreate({
    id: g.id,
    name: g.name,
    ownerId: g.ownerId,
    channels: g.channels,
    members: [...g.members.values()],
  });
}

export class RestApi {
  /** Every message the bot created, by id, as last edited. */
  readonly messages = new Map<string, APIMessage>();
  readonly closedDms = new Set<string>();
  /** Registered commands by scope: "global" or a guild id. */
  readonly commands = new Map<string, APIApplicationCommand[]>();
  private readonly dms = new Map<string, APIDMChannel>();
  private readonly dmOf = new Map<string, string>();
  /** Messages made with a nonce, by nonce, and when (Discord checks a nonce over the last few minutes). */
  private readonly nonces = new Map<string, { message: APIMessage; at: number }>();
  private readonly interactions = new Map<string, Tracked>();
  private readonly routes: [string, RegExp, boolean, (m: string[], r: RestRequest) => RestAnswer][];

  constructor(private readonly c: RestConfig) {
    const S = "([^/]+)";
    const app = "/applications/([^/]+)";
    this.routes = [
      ["GET", /^\/gateway$/, false, () => ok({ url: c.gatewayUrl() })],
      ["GET", /^\/gateway\/bot$/, true, () => ok(this.gatewayBot())],
      ["GET", /^\/users\/@me$/, true, () => ok(c.botUser)],
      ["POST", /^\/users\/@me\/channels$/, true, (_, r) => this.createDm(r.body as { recipient_id?: string })],
      ["GET", new RegExp(`^/users/${S}$`), true, ([id]) => this.known(c.users.get(id as string), "user")],
      ["GET", new RegExp(`^/channels/${S}$`), true, ([id]) => this.known(this.channel(id as string), "channel")],
      ["POST", new RegExp(`^/channels/${S}/messages$`), true, ([id], r) => this.post(id as string, r.body)],
      ["GET", new RegExp(`^/channels/${S}/messages/${S}$`), true, ([, mid]) => this.found(mid as string)],
      ["PATCH", new RegExp(`^/channels/${S}/messages/${S}$`), true, ([, mid], r) => this.edit(mid as string, r.body)],
      ["DELETE", new RegExp(`^/channels/${S}/messages/${S}$`), true, ([, mid]) => this.remove(mid as string)],
      ["POST", new RegExp(`^/channels/${S}/typing$`), true, () => NO_CONTENT],
      ["GET", new RegExp(`^/guilds/${S}$`), true, ([id]) => this.known(this.guild(id), "guild")],
      ["GET", new RegExp(`^/guilds/${S}/channels$`), true, ([id]) => this.known(this.guild(id)?.channels, "guild")],
      ["GET", new RegExp(`^/guilds/${S}/members/${S}$`), true, ([g, u]) => this.member(g as string, u as string)],
      ["PUT", new RegExp(`^${app}/commands$`), true, ([a], r) => this.putCommands(a, "global", r.body)],
      ["GET", new RegExp(`^${app}/commands$`), true, () => ok(this.commands.get("global") ?? [])],
      ["PUT", new RegExp(`^${app}/guilds/${S}/commands$`), true, ([a, g], r) => this.putCommands(a, g, r.body)],
      ["GET", new RegExp(`^${app}/guilds/${S}/commands$`), true, ([, g]) => ok(this.commands.get(g as string) ?? [])],
      ["POST", new RegExp(`^/interactions/${S}/${S}/callback$`), false, ([id, t], r) => this.callback(id, t, r)],
      ["POST", new RegExp(`^/webhooks/${S}/${S}$`), false, ([, t], r) => this.followUp(t as string, r)],
      ["GET", new RegExp(`^/webhooks/${S}/${S}/messages/${S}$`), false, ([, t, m]) => this.hookGet(t, m)],
      ["PATCH", new RegExp(`^/webhooks/${S}/${S}/messages/${S}$`), false, ([, t, m], r) => this.hookEdit(t, m, r)],
      ["DELETE", new RegExp(`^/webhooks/${S}/${S}/messages/${S}$`), false, () => NO_CONTENT],
    ];
  }

  handle(r: RestRequest): RestAnswer {
    for (const [method, pattern, auth, run] of this.routes) {
      const m = pattern.exec(r.path);
      if (!m || method !== r.method) continue;
      if (auth && r.headers.authorization !== `Bot ${this.c.token}`) return err(401, 0, "401: Unauthorized");
      return run(m.slice(1), r);
    }
    return err(404, 0, "404: Not Found");
  }

  /** Remembers a dispatched interaction, so its callback and webhook calls can be answered. */
  track(payload: APIInteraction): void {
    this.interactions.set(payload.token, { payload, at: Date.now() });
  }

  /** The interaction's response message (@original), as last edited. */
  original(token: string): APIMessage | undefined {
    const id = this.interactions.get(token)?.original?.id;
    return id === undefined ? undefined : this.messages.get(id);
  }

  /** The user's DM channel (made on first use, as POST /users/@me/channels does). */
  dmChannelFor(userId: string): APIDMChannel {
    const existing = this.dmOf.get(userId);
    if (existing) return this.dms.get(existing) as APIDMChannel;
    const u = this.c.users.get(userId) ?? {
      id: userId,
      username: "someone",
      discriminator: "0",
      global_name: null,
      avatar: null,
    };
    const ch = dmChannel(snowflake(), u);
    this.dms.set(ch.id, ch);
    this.dmOf.set(userId, ch.id);
    return ch;
  }

  channel(id: string): APITextChannel | APIDMChannel | undefined {
    return this.dms.get(id) ?? this.c.guilds.flatMap((g) => g.channels).find((ch) => ch.id === id);
  }

  private guild(id: string | undefined) {
    const g = this.c.guilds.find((x) => x.id === id);
    return g && guildObject(g);
  }

  private known(value: unknown, what: "user" | "channel" | "guild"): RestAnswer {
    if (value !== undefined) return ok(value);
    if (what === "user") return err(404, RESTJSONErrorCodes.UnknownUser, "Unknown User");
    if (what === "guild") return err(404, RESTJSONErrorCodes.UnknownGuild, "Unknown Guild");
    return err(404, RESTJSONErrorCodes.UnknownChannel, "Unknown Channel");
  }

  private gatewayBot(): RESTGetAPIGatewayBotResult {
    return {
      url: this.c.gatewayUrl(),
      shards: 1,
      session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
    } satisfies RESTGetAPIGatewayBotResult;
  }

  private createDm(body: { recipient_id?: string }): RestAnswer {
    const id = body.recipient_id ?? "";
    if (!this.c.users.has(id)) return err(404, RESTJSONErrorCodes.UnknownUser, "Unknown User");
    return ok(this.dmChannelFor(id));
  }

  private member(guildId: string, userId: string): RestAnswer {
    const g = this.c.guilds.find((x) => x.id === guildId);
    if (!g) return err(404, RESTJSONErrorCodes.UnknownGuild, "Unknown Guild");
    const m = g.members.get(userId);
    return m ? ok(m) : err(404, RESTJSONErrorCodes.UnknownMember, "Unknown Member");
  }

  private newMessage(channelId: string, b: MessageInput, extra: { webhook?: boolean } = {}): APIMessage {
    const msg = message({
      channelId,
      author: this.c.botUser,
      content: b.content ?? "",
      embeds: b.embeds ?? [],
      components: b.components ?? [],
      flags: b.flags ?? 0,
      ...(b.nonce !== undefined ? { nonce: b.nonce } : {}),
      ...(extra.webhook ? { applicationId: this.c.applicationId, webhookId: this.c.applicationId } : {}),
    });
    this.messages.set(msg.id, msg);
    return msg;
  }

  private post(channelId: string, body: unknown): RestAnswer {
    const b = body as MessageInput;
    const ch = this.channel(channelId);
    if (!ch) return err(404, RESTJSONErrorCodes.UnknownChannel, "Unknown Channel");
    const recipient = "recipients" in ch ? ch.recipients?.[0]?.id : undefined;
    if (recipient && this.closedDms.has(recipient))
      return err(403, RESTJSONErrorCodes.CannotSendMessagesToThisUser, "Cannot send messages to this user");
    const problems = messageProblems(b);
    if (Object.keys(problems).length) return { status: 400, body: invalidFormBody(problems) };
    // With enforce_nonce, a nonce the same author (the bot) used in the last few minutes returns the
    // message it made then, in whichever process asks.
    const key = String(b.nonce);
    const seen = this.nonces.get(key);
    if (b.enforce_nonce && b.nonce !== undefined && seen && Date.now() - seen.at < this.c.nonceWindowMs)
      return ok(this.messages.get(seen.message.id) ?? seen.message);
    const msg = this.newMessage(channelId, b);
    if (b.nonce !== undefined) this.nonces.set(key, { message: msg, at: Date.now() });
    return ok(msg);
  }

  private found(id: string): RestAnswer {
    const msg = this.messages.get(id);
    return msg ? ok(msg) : err(404, RESTJSONErrorCodes.UnknownMessage, "Unknown Message");
  }

  private edit(id: string, body: unknown): RestAnswer {
    const msg = this.messages.get(id);
    if (!msg) return err(404, RESTJSONErrorCodes.UnknownMessage, "Unknown Message");
    if (msg.author.id !== this.c.botUser.id)
      return err(
        403,
        RESTJSONErrorCodes.CannotEditMessageAuthoredByAnotherUser,
        "Cannot edit a message authored by another user",
      );
    return this.applyEdit(msg, body as MessageInput);
  }

  private applyEdit(msg: APIMessage, b: MessageInput): RestAnswer {
    const problems = messageProblems(b);
    if (Object.keys(problems).length) return { status: 400, body: invalidFormBody(problems) };
    const next: APIMessage = {
      ...msg,
      ...(b.content !== undefined ? { content: b.content ?? "" } : {}),
      ...(b.embeds !== undefined ? { embeds: b.embeds ?? [] } : {}),
      ...(b.components !== undefined ? { components: b.components ?? [] } : {}),
      flags: ((msg.flags ?? 0) & ~MessageFlags.Loading) | (b.flags ?? 0),
      edited_timestamp: new Date().toISOString(),
    };
    this.messages.set(next.id, next);
    return ok(next);
  }

  private remove(id: string): RestAnswer {
    if (!this.messages.delete(id)) return err(404, RESTJSONErrorCodes.UnknownMessage, "Unknown Message");
    return NO_CONTENT;
  }

  private putCommands(appId: string | undefined, scope: string | undefined, body: unknown): RestAnswer {
    if (appId !== this.c.applicationId) return err(403, RESTJSONErrorCodes.MissingAccess, "Missing Access");
    const previous = new Map((this.commands.get(scope as string) ?? []).map((cmd) => [cmd.name, cmd.id]));
    // Bulk overwrite: the list replaces all commands; a name registered before keeps its id.
    const list = (body as Partial<APIApplicationCommand>[]).map(
      (cmd) =>
        ({
          type: ApplicationCommandType.ChatInput,
          description: "",
          default_member_permissions: null,
          ...cmd,
          name: cmd.name ?? "",
          id: previous.get(cmd.name ?? "") ?? snowflake(),
          application_id: this.c.applicationId,
          version: snowflake(),
          ...(scope !== "global" ? { guild_id: scope } : {}),
        }) satisfies APIApplicationCommand,
    );
    this.commands.set(scope as string, list);
    return ok(list);
  }

  private callback(id: string | undefined, token: string | undefined, r: RestRequest): RestAnswer {
    const t = this.interactions.get(token ?? "");
    if (!t || t.payload.id !== id || Date.now() - t.at > this.c.interactionDeadlineMs)
      return err(404, RESTJSONErrorCodes.UnknownInteraction, "Unknown interaction");
    if (t.acked !== undefined)
      return err(
        400,
        RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged,
        "Interaction has already been acknowledged.",
      );
    const { type, data } = r.body as { type: InteractionResponseType; data?: MessageInput & { choices?: unknown[] } };
    const isComponent = t.payload.type === InteractionType.MessageComponent;
    const problems =
      type === InteractionResponseType.ApplicationCommandAutocompleteResult
        ? choicesProblems(data ?? {})
        : messageProblems(data ?? {});
    if (Object.keys(problems).length) return { status: 400, body: invalidFormBody(problems, "data") };
    if (type === InteractionResponseType.ChannelMessageWithSource) {
      t.original = this.newMessage(t.payload.channel?.id ?? "", data ?? {}, { webhook: true });
    } else if (type === InteractionResponseType.DeferredChannelMessageWithSource) {
      const flags = (data?.flags ?? 0) | MessageFlags.Loading;
      t.original = this.newMessage(t.payload.channel?.id ?? "", { flags }, { webhook: true });
    } else if (isComponent && "message" in t.payload && t.payload.message) {
      const msg = this.messages.get(t.payload.message.id) ?? t.payload.message;
      this.messages.set(msg.id, msg);
      t.original = msg;
      if (type === InteractionResponseType.UpdateMessage) this.applyEdit(msg, data ?? {});
      t.original = this.messages.get(msg.id);
    }
    t.acked = type;
    if (r.query.get("with_response") !== "true") return NO_CONTENT;
    return ok({
      interaction: {
        id: t.payload.id,
        type: t.payload.type,
        ...(t.original
          ? {
              response_message_id: t.original.id,
              response_message_loading: type === InteractionResponseType.DeferredChannelMessageWithSource,
              response_message_ephemeral: ((t.original.flags ?? 0) & MessageFlags.Ephemeral) !== 0,
            }
          : {}),
      },
      ...(t.original ? { resource: { type, message: t.original } } : {}),
    } satisfies RESTPostAPIInteractionCallbackWithResponseResult);
  }

  private hookTarget(token: string | undefined): Tracked | undefined {
    const t = this.interactions.get(token ?? "");
    return t?.acked !== undefined ? t : undefined;
  }

  private followUp(token: string, r: RestRequest): RestAnswer {
    const t = this.hookTarget(token);
    if (!t) return err(404, RESTJSONErrorCodes.UnknownWebhook, "Unknown Webhook");
    const b = r.body as MessageInput;
    const problems = messageProblems(b);
    if (Object.keys(problems).length) return { status: 400, body: invalidFormBody(problems) };
    const msg = this.newMessage(t.payload.channel?.id ?? "", b, { webhook: true });
    return r.query.get("wait") === "true" ? ok(msg) : NO_CONTENT;
  }

  private hookMessage(token: string | undefined, id: string | undefined): APIMessage | undefined {
    const t = this.hookTarget(token);
    if (!t) return undefined;
    return id === "@original" ? t.original && this.messages.get(t.original.id) : this.messages.get(id ?? "");
  }

  private hookGet(token: string | undefined, id: string | undefined): RestAnswer {
    const msg = this.hookMessage(token, id);
    return msg ? ok(msg) : err(404, RESTJSONErrorCodes.UnknownMessage, "Unknown Message");
  }

  private hookEdit(token: string | undefined, id: string | undefined, r: RestRequest): RestAnswer {
    const msg = this.hookMessage(token, id);
    if (!msg) return err(404, RESTJSONErrorCodes.UnknownMessage, "Unknown Message");
    return this.applyEdit(msg, r.body as MessageInput);
  }
}
