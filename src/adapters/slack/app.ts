import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { App, HTTPReceiver, type RespondFn, SocketModeReceiver } from "@slack/bolt";
import { parseAction, savesState } from "../../core/actions.ts";
import type { Clock } from "../../core/clock.ts";
import type { Caller } from "../../core/command.ts";
import type { Dispatcher } from "../../core/dispatch.ts";
import type { Logger } from "../../core/logger.ts";
import { DmClosedError, type Member, type Messenger } from "../../core/onboarding/service.ts";
import type { Poster } from "../../core/quiz/service.ts";
import { notice, type Reply } from "../../core/reply.ts";
import type { Store } from "../../store/types.ts";
import { Coalescer } from "../coalescer.ts";
import { ASK_SHORTCUT, SLACK_EVENTS_PATH, SLASH_COMMAND } from "./manifest.ts";
import { actionIdOf, isDirectMessage, slackToPlain, stripBotMention } from "./parse.ts";
import { renderSlack, type SlackMessage } from "./render.ts";
import { readSlackBody } from "./request-guard.ts";
import { NOT_SAVED, NotSavedError, refuseUnsaved, SAVE_DEADLINE_MS, withDeadline } from "./save-first.ts";
import { AnswerQueue, boltLogger, errorText, parseRef, platformError, withRetryAfter } from "./support.ts";

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
  store: Store;
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
  onMemberJoined?: (
    member: Member,
    where: { event: "team_join" | "member_joined_channel"; channelId?: string },
  ) => Promise<unknown>;
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

/** Slack rejects requests whose timestamp is further than this from now, both ways. */
export const MAX_CLOCK_SKEW_S = 300;
/** Retried deliveries are recognised for at least this long (Slack retries for about 5 minutes). */
export const EVENT_RETENTION_MS = 3_600_000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** users.info is Tier 4 (100/min): admin flags and names are cached this long. */
export const USER_CACHE_MS = 10 * 60_000;
const USER_FAILURE_CACHE_MS = 60_000;
/** A person is waiting: a rate-limited answer waits at most this long. */
const INTERACTIVE_BOUND_MS = 30_000;
/** Answers wait while requests keep arriving closer together than this (HTTP mode; see AnswerQueue). */
const BURST_QUIET_MS = 5;
/** Answers waiting for their turn beyond this many start at once (see AnswerQueue). */
const MAX_ANSWER_BACKLOG = 200;
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

interface Profile {
  admin: boolean;
  bot: boolean;
  name?: string;
}

