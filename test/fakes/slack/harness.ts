import { randomUUID } from "node:crypto";
import { type SlackAdapter, type SlackOptions, startSlack } from "../../../src/adapters/slack/app.ts";
import type { Logger } from "../../../src/core/logger.ts";
import { OnboardingService } from "../../../src/core/onboarding/service.ts";
import { QuizService } from "../../../src/core/quiz/service.ts";
import { ReviewService } from "../../../src/core/review/service.ts";
import { type Fixture, knowledge, makeFixture } from "../../core/fixture.ts";
import {
  asForm,
  asJson,
  asPayload,
  type Body,
  buttonPress,
  messageShortcut,
  postSigned,
  slashCommand,
} from "./payloads.ts";
import { APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, SlackStandIn, type StandInOptions } from "./standin.ts";

export type Mode = "socket" | "http";

/** What the app answered at once: the Socket Mode ack payload, or the HTTP response. */
export type Ack = { mode: "socket"; payload: Record<string, unknown> } | { mode: "http"; status: number; text: string };

export interface Harness {
  mode: Mode;
  standIn: SlackStandIn;
  adapter: SlackAdapter;
  fixture: Fixture;
  /** The app's events endpoint (HTTP mode). */
  eventsUrl: string;
  slash(text: string, o?: { user?: string; userName?: string; channel?: string }): Promise<Delivered>;
  press(
    actionId: string,
    o?: { value?: string; user?: string; userName?: string; channel?: string; messageTs?: string; ephemeral?: boolean },
  ): Promise<Delivered>;
  shortcut(o: { text: string; messageTs: string; threadTs?: string; user?: string }): Promise<Delivered>;
  /** Delivers an Events API envelope; `retry` marks it as Slack's n-th redelivery. */
  event(envelope: object, o?: { retry?: number }): Promise<Ack>;
  close(): Promise<void>;
}

/** The buttons in Block Kit blocks, wherever they sit (actions blocks, accessories). */
export function buttonsIn(blocks: unknown): { label: string; actionId: string; value?: string }[] {
  const out: { label: string; actionId: string; value?: string }[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object") return;
    const o = node as Record<string, unknown>;
    if (o.type === "button" && typeof o.action_id === "string") {
      const text = (o.text as { text?: string } | undefined)?.text ?? "";
      out.push({ label: text, actionId: o.action_id, ...(typeof o.value === "string" ? { value: o.value } : {}) });
      return;
    }
    for (const v of Object.values(o)) visit(v);
  };
  visit(blocks);
  return out;
}

/** The button with this label (fails loudly when missing). */
export function buttonIn(blocks: unknown, label: string | RegExp): { actionId: string; value?: string } {
  const all = buttonsIn(blocks);
  const b = all.find((x) => (typeof label === "string" ? x.label === label : label.test(x.label)));
  if (!b) throw new Error(`no button ${String(label)}; buttons: ${all.map((x) => x.label).join(", ")}`);
  return b;
}

export interface Delivered {
  ack: Ack;
  /** The id of the response_url handed to the app. */
  responseId: string;
}

export interface HarnessOptions extends StandInOptions {
  mode: Mode;
  log?: Logger;
  graceMs?: number;
  onMemberJoined?: SlackOptions["onMemberJoined"];
  onboardChannel?: string;
}

/**
 * The real Bolt app on the adapter, against the stand-in, around the real dispatcher and commands
 * over a fresh SQLite store (test/core/fixture.ts). The quiz and onboarding services are rebuilt
 * on the adapter's poster and messenger, as src/main.ts wires them.
 */
export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const standIn = await SlackStandIn.start(o);
  const fixture = await makeFixture({ admins: [], ...(o.log ? { log: o.log } : {}) });
  const { ctx } = fixture;
  const adapter = await startSlack({
    dispatcher: fixture.dispatcher,
    store: fixture.store,
    log: ctx.log,
    clock: fixture.clock,
    mode:
      o.mode === "socket"
        ? { kind: "socket", botToken: BOT_TOKEN, appToken: APP_TOKEN }
        : { kind: "http", botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, port: 0 },
    host: "127.0.0.1",
    apiUrl: standIn.apiUrl,
    clientPingTimeoutMs: 500,
    webRetries: 0,
    graceMs: o.graceMs ?? 10_000,
    ...(o.onMemberJoined ? { onMemberJoined: o.onMemberJoined } : {}),
  });
  const { kb } = knowledge();
  ctx.quiz = new QuizService({
    kb,
    store: fixture.store,
    clock: fixture.clock,
    log: ctx.log,
    poster: adapter.poster,
    showNames: true,
  });
  ctx.onboarding = new OnboardingService({
    kb,
    store: fixture.store,
    clock: fixture.clock,
    log: ctx.log,
    messenger: adapter.messenger,
    poster: adapter.poster,
    channelId: o.onboardChannel,
    stallDays: 7,
    welcome: true,
  });
  ctx.review = new ReviewService({
    kb,
    search: ctx.search,
    repo: fixture.store.reviews,
    clock: fixture.clock,
    log: ctx.log,
    messenger: adapter.messenger,
    timezone: "UTC",
  });
  const eventsUrl = `http://127.0.0.1:${adapter.port ?? 0}/slack/events`;

  const deliver = async (
    socketType: "slash_commands" | "interactive" | "events_api",
    payload: object,
    body: Body,
    retry?: number,
  ): Promise<Ack> => {
    if (o.mode === "socket") {
      return {
        mode: "socket",
        payload: await standIn.send(socketType, payload, retry === undefined ? {} : { retryAttempt: retry }),
      };
    }
    return { mode: "http", ...(await postSigned(eventsUrl, body, retry === undefined ? {} : { retryNum: retry })) };
  };

  return {
    mode: o.mode,
    standIn,
    adapter,
    fixture,
    eventsUrl,
    async slash(text, s = {}) {
      const responseId = randomUUID();
      const p = slashCommand({ text, responseUrl: standIn.responseUrl(responseId), ...s });
      return { ack: await deliver("slash_commands", p, asForm(p)), responseId };
    },
    async press(actionId, s = {}) {
      const responseId = randomUUID();
      const p = buttonPress({ actionId, responseUrl: standIn.responseUrl(responseId), ...s });
      return { ack: await deliver("interactive", p, asPayload(p)), responseId };
    },
    async shortcut(s) {
      const responseId = randomUUID();
      const p = messageShortcut({ responseUrl: standIn.responseUrl(responseId), ...s });
      return { ack: await deliver("interactive", p, asPayload(p)), responseId };
    },
    event(envelope, e = {}) {
      return deliver("events_api", envelope, asJson(envelope), e.retry);
    },
    async close() {
      await adapter.stop();
      await standIn.close();
      await fixture.close();
    },
  };
}
