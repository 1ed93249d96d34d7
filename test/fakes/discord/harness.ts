import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ClientOptions } from "discord.js";
import type { APIMessage } from "discord-api-types/v10";
import { type DiscordAdapter, type DiscordOptions, startDiscord } from "../../../src/adapters/discord/lifecycle.ts";
import { assemble } from "../../../src/assemble.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import type { Dispatcher } from "../../../src/core/dispatch.ts";
import type { Logger } from "../../../src/core/logger.ts";
import type { Member, Messenger } from "../../../src/core/onboarding/model.ts";
import type { Poster, QuizChannel } from "../../../src/core/quiz/model.ts";
import { openStore, type Store } from "../../../src/store/index.ts";
import { knowledge, memoryLogger } from "../../core/fixture.ts";
import {
  type DiscordStandin,
  type DiscordStandinOptions,
  type RecordedRequest,
  startDiscordStandin,
} from "./standin.ts";

/**
 * Dockhand's real Discord adapter (discord.js gateway client) against the local stand-in, around the
 * core as src/main.ts wires it (assemble()), on a fresh SQLite file in a temp dir and a fake clock.
 * Poster and messenger forward to the adapter once it exists, as main.ts routes them by platform.
 *
 *   const h = await startDiscordHarness({ admins: ["discord:1200..."] });
 *   const r = await h.discord.interact(h.discord.slash("docker", { question: "volumes vs bind mounts" }));
 */

/** Test client options: no REST retries, short timeouts, no identify throttling (reconnects stay fast). */
export const TEST_CLIENT: Partial<ClientOptions> = {
  rest: { retries: 0, timeout: 2000, offset: 0 },
  ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
};

/** The quiz's grace period (scheduler and post retries), as DOCKHAND_QUIZ_GRACE_MINUTES defaults it. */
const GRACE_MS = 60 * 60_000;

export interface DiscordHarnessOptions {
  standin?: DiscordStandinOptions;
  /** DOCKHAND_ADMINS, e.g. `discord:<user id>` or a bare user id. */
  admins?: string[];
  /** Wire member joins to onboarding.welcome (asks for the GuildMembers intent). */
  welcome?: boolean;
  /** Where DM-closed notices go when the member is not in a channel (ONBOARDING_CHANNEL). */
  onboardChannel?: string;
  /** The quiz's grace period (default 60 minutes). */
  graceMs?: number;
  deferAfterMs?: number;
  log?: Logger;
  /** Wraps the dispatcher the adapter calls (e.g. to hold a command while a test stops the adapter). */
  wrap?: (d: Dispatcher) => Dispatcher;
  /** More adapter options (overrides). */
  adapter?: Partial<DiscordOptions>;
}

