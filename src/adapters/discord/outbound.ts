import { createHash, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type Channel,
  type Client,
  DiscordAPIError,
  type Message,
  type RateLimitData,
  RateLimitError,
  RESTJSONErrorCodes,
  type SendableChannels,
} from "discord.js";
import type { Logger } from "../../core/logger.ts";
import { DmClosedError, type Member, type Messenger } from "../../core/onboarding/model.ts";
import type { Poster, QuizChannel } from "../../core/quiz/model.ts";
import type { Reply } from "../../core/reply.ts";
import { Coalescer } from "../shared/coalescer.ts";
import { errorText } from "../shared/dedupe.ts";
import { type Pacer, SendPacer } from "./pacing.ts";
import { type DiscordMessage, renderDiscord } from "./render.ts";

/** A message nonce is at most 25 characters. */
const NONCE_BYTES = 12;
/** Errors that say the member does not accept a DM from the bot. */
const DM_CLOSED = new Set<number>([RESTJSONErrorCodes.CannotSendMessagesToThisUser]);

/**
 * discord.js's `rejectOnRateLimit`: a message send that meets the global limit is handed back as a
 * RateLimitError. Left to discord.js, every request of the process would wait for the limit's reset
 * and then go out together, a burst that meets the limit again (and, with replicas, again and
 * again); handed back, each send waits its retry_after and takes a new paced turn.
 */
export function handBackGlobalSends(d: RateLimitData): boolean {
  return d.global && d.method.toUpperCase() === "POST" && d.route === "/channels/:id/messages";
}

export function messagesOf(reply: Reply): DiscordMessage[] {
  const rendered = renderDiscord(reply);
  return rendered.length > 0
    ? rendered
    : [{ content: reply.fallback.slice(0, 2000), embeds: [], components: [], allowedMentions: { parse: [] } }];
}

/** Quiz posts and their edits, onboarding DMs and notices, through discord.js's REST client. */
export class DiscordOutbound {
  readonly poster: Poster;
  readonly messenger: Messenger;
  /** The server each member was last sent a DM for (this run): a DM button belongs to it. */
  readonly dmServers = new Map<string, string>();
  readonly #updates = new Coalescer();
  /** Channels looked up over REST alone (no gateway session): discord.js does not cache those. */
  readonly #restChannels = new Map<string, Channel>();
  constructor(
    private readonly client: Client,
    private readonly log: Logger,
    private readonly graceMs: number,
    /** Quiz posts go out evenly paced under the global limit (see SendPacer, SharedPacer). */
    readonly pacer: Pacer = new SendPacer(),
  ) {
    client.rest.on("response", (_request, response) => {
      if (response.status === 429 && response.headers.get("x-ratelimit-global"))
        this.pacer.globalLimited(retryAfterMs(response.headers.get("retry-after")));
    });
    this.poster = { post: (ch, r, o) => this.post(ch, r, o), update: (ch, ref, r) => this.update(ch, ref, r) };
    this.messenger = { dm: (m, r, o) => this.dm(m, r, o), notice: (c, m, r) => this.notice(c, m, r) };
  }

  async sendable(channelId: string): Promise<SendableChannels> {
    // Without a gateway session the client knows no server, and discord.js would refuse their channels.
    const channel = this.client.isReady()
      ? await this.client.channels.fetch(channelId)
      : (this.#restChannels.get(channelId) ??
        (await this.client.channels.fetch(channelId, { allowUnknownGuild: true })));
    if (channel && !this.client.isReady()) this.#restChannels.set(channelId, channel);
    if (!channel?.isSendable()) throw new Error(`channel ${channelId} is not one Dockhand can post in`);
    return channel;
  }

