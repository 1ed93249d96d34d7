import { createHmac, randomUUID } from "node:crypto";
import type { BlockAction, ButtonAction, EnvelopedEvent, MessageShortcut, SlashCommand, types } from "@slack/bolt";
import { APP_ID, BOT_USER_ID, SIGNING_SECRET, TEAM_ID } from "./standin.ts";

/** Slack's payloads, built with the fields Slack sends and checked against Bolt's types. */

export function slashCommand(o: {
  text: string;
  responseUrl: string;
  user?: string;
  userName?: string;
  channel?: string;
}): SlashCommand {
  return {
    token: "legacy-verification-token",
    team_id: TEAM_ID,
    team_domain: "dockhand-test",
    channel_id: o.channel ?? "C1",
    channel_name: "general",
    user_id: o.user ?? "U1",
    user_name: o.userName ?? "alice",
    command: "/docker",
    text: o.text,
    api_app_id: APP_ID,
    is_enterprise_install: "false",
    response_url: o.responseUrl,
    trigger_id: `${Date.now()}.1.trigger`,
  } satisfies SlashCommand;
}

export function buttonPress(o: {
  actionId: string;
  /** The button's value (default: the action id, as Dockhand renders it). */
  value?: string;
  responseUrl: string;
  user?: string;
  userName?: string;
  channel?: string;
  /** The message the button is on. */
  messageTs?: string;
  ephemeral?: boolean;
}): BlockAction<ButtonAction> {
  const channel = o.channel ?? "C1";
  const ts = o.messageTs ?? "1767600000.000001";
  return {
    type: "block_actions",
    user: { id: o.user ?? "U1", username: o.userName ?? "alice", name: o.userName ?? "alice", team_id: TEAM_ID },
    api_app_id: APP_ID,
    token: "legacy-verification-token",
    container: { type: "message", message_ts: ts, channel_id: channel, is_ephemeral: o.ephemeral ?? false },
    trigger_id: `${Date.now()}.1.trigger`,
    team: { id: TEAM_ID, domain: "dockhand-test" },
    is_enterprise_install: false,
    channel: { id: channel, name: channel.startsWith("D") ? "directmessage" : "general" },
    message: { type: "message", user: BOT_USER_ID, ts, text: "" },
    response_url: o.responseUrl,
    actions: [
      {
        type: "button",
        block_id: "b0",
        action_id: o.actionId,
        value: o.value ?? o.actionId,
        text: { type: "plain_text", text: "A button" },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  } satisfies BlockAction<ButtonAction>;
}

export function messageShortcut(o: {
  text: string;
  responseUrl: string;
  messageTs: string;
  threadTs?: string;
  user?: string;
  channel?: string;
}): MessageShortcut {
  return {
    type: "message_action",
    callback_id: "ask_dockhand",
    trigger_id: `${Date.now()}.1.trigger`,
    message_ts: o.messageTs,
    response_url: o.responseUrl,
    message: {
      type: "message",
      user: "U2",
      ts: o.messageTs,
      text: o.text,
      ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
    },
    user: { id: o.user ?? "U1", name: "alice", username: "alice", team_id: TEAM_ID },
    channel: { id: o.channel ?? "C1", name: "general" },
    team: { id: TEAM_ID, domain: "dockhand-test" },
    token: "legacy-verification-token",
    action_ts: `${Date.now() / 1000}`,
    is_enterprise_install: false,
  } satisfies MessageShortcut;
}

function envelope<E>(event: E, eventId?: string): EnvelopedEvent<E> {
  return {
    token: "legacy-verification-token",
    team_id: TEAM_ID,
    api_app_id: APP_ID,
    event,
    type: "event_callback",
    event_id: eventId ?? `Ev${randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: TEAM_ID, user_id: BOT_USER_ID, is_bot: true }],
  };
}

export function mentionEvent(o: {
  text: string;
  ts: string;
  threadTs?: string;
  user?: string;
  channel?: string;
  eventId?: string;
}): EnvelopedEvent<types.AppMentionEvent> {
  return envelope<types.AppMentionEvent>(
    {
      type: "app_mention",
      user: o.user ?? "U1",
      text: o.text,
      ts: o.ts,
      ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
      channel: o.channel ?? "C1",
      team: TEAM_ID,
      event_ts: o.ts,
    },
    o.eventId,
  );
}

export function memberJoinedChannel(o: { user: string; channel: string; eventId?: string }) {
  return envelope<types.MemberJoinedChannelEvent>(
    {
      type: "member_joined_channel",
      user: o.user,
      channel: o.channel,
      channel_type: "C",
      team: TEAM_ID,
      event_ts: `${Date.now() / 1000}`,
    },
    o.eventId,
  );
}

/** team_join carries a full user object; only the fields Dockhand reads are filled in. */
export function teamJoin(o: { user: string; name: string; isBot?: boolean; eventId?: string }) {
  const user = {
    id: o.user,
    team_id: TEAM_ID,
    name: o.name,
    deleted: false,
    real_name: o.name,
    is_bot: o.isBot ?? false,
    profile: { display_name: o.name, real_name: o.name },
  };
  return envelope({ type: "team_join", user } as unknown as types.TeamJoinEvent, o.eventId);
}

// --- HTTP mode: signed requests to the app's receiver --------------------------------------

/** Slack's request signature: `v0=` + hex HMAC-SHA256(secret, `v0:{ts}:{raw body}`). */
export function signature(body: string, ts: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
}

export type Body = { form: Record<string, string> } | { json: object };

/** The raw body and content type Slack uses: commands form fields, interactions `payload=`, events JSON. */
export function encode(body: Body): { raw: string; contentType: string } {
  return "form" in body
    ? { raw: new URLSearchParams(body.form).toString(), contentType: "application/x-www-form-urlencoded" }
    : { raw: JSON.stringify(body.json), contentType: "application/json" };
}

export const asForm = (p: SlashCommand): Body => ({ form: { ...(p as unknown as Record<string, string>) } });
export const asPayload = (p: object): Body => ({ form: { payload: JSON.stringify(p) } });
export const asJson = (p: object): Body => ({ json: p });

/** POSTs a body to the app's events endpoint, signed unless told otherwise. */
export async function postSigned(
  url: string,
  body: Body,
  o: { ts?: number; secret?: string; signature?: string; retryNum?: number } = {},
): Promise<{ status: number; text: string }> {
  const { raw, contentType } = encode(body);
  const ts = o.ts ?? Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": contentType,
      "x-slack-request-timestamp": String(ts),
      "x-slack-signature": o.signature ?? signature(raw, ts, o.secret),
      ...(o.retryNum !== undefined
        ? { "x-slack-retry-num": String(o.retryNum), "x-slack-retry-reason": "timeout" }
        : {}),
    },
    body: raw,
  });
  return { status: res.status, text: await res.text() };
}