export interface DiscordHarness {
  discord: DiscordStandin;
  adapter: DiscordAdapter;
  store: Store;
  clock: FakeClock;
  parts: ReturnType<typeof assemble>;
  /** The stand-in's default guild channel as the quiz store names it. */
  channel: QuizChannel;
  /** What the adapter logged (JSON lines), unless a logger was given. */
  logs: () => Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startDiscordHarness(o: DiscordHarnessOptions = {}): Promise<DiscordHarness> {
  const discord = await startDiscordStandin(o.standin);
  const { kb, search } = knowledge();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-discord-"));
  const store = await openStore({ sqlitePath: path.join(dir, "t.db") });
  const clock = new FakeClock();
  const memory = memoryLogger();
  const log = o.log ?? memory.log;
  let adapter: DiscordAdapter | undefined;
  const late = () => {
    if (!adapter) throw new Error("the Discord adapter is not started yet");
    return adapter;
  };
  const poster: Poster = {
    post: (...a) => late().poster.post(...a),
    update: (...a) => late().poster.update(...a),
  };
  const messenger: Messenger = {
    dm: (...a) => late().messenger.dm(...a),
    notice: (...a) => late().messenger.notice(...a),
  };
  const parts = assemble({
    kb,
    search,
    store,
    clock,
    log,
    poster,
    messenger,
    admins: new Set(o.admins ?? []),
    timezone: "UTC",
    quiz: { showNames: true, graceMs: o.graceMs ?? GRACE_MS },
    onboarding: {
      stallDays: 7,
      welcome: o.welcome ?? false,
      ...(o.onboardChannel ? { channelId: o.onboardChannel } : {}),
    },
  });
  const cleanup = async () => {
    await discord.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    adapter = await startDiscord({
      dispatcher: o.wrap ? o.wrap(parts.dispatcher) : parts.dispatcher,
      events: store,
      log,
      token: discord.token,
      applicationId: discord.applicationId,
      apiUrl: discord.apiUrl,
      graceMs: o.graceMs ?? GRACE_MS,
      client: TEST_CLIENT,
      ...(o.deferAfterMs !== undefined ? { deferAfterMs: o.deferAfterMs } : {}),
      ...(o.welcome
        ? { onMemberJoined: (m: Member, w) => parts.onboarding.welcome(m, undefined, w).then(() => undefined) }
        : {}),
      ...o.adapter,
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  const started = adapter;
  return {
    discord,
    adapter: started,
    store,
    clock,
    parts,
    channel: { platform: "discord", workspaceId: discord.guildId, channelId: discord.channelId },
    logs: memory.lines,
    async close() {
      await started.stop();
      await cleanup();
    },
  };
}

// --- reading what reached the stand-in -------------------------------------------------------------

interface ComponentLike {
  type?: number;
  label?: string;
  custom_id?: string;
  components?: ComponentLike[];
}

/** The buttons of a message (as posted, edited or carried by a callback): label and custom_id. */
export function buttonsOf(m: { components?: unknown } | undefined): { label: string; customId: string }[] {
  const out: { label: string; customId: string }[] = [];
  const visit = (c: ComponentLike) => {
    if (c.type === 2 && typeof c.custom_id === "string") out.push({ label: c.label ?? "", customId: c.custom_id });
    for (const child of c.components ?? []) visit(child);
  };
  for (const c of (m?.components as ComponentLike[] | undefined) ?? []) visit(c);
  return out;
}

/** The custom_id of the button with this label (fails loudly when it is missing). */
export function buttonId(m: { components?: unknown } | undefined, label: string | RegExp): string {
  const all = buttonsOf(m);
  const b = all.find((x) => (typeof label === "string" ? x.label === label : label.test(x.label)));
  if (!b) throw new Error(`no button ${String(label)}; buttons: ${all.map((x) => x.label).join(", ")}`);
  return b.customId;
}

/** All text a message shows: content, embed titles, descriptions, fields and footers. */
export function textOf(m: Partial<Pick<APIMessage, "content" | "embeds">> | undefined): string {
  if (!m) return "";
  const parts: string[] = [m.content ?? ""];
  for (const e of m.embeds ?? []) {
    parts.push(e.title ?? "", e.description ?? "");
    for (const f of e.fields ?? []) parts.push(f.name, f.value);
    parts.push(e.footer?.text ?? "");
  }
  return parts.filter(Boolean).join("\n");
}

/** POST /channels/{id}/messages, optionally for one channel. */
export const channelPost =
  (channelId?: string) =>
  (r: RecordedRequest): boolean =>
    r.method === "POST" &&
    (channelId ? r.path === `/channels/${channelId}/messages` : /^\/channels\/\d+\/messages$/.test(r.path));

/** PATCH /channels/{id}/messages/{message id}. */
export const messageEdit =
  (messageId?: string) =>
  (r: RecordedRequest): boolean =>
    r.method === "PATCH" &&
    /^\/channels\/\d+\/messages\/\d+$/.test(r.path) &&
    (!messageId || r.path.endsWith(`/${messageId}`));