  /**
   * Sends with one nonce for every attempt, so that Discord shows a retried post once. 429s are
   * waited out by discord.js's REST queue; network errors and 5xx are retried here while the quiz's
   * grace period lasts. A given nonce (made from the work's tag) is the same in every process, so a
   * post resumed after its process died gets the message that process made, if it made one.
   */
  async sendOnce(channel: SendableChannels, m: DiscordMessage, given?: string) {
    const nonce = given ?? randomBytes(NONCE_BYTES).toString("base64url").slice(0, 25);
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.retryLimited<Message>(() => channel.send({ ...m, nonce, enforceNonce: true }), true);
      } catch (err) {
        const waitMs = Math.min(30_000, 1_000 * 2 ** attempt);
        if (!transient(err) || Date.now() - started + waitMs > this.graceMs) throw err;
        this.log.warn({ err: errorText(err), attempt }, "posting failed; retrying with the same nonce");
        await sleep(waitMs);
      }
    }
  }

  /**
   * Sends again after a global 429 handed back (see handBackGlobalSends): once its retry_after has
   * passed and, for paced sends, on a new turn, while the grace period lasts.
   */
  private async retryLimited<T>(send: () => Promise<T>, paced = false): Promise<T> {
    const started = Date.now();
    for (;;) {
      try {
        return await send();
      } catch (err) {
        if (!(err instanceof RateLimitError) || Date.now() - started > this.graceMs) throw err;
        await sleep(Math.max(0, err.retryAfter));
        if (paced) await this.pacer.turn();
      }
    }
  }

  async post(ch: QuizChannel, reply: Reply, o: { tag?: string } = {}): Promise<string | null> {
    const channel = await this.sendable(ch.channelId);
    let ref: string | null = null;
    for (const [i, m] of messagesOf(reply).entries()) {
      await this.pacer.turn();
      const sent = await this.sendOnce(channel, m, o.tag && nonceOf(`${ch.channelId}:${o.tag}#${i}`));
      ref ??= `${sent.channelId}:${sent.id}`;
    }
    return ref;
  }

  async update(ch: QuizChannel, messageRef: string | null, reply: Reply): Promise<void> {
    const [channelId, messageId] = (messageRef ?? "").split(":");
    if (!channelId || !messageId) {
      this.log.warn({ channel: ch.channelId }, "no message to update; posting instead");
      await this.post(ch, reply);
      return;
    }
    const [m] = messagesOf(reply);
    if (!m) return;
    // Answer counts come in bursts: one edit at a time per message, and only the newest waits.
    await this.#updates.submit(messageRef as string, async () => {
      const channel = await this.sendable(channelId);
      await channel.messages.edit(messageId, m);
    });
  }

  /** With a tag, the DM goes out once even when a process resumes it after another died sending it. */
  async dm(member: Member, reply: Reply, o: { tag?: string } = {}): Promise<void> {
    this.dmServers.set(member.userId, member.workspaceId);
    try {
      const user = await this.client.users.fetch(member.userId);
      const channel = await user.createDM();
      for (const [i, m] of messagesOf(reply).entries()) {
        const sent = o.tag ? { ...m, nonce: nonceOf(`${member.userId}:${o.tag}#${i}`), enforceNonce: true } : m;
        await this.retryLimited(() => channel.send(sent));
      }
    } catch (err) {
      if (err instanceof DiscordAPIError && typeof err.code === "number" && DM_CLOSED.has(err.code))
        throw new DmClosedError(`Discord error ${err.code}: ${err.message}`);
      throw err;
    }
  }

  /** Outside an interaction Discord has no only-you messages: one mention of that member only. */
  async notice(channelId: string, member: Member, reply: Reply): Promise<void> {
    const channel = await this.sendable(channelId);
    const [first, ...rest] = messagesOf(reply);
    if (!first) return;
    const mentioned = {
      ...first,
      content: `<@${member.userId}> ${first.content ?? ""}`.trimEnd().slice(0, 2000),
      allowedMentions: { parse: [], users: [member.userId] },
    };
    await this.retryLimited<Message>(() => channel.send(mentioned));
    for (const m of rest) await this.retryLimited<Message>(() => channel.send(m));
  }
}

/** Retry-After is in seconds (fractions allowed); undefined when missing or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  const s = Number(header);
  return header && Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

/**
 * A message nonce (at most 25 characters) that every process derives alike from what the message is
 * for: Discord answers a nonce it saw in the last few minutes with the message it made then.
 */
export function nonceOf(seed: string): string {
  return createHash("sha256").update(seed).digest("base64url").slice(0, 25);
}

/** Network trouble and 5xx: worth another try. 4xx (including a 429 discord.js gave up on) are not. */
function transient(err: unknown): boolean {
  if (err instanceof DiscordAPIError) return err.status >= 500;
  const status = (err as { status?: number }).status;
  if (typeof status === "number") return status >= 500;
  return err instanceof Error && /ECONN|ETIMEDOUT|EAI_AGAIN|socket|network|fetch failed|aborted/i.test(err.message);
}