/** Starts Dockhand's Slack app (Socket Mode or HTTP) on Bolt; resolves once connected or listening. */
export async function startSlack(opts: SlackOptions): Promise<SlackAdapter> {
  const log = opts.log.child({ adapter: "slack" });
  const boltLog = boltLogger(log);
  const { mode, dispatcher, clock } = opts;
  const retryConfig = opts.webRetries === undefined ? {} : { retryConfig: { retries: opts.webRetries } };
  const apiUrl = opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {};

  let connected = mode.kind === "http";
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
    // 429s are handled below, with the quiz's grace period as the bound (see rateLimited).
    clientOptions: { ...apiUrl, ...retryConfig, rejectRateLimitedCalls: true },
  });
  const client = app.client;

  // HTTP mode: requests being received or awaiting their ack, and when the last one came.
  let acksPending = 0;
  let lastRequestAt = 0;
  const answers = new AnswerQueue(
    MAX_ANSWER_BACKLOG,
    () => acksPending > 0 || Date.now() - lastRequestAt < BURST_QUIET_MS,
  );
  if (receiver instanceof HTTPReceiver) {
    // Bolt rejects requests older than 5 minutes but accepts any from the future: a signed request
    // captured now could be replayed for as long as its date lies ahead. Refuse both.
    const inner = receiver.requestListener;
    receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
      lastRequestAt = Date.now();
      acksPending += 1;
      let settled = false;
      const acked = () => {
        if (settled) return;
        settled = true;
        acksPending -= 1;
      };
      res.once("finish", acked);
      res.once("close", acked);
      const header = req.headers["x-slack-request-timestamp"];
      const ts = typeof header === "string" ? Number(header) : Number.NaN;
      if (req.method === "POST" && header !== undefined && !(Math.abs(Date.now() / 1000 - ts) <= MAX_CLOCK_SKEW_S)) {
        log.warn({ skewS: Math.round(ts - Date.now() / 1000) }, "request refused: timestamp outside ±5 minutes");
        res.writeHead(401).end();
        return;
      }
      // Bolt takes an already-read body as it is (`rawBody`); reading it here lets a body Bolt
      // cannot handle be refused with a status instead of failing inside Bolt.
      readSlackBody(req).then(
        (body) => {
          if (!body.ok) {
            log.warn({ status: body.status, why: body.why }, "request refused");
            res.writeHead(body.status).end();
            return;
          }
          (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body.raw;
          inner(req, res);
        },
        (err: unknown) => {
          log.warn({ err: errorText(err) }, "request body could not be read");
          if (!res.headersSent) res.writeHead(400).end();
        },
      );
    };
  } else {
    const sm = receiver.client;
    sm.on("connected", () => {
      connected = true;
    });
    for (const state of ["disconnected", "reconnecting", "disconnecting"])
      sm.on(state, () => {
        connected = false;
      });
  }

  // Work that runs after the ack; stop() waits for it so the store is not closed under it.
  const inFlight = new Set<Promise<unknown>>();

  /** Work after an acknowledgement that holds nothing Slack was promised (the reply to a saved press): not queued. */
  const afterAck = (what: string, work: () => Promise<unknown>) => {
    const p = work()
      .catch((err: unknown) => log.error({ err, what }, "slack handler failed"))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const track = (what: string, work: () => Promise<unknown>) => {
    const p = answers
      .run(work)
      .catch((err: unknown) => log.error({ err, what }, "slack handler failed"))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    return p;
  };

  const rateLimited = <T>(call: () => Promise<T>, boundMs: number) => withRetryAfter(call, boundMs, log);

  // --- who is asking ------------------------------------------------------------------------
  const profiles = new Map<string, { until: number; value: Promise<Profile> }>();
  const profile = (userId: string): Promise<Profile> => {
    const now = clock.now().getTime();
    const hit = profiles.get(userId);
    if (hit && hit.until > now) return hit.value;
    if (profiles.size > 10_000) for (const [k, v] of profiles) if (v.until <= now) profiles.delete(k);
    const value = client.users.info({ user: userId }).then(
      (r) => {
        const u = r.user;
        return {
          admin: !!(u?.is_admin || u?.is_owner || u?.is_primary_owner),
          bot: !!u?.is_bot,
          name: u?.profile?.display_name || u?.real_name || u?.name || undefined,
        };
      },
      (err: unknown) => {
        log.warn({ err: errorText(err), user: userId }, "users.info failed; treating the user as a non-admin");
        profiles.set(userId, { until: now + USER_FAILURE_CACHE_MS, value });
        return { admin: false, bot: false };
      },
    );
    profiles.set(userId, { until: now + USER_CACHE_MS, value });
    return value;
  };
  const callerBase = (w: { team?: string | null; channel: string; user: string }) =>
    ({ platform: "slack", workspaceId: w.team ?? "", channelId: w.channel, userId: w.user }) as const;
  const callerOf = async (w: { team?: string | null; channel: string; user: string; name?: string }) => {
    const p = await profile(w.user);
    return {
      ...callerBase(w),
      userName: w.name || p.name || w.user,
      platformAdmin: p.admin,
    } satisfies Caller;
  };

  // --- outbound -----------------------------------------------------------------------------
  const messagesOf = (reply: Reply): SlackMessage[] => {
    const rendered = renderSlack(reply);
    return rendered.length > 0 ? rendered : [{ text: reply.fallback, blocks: [] }];
  };

  const respondWith = async (respond: RespondFn, reply: Reply, o: { replace?: boolean; inBotDm?: boolean }) => {
    const responseType = reply.visibility === "channel" || o.inBotDm ? "in_channel" : "ephemeral";
    const messages = messagesOf(reply);
    if (messages.length > MAX_RESPONSES)
      log.warn({ messages: messages.length }, "reply cut to 5 response_url messages");
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
  };

  /** Mentions and the shortcut: in the thread, visible to all or (ephemeral) only to the asker. */
  const postInThread = async (reply: Reply, where: { channel: string; user: string; threadTs?: string }) => {
    for (const m of messagesOf(reply)) {
      const thread = where.threadTs ? { thread_ts: where.threadTs } : {};
      const base = { channel: where.channel, ...thread, text: m.text, blocks: m.blocks };
      await rateLimited(
        () =>
          reply.visibility === "ephemeral"
            ? client.chat.postEphemeral({ ...base, user: where.user })
            : client.chat.postMessage(base),
        Math.min(opts.graceMs, INTERACTIVE_BOUND_MS),
      );
    }
  };

  const updates = new Coalescer();
  const poster: Poster = {
    async post(ch, reply, o) {
      let ref: string | null = null;
      for (const [i, m] of messagesOf(reply).entries()) {
        // The first message carries the tag as message metadata, so that find() recognises it.
        const metadata =
          o?.tag && i === 0 ? { metadata: { event_type: TAG_EVENT, event_payload: { tag: o.tag } } } : {};
        const res = await rateLimited(
          () => client.chat.postMessage({ channel: ch.channelId, text: m.text, blocks: m.blocks, ...metadata }),
          opts.graceMs,
        );
        ref ??= `${res.channel ?? ch.channelId}:${res.ts}`;
      }
      return ref;
    },
    async find(ch, tag, since) {
      // A minute of slack for clocks that disagree; the tag itself is unique.
      const oldest = (Math.max(0, since.getTime() - 60_000) / 1000).toFixed(6);
      let cursor: string | undefined;
      for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
        const res = await rateLimited(
          () =>
            client.conversations.history({
              channel: ch.channelId,
              oldest,
              limit: 200,
              include_all_metadata: true,
              ...(cursor ? { cursor } : {}),
            }),
          INTERACTIVE_BOUND_MS,
        );
        for (const m of res.messages ?? []) {
          const md = m.metadata as { event_type?: string; event_payload?: { tag?: unknown } } | undefined;
          if (md?.event_type === TAG_EVENT && md.event_payload?.tag === tag && m.ts) return `${ch.channelId}:${m.ts}`;
        }
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!cursor) break;
      }
      return null;
    },
    async update(ch, messageRef, reply) {
      const at = parseRef(messageRef);
      if (!at) {
        log.warn({ channel: ch.channelId }, "no message to update; posting instead");
        await poster.post(ch, reply);
        return;
      }
      const [m] = messagesOf(reply);
      // Answer counts can come in bursts: one chat.update at a time per message, and only the newest waits.
      await updates.submit(messageRef as string, () =>
        rateLimited(
          () => client.chat.update({ channel: at.channel, ts: at.ts, text: m?.text ?? "", blocks: m?.blocks ?? [] }),
          opts.graceMs,
        ),
      );
    },
  };

  const messenger: Messenger = {
    async dm(member, reply) {
      try {
        const open = await rateLimited(() => client.conversations.open({ users: member.userId }), opts.graceMs);
        const channel = open.channel?.id;
        if (!channel) throw new DmClosedError("conversations.open returned no channel");
        for (const m of messagesOf(reply)) {
          await rateLimited(() => client.chat.postMessage({ channel, text: m.text, blocks: m.blocks }), opts.graceMs);
        }
      } catch (err) {
        const code = platformError(err);
        if (code && DM_CLOSED.has(code)) throw new DmClosedError(code);
        throw err;
      }
    },
    async notice(channelId, member, reply) {
      for (const m of messagesOf(reply)) {
        await rateLimited(
          () => client.chat.postEphemeral({ channel: channelId, user: member.userId, text: m.text, blocks: m.blocks }),
          Math.min(opts.graceMs, INTERACTIVE_BOUND_MS),
        );
      }
    },
  };

  // --- inbound ------------------------------------------------------------------------------
  app.error(async (err) => {
    // Refused on purpose: Bolt passes it on to the receiver, which answers with an error status.
    if (err instanceof NotSavedError) throw err;
    log.error({ err }, "slack listener failed");
  });

  // Slack retries an event it thinks failed (also when the handler was only slow), and Bolt does
  // not dedupe: the first delivery of an event_id claims it in the store, repeats are dropped.
  app.use(async ({ body, context, next }) => {
    const b = body as { type?: string; event_id?: unknown };
    if (b.type === "event_callback" && typeof b.event_id === "string") {
      let first = true;
      try {
        first = await opts.store.claimEvent({ platform: "slack", eventId: b.event_id, at: clock.now() });
      } catch (err) {
        log.warn({ err, eventId: b.event_id }, "could not record the event id; handling the event anyway");
      }
      if (!first) {
        log.info(
          { eventId: b.event_id, retryNum: context.retryNum, retryReason: context.retryReason },
          "repeat skipped",
        );
        return;
      }
    }
    await next();
  });

  app.command(SLASH_COMMAND, async ({ command, ack, respond }) => {
    await ack();
    await track("command", async () => {
      const caller = await callerOf({
        team: command.team_id,
        channel: command.channel_id,
        user: command.user_id,
        name: command.user_name,
      });
      await respondWith(respond, await dispatcher.text(slackToPlain(command.text), caller), {});
    });
  });

  app.action({ type: "block_actions" }, async ({ body, action, ack, respond }) => {
    const channel = body.channel?.id ?? (body.container.channel_id as string | undefined) ?? "";
    const id = actionIdOf(action as { action_id: string; value?: unknown });
    const who = {
      team: body.team?.id ?? body.user.team_id,
      channel,
      user: body.user.id,
      name: body.user.username ?? body.user.name,
    };
    // Onboarding lives in the bot's DM: there, "only you" replies stay instead of vanishing.
    const inBotDm = isDirectMessage(channel) && body.container.is_ephemeral !== true;
    const answer = async (reply: Reply) => {
      if (respond) await respondWith(respond, reply, { replace: true, inBotDm });
      else await postInThread({ ...reply, visibility: "ephemeral" }, { channel, user: body.user.id });
    };
    if (savesState(parseAction(id))) {
      // Stored before the acknowledgement: a press Slack was told about is never lost with this
      // process. The store gets most of Slack's 3 seconds; when it cannot answer in time (or at
      // all), the press is not acknowledged and the person is told to press again.
      const caller: Caller = { ...callerBase(who), userName: who.name || who.user, platformAdmin: false };
      const reply = await withDeadline(dispatcher.action(id, caller), SAVE_DEADLINE_MS);
      if (!reply || reply.failed) {
        log.warn({ user: who.user, timedOut: !reply }, "press not saved; not acknowledged");
        afterAck("refusal", () => answer(notice(NOT_SAVED)));
        throw new NotSavedError();
      }
      await ack();
      afterAck("action", () => answer(reply));
      return;
    }
    await ack();
    await track("action", async () => {
      const caller = await callerOf(who);
      await answer(await dispatcher.action(id, caller));
    });
  });

  app.event("app_mention", async ({ event, body, context }) => {
    const user = event.user;
    if (event.bot_id || !user) return;
    await track("mention", async () => {
      const caller = await callerOf({ team: event.team ?? body.team_id, channel: event.channel, user });
      const text = slackToPlain(stripBotMention(event.text, context.botUserId));
      const reply = await dispatcher.text(text, caller);
      await postInThread(reply, { channel: event.channel, user, threadTs: event.thread_ts ?? event.ts });
    });
  });

  app.shortcut({ callback_id: ASK_SHORTCUT, type: "message_action" }, async ({ shortcut, ack, respond }) => {
    await ack();
    await track("shortcut", async () => {
      const caller = await callerOf({
        team: shortcut.team?.id ?? shortcut.user.team_id,
        channel: shortcut.channel.id,
        user: shortcut.user.id,
        name: shortcut.user.username ?? shortcut.user.name,
      });
      const question = slackToPlain(shortcut.message.text ?? "").trim();
      const ask = dispatcher.commands.find((c) => c.spec.verb === null);
      const reply =
        question && ask
          ? await dispatcher.command(ask.spec.name, { question }, caller)
          : await dispatcher.text("", caller);
      const threadTs = (shortcut.message.thread_ts as string | undefined) ?? shortcut.message.ts;
      try {
        await postInThread(reply, { channel: shortcut.channel.id, user: shortcut.user.id, threadTs });
      } catch (err) {
        // A private channel without the bot: answer the asker through the shortcut's response_url.
        if (!platformError(err)) throw err;
        log.warn({ err: errorText(err) }, "could not post in the thread; answering the asker only");
        await respond({ response_type: "ephemeral", thread_ts: threadTs, ...messagesOf(reply)[0] });
      }
    });
  });

  const joined = async (event: "team_join" | "member_joined_channel", m: Member, channelId?: string) => {
    const hook = opts.onMemberJoined;
    if (!hook) return;
    await track(event, () => hook(m, { event, ...(channelId ? { channelId } : {}) }));
  };
  app.event("team_join", async ({ event, body }) => {
    const u = event.user;
    if (u.is_bot || u.deleted) return;
    const name = u.profile?.display_name || u.real_name || u.name;
    await joined("team_join", {
      platform: "slack",
      workspaceId: u.team_id ?? body.team_id,
      userId: u.id,
      userName: name,
    });
  });
  app.event("member_joined_channel", async ({ event, body, context }) => {
    if (event.user === context.botUserId) return;
    const p = await profile(event.user);
    if (p.bot) return;
    const member = {
      platform: "slack" as const,
      workspaceId: event.team ?? body.team_id,
      userId: event.user,
      userName: p.name ?? event.user,
    };
    await joined("member_joined_channel", member, event.channel);
  });

  // --- start --------------------------------------------------------------------------------
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
    connected = true;
  }
  log.info({ mode: mode.kind, port }, "connected to Slack");

  const prune = async () => {
    try {
      const n = await opts.store.pruneEvents(new Date(clock.now().getTime() - EVENT_RETENTION_MS));
      if (n > 0) log.debug({ pruned: n }, "pruned processed event ids");
    } catch (err) {
      log.warn({ err }, "could not prune processed event ids");
    }
  };
  void prune();
  const pruneTimer = setInterval(() => void prune(), PRUNE_EVERY_MS);
  pruneTimer.unref();

  let stopped = false;
  return {
    poster,
    messenger,
    get ready() {
      return connected && !stopped;
    },
    port,
    httpHandler: receiver instanceof HTTPReceiver ? receiver.requestListener : undefined,
    async stop(waitMs = Number.POSITIVE_INFINITY) {
      if (stopped) return;
      stopped = true;
      clearInterval(pruneTimer);
      // With an external server there is no receiver server to stop (Bolt would refuse).
      if (!(mode.kind === "http" && mode.port === "external")) await app.stop();
      // Work acknowledged while waiting joins the set: wait until it is empty, or until waitMs
      // (a handler stuck on a Slack call that never answers is abandoned).
      const until = Date.now() + waitMs;
      while (inFlight.size > 0 && Date.now() < until) {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise((r) => {
          timer = setTimeout(r, Math.min(until - Date.now(), 2 ** 31 - 1));
        });
        await Promise.race([Promise.allSettled([...inFlight]), late]);
        clearTimeout(timer);
      }
      if (inFlight.size > 0) log.warn({ handlers: inFlight.size }, "stopped with handlers still waiting on Slack");
    },
  };
}
