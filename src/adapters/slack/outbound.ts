import type { RespondFn, webApi } from "@slack/bolt";
import type { Logger } from "../../core/logger.ts";
import { DmClosedError, type Messenger } from "../../core/onboarding/model.ts";
import type { Poster } from "../../core/quiz/model.ts";
import type { Reply } from "../../core/reply.ts";
import { Coalescer } from "../shared/coalescer.ts";
import { renderSlack, type SlackMessage } from "./render.ts";
import { parseRef, platformError, withRetryAfter } from "./support.ts";

/** A person is waiting: a rate-limited answer waits at most this long. */
const INTERACTIVE_BOUND_MS = 30_000;
/** The message metadata event type that marks Dockhand's quiz posts (see Poster.find). */
const TAG_EVENT = "dockhand_post";
/** conversations.history pages looked through for a tagged post (200 messages each). */
const MAX_HISTORY_PAGES = 5;
/** A response_url takes at most 5 messages. */
const MAX_RESPONSES = 5;
/** Web API errors that mean the member cannot get a DM from the bot. */
const DM_CLOSED = new Set([
  "cannot_dm_bot",
  "user_not_found",
  "user_disabled",
  "not_allowed_token_type",
  "channel_not_found",
  "messages_tab_disabled",
  "user_not_visible",
  "is_archived",
  "restricted_action",
]);

export function messagesOf(reply: Reply): SlackMessage[] {
  const rendered = renderSlack(reply);
  return rendered.length > 0 ? rendered : [{ text: reply.fallback, blocks: [] }];
}

/**
 * Everything Dockhand sends to Slack: answers through a response_url or in a thread, quiz posts
 * and their edits, onboarding DMs and notices. 429s wait for Retry-After within `graceMs` (30 s
 * at most when a person is waiting).
 */
export class SlackOutbound {
  readonly poster: Poster;
  readonly messenger: Messenger;
  readonly #updates = new Coalescer();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
    private readonly graceMs: number,
  ) {
    this.poster = {
      post: (ch, r, o) => this.post(ch.channelId, r, o?.tag),
      find: (ch, tag, since) => this.find(ch.channelId, tag, since),
      update: (ch, ref, r) => this.update(ch, ref, r),
    };
    this.messenger = { dm: (m, r) => this.dm(m.userId, r), notice: (c, m, r) => this.notice(c, m.userId, r) };
  }

  #rateLimited<T>(call: () => Promise<T>, boundMs = this.graceMs): Promise<T> {
    return withRetryAfter(call, boundMs, this.log);
  }

  get #interactive(): number {
    return Math.min(this.graceMs, INTERACTIVE_BOUND_MS);
  }

  async respondWith(respond: RespondFn, reply: Reply, o: { replace?: boolean; inBotDm?: boolean }): Promise<void> {
    const responseType = reply.visibility === "channel" || o.inBotDm ? "in_channel" : "ephemeral";
    const messages = messagesOf(reply);
    if (messages.length > MAX_RESPONSES)
      this.log.warn({ messages: messages.length }, "reply cut to 5 response_url messages");
    for (const [i, m] of messages.slice(0, MAX_RESPONSES).entries()) {
      if (i === 0 && o.replace && reply.replaceOriginal) {
        await respond({ replace_original: true, text: m.text, blocks: m.blocks });
      } else {
        await respond({
          response_type: responseType,
          ...(o.replace ? { replace_original: false } : {}),
          text: m.text,
          blocks: m.blocks,
        });
      }
    }
  }

  /** Mentions and the shortcut: in the thread, visible to all or (ephemeral) only to the asker. */
  async postInThread(reply: Reply, where: { channel: string; user: string; threadTs?: string }): Promise<void> {
    for (const m of messagesOf(reply)) {
      const thread = where.threadTs ? { thread_ts: where.threadTs } : {};
      const base = { channel: where.channel, ...thread, text: m.text, blocks: m.blocks };
      await this.#rateLimited(
        () =>
          reply.visibility === "ephemeral"
            ? this.client.chat.postEphemeral({ ...base, user: where.user })
            : this.client.chat.postMessage(base),
        this.#interactive,
      );
    }
  }

  /** Posts the reply; the first message carries `tag` as message metadata, so that find() recognises it. */
  async post(channel: string, reply: Reply, tag?: string): Promise<string | null> {
    let ref: string | null = null;
    for (const [i, m] of messagesOf(reply).entries()) {
      const metadata = tag && i === 0 ? { metadata: { event_type: TAG_EVENT, event_payload: { tag } } } : {};
      const res = await this.#rateLimited(() =>
        this.client.chat.postMessage({ channel, text: m.text, blocks: m.blocks, ...metadata }),
      );
      ref ??= `${res.channel ?? channel}:${res.ts}`;
    }
    return ref;
  }

  /** The channel's message posted with `tag` since `since`, or null; throws when it cannot tell. */
  async find(channel: string, tag: string, since: Date): Promise<string | null> {
    // A minute of slack for clocks that disagree; the tag itself is unique.
    const oldest = (Math.max(0, since.getTime() - 60_000) / 1000).toFixed(6);
    let cursor: string | undefined;
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      const res = await this.#rateLimited(
        () =>
          this.client.conversations.history({
            channel,
            oldest,
            limit: 200,
            include_all_metadata: true,
            ...(cursor ? { cursor } : {}),
          }),
        INTERACTIVE_BOUND_MS,
      );
      for (const m of res.messages ?? []) {
        const md = m.metadata as { event_type?: string; event_payload?: { tag?: unknown } } | undefined;
        if (md?.event_type === TAG_EVENT && md.event_payload?.tag === tag && m.ts) return `${channel}:${m.ts}`;
      }
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return null;
  }

  async update(ch: { channelId: string }, messageRef: string | null, reply: Reply): Promise<void> {
    const at = parseRef(messageRef);
    if (!at) {
      this.log.warn({ channel: ch.channelId }, "no message to update; posting instead");
      await this.post(ch.channelId, reply);
      return;
    }
    const [m] = messagesOf(reply);
    // Answer counts can come in bursts: one chat.update at a time per message, and only the newest waits.
    await this.#updates.submit(messageRef as string, () =>
      this.#rateLimited(() =>
        this.client.chat.update({ channel: at.channel, ts: at.ts, text: m?.text ?? "", blocks: m?.blocks ?? [] }),
      ),
    );
  }

  async dm(userId: string, reply: Reply): Promise<void> {
    try {
      const open = await this.#rateLimited(() => this.client.conversations.open({ users: userId }));
      const channel = open.channel?.id;
      if (!channel) throw new DmClosedError("conversations.open returned no channel");
      for (const m of messagesOf(reply)) {
        await this.#rateLimited(() => this.client.chat.postMessage({ channel, text: m.text, blocks: m.blocks }));
      }
    } catch (err) {
      const code = platformError(err);
      if (code && DM_CLOSED.has(code)) throw new DmClosedError(code);
      throw err;
    }
  }

  async notice(channel: string, user: string, reply: Reply): Promise<void> {
    for (const m of messagesOf(reply)) {
      await this.#rateLimited(
        () => this.client.chat.postEphemeral({ channel, user, text: m.text, blocks: m.blocks }),
        this.#interactive,
      );
    }
  }
}
