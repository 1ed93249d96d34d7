import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { acceptWebSocket, type WsConnection } from "../ws.ts";

/** Obviously fake credentials; the stand-in accepts only these prefixes. */
export const BOT_TOKEN = "xoxb-test-0000-dockhand";
export const APP_TOKEN = "xapp-test-0000-dockhand";
export const SIGNING_SECRET = "test-signing-secret-not-real";
export const TEAM_ID = "T1";
export const BOT_USER_ID = "UBOT";
export const APP_ID = "A0DOCKHAND";

/** One Web API call as the stand-in received it; `blocks` are parsed back from their JSON string. */
export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
}

/** One POST to a response_url, i.e. one respond() by the app. */
export interface Responded {
  id: string;
  body: Record<string, unknown>;
}

export interface StandInUser {
  id: string;
  name: string;
  real_name: string;
  is_admin: boolean;
  is_owner: boolean;
  is_bot: boolean;
}

export type Failure = { status: 429; retryAfter: number } | { error: string };

export interface StandInOptions {
  /** Users that users.info reports as workspace admins. */
  admins?: string[];
  /** Users that refuse DMs: conversations.open answers `cannot_dm_bot`. */
  dmClosed?: string[];
  /**
   * Rate-limit mode for chat.postMessage: about `perSecond` messages a second per channel, with
   * bursts of up to `burst` (a token bucket per channel); over it, HTTP 429 with Retry-After in
   * whole seconds and `{ok:false, error:"ratelimited"}`, as Slack answers. Off by default.
   */
  postLimit?: { perSecond?: number; burst?: number } | true;
}

interface Pending {
  resolve: (payload: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

/**
 * A local Slack: the Web API methods Dockhand calls (form-encoded in, JSON out, errors as
 * `{ok:false}`), response_url endpoints, and Socket Mode (apps.connections.open hands out a
 * ws:// URL on the same port; envelopes go out, acks come back). Everything is recorded.
 */
export class SlackStandIn {
  readonly calls: ApiCall[] = [];
  readonly responses: Responded[] = [];
  /** Messages by `${channel}:${ts}`, as posted or last updated. */
  readonly messages = new Map<
    string,
    { channel: string; ts: string; text: string; blocks: unknown; thread_ts?: string; metadata?: unknown }
  >();
  private readonly failures = new Map<string, Failure[]>();
  private readonly gates = new Map<string, Promise<void>>();
  private readonly afterGates = new Map<string, Promise<void>>();
  private readonly sockets = new Set<WsConnection>();
  private readonly pendingAcks = new Map<string, Pending>();
  private readonly admins: Set<string>;
  private readonly dmClosed: Set<string>;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly postLimit: { perSecond: number; burst: number } | undefined;
  /** 429 answers given in rate-limit mode. */
  limited = 0;
  private tsCounter = 0;
  private connectionsOpened = 0;

  private constructor(
    private readonly server: Server,
    opts: StandInOptions,
  ) {
    this.admins = new Set(opts.admins ?? []);
    this.dmClosed = new Set(opts.dmClosed ?? []);
    const limit = opts.postLimit === true ? {} : opts.postLimit;
    this.postLimit = limit && { perSecond: limit.perSecond ?? 1, burst: limit.burst ?? 3 };
  }

  static async start(opts: StandInOptions = {}): Promise<SlackStandIn> {
    let self: SlackStandIn | undefined;
    const server = createServer((req, res) => {
      self?.handle(req, res).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
    self = new SlackStandIn(server, opts);
    const standIn = self;
    server.on("upgrade", (req, socket) => standIn.upgrade(req, socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return standIn;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** For `clientOptions.slackApiUrl`. */
  get apiUrl(): string {
    return `${this.origin}/api/`;
  }

  /** A fresh response_url whose POSTs are recorded under `id`. */
  responseUrl(id: string = randomUUID()): string {
    return `${this.origin}/response/${id}`;
  }

  /** The next call(s) of `method` fail this way, in order. */
  failNext(method: string, ...failures: Failure[]): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...failures]);
  }

  /** Holds every call of `method` until release() (to see what the app does before it answers). */
  hold(method: string): { release: () => void } {
    let release = () => {};
    this.gates.set(
      method,
      new Promise<void>((resolve) => {
        release = () => {
          this.gates.delete(method);
          resolve();
        };
      }),
    );
    return { release };
  }

  /**
   * Lets every call of `method` take effect (a message is posted) but holds its answer until
   * release(): the caller cannot know whether the call went through.
   */
  holdAnswers(method: string): { release: () => void } {
    let release = () => {};
    this.afterGates.set(
      method,
      new Promise<void>((resolve) => {
        release = () => {
          this.afterGates.delete(method);
          resolve();
        };
      }),
    );
    return { release };
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** How many Socket Mode connections are open now, and how many were ever handed out. */
  get connections(): { open: number; opened: number } {
    return { open: [...this.sockets].filter((s) => s.open).length, opened: this.connectionsOpened };
  }

  /** Polls until `probe` returns something other than undefined/false. */
  async waitFor<T>(probe: () => T | undefined | false, what = "condition", timeoutMs = 4000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > until) throw new Error(`stand-in: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Waits for the n-th call (1-based) of a method. */
  waitForCall(method: string, n = 1, timeoutMs?: number): Promise<ApiCall> {
    return this.waitFor(() => this.callsTo(method)[n - 1], `${n} × ${method}`, timeoutMs);
  }

  /** Waits until a response_url has received n posts; returns them. */
  waitForResponses(id: string, n = 1, timeoutMs?: number): Promise<Responded[]> {
    return this.waitFor(
      () => {
        const got = this.responses.filter((r) => r.id === id);
        return got.length >= n ? got : undefined;
      },
      `${n} response(s) on ${id}`,
      timeoutMs,
    );
  }

  /**
   * Socket Mode: sends an envelope to the (first open) connection and resolves with the app's ack
   * payload. `retryAttempt` marks a redelivery, as Slack does after a slow or failed ack.
   */
  send(
    type: "slash_commands" | "interactive" | "events_api",
    payload: object,
    opts: { retryAttempt?: number; retryReason?: string; envelopeId?: string } = {},
  ): Promise<Record<string, unknown>> {
    const ws = [...this.sockets].find((s) => s.open);
    if (!ws) return Promise.reject(new Error("stand-in: no Socket Mode connection"));
    const envelopeId = opts.envelopeId ?? randomUUID();
    const envelope = {
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: type !== "events_api",
      ...(type === "events_api" ? { retry_attempt: opts.retryAttempt ?? 0, retry_reason: opts.retryReason ?? "" } : {}),
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelopeId);
        reject(new Error(`stand-in: no ack for envelope ${envelopeId} (${type})`));
      }, 3000);
      this.pendingAcks.set(envelopeId, {
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject,
      });
      ws.send(JSON.stringify(envelope));
    });
  }

  /** Socket Mode: asks the app to reconnect, as Slack does when it recycles a server. */
  sendDisconnect(reason = "refresh_requested"): void {
    for (const ws of this.sockets) if (ws.open) ws.send(JSON.stringify({ type: "disconnect", reason }));
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.close(1001, true);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- HTTP ---------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.origin);
    const raw = await readBody(req);
    if (url.pathname.startsWith("/response/")) {
      this.responses.push({ id: url.pathname.slice("/response/".length), body: JSON.parse(raw || "{}") });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    if (!url.pathname.startsWith("/api/")) {
      res.writeHead(404).end();
      return;
    }
    const method = url.pathname.slice("/api/".length);
    const args = parseArgs(raw, req.headers["content-type"]);
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : typeof args.token === "string" ? args.token : undefined;
    this.calls.push({ method, args, token });
    await this.gates.get(method);
    // A caller that went away (or died) while its call was held: the call never reached Slack.
    if (req.socket.destroyed) return;

    const failure = this.failures.get(method)?.shift() ?? this.overLimit(method, args);
    if (failure && "status" in failure) {
      res.writeHead(429, { "retry-after": String(failure.retryAfter), "content-type": "application/json" });
      res.end(JSON.stringify({ ok: false, error: "ratelimited" }));
      return;
    }
    const json = (body: object) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (failure) return json({ ok: false, error: failure.error });
    const answer = this.answer(method, args, token);
    await this.afterGates.get(method);
    json(answer);
  }

  private answer(method: string, a: Record<string, unknown>, token: string | undefined): object {
    const bot = token?.startsWith("xoxb-test-");
    if (method === "apps.connections.open") {
      if (!token?.startsWith("xapp-test-")) return { ok: false, error: "invalid_auth" };
      return { ok: true, url: `ws://127.0.0.1:${this.port}/link/?ticket=${randomUUID()}` };
    }
    if (!bot) return { ok: false, error: "invalid_auth" };
    switch (method) {
      case "auth.test":
        return {
          ok: true,
          url: "https://dockhand-test.slack.com/",
          team: "Dockhand Test",
          user: "dockhand",
          team_id: TEAM_ID,
          user_id: BOT_USER_ID,
          bot_id: "BDOCKHAND",
          is_enterprise_install: false,
        };
      case "users.info": {
        const id = String(a.user ?? "");
        if (!/^U[A-Za-z0-9-]+$/.test(id)) return { ok: false, error: "user_not_found" };
        return { ok: true, user: this.user(id) };
      }
      case "conversations.open": {
        const user = String(a.users ?? "");
        if (this.dmClosed.has(user)) return { ok: false, error: "cannot_dm_bot" };
        return { ok: true, channel: { id: `D${user.replace(/^U/, "")}` } };
      }
      case "chat.postMessage": {
        const channel = String(a.channel ?? "");
        if (!channel) return { ok: false, error: "channel_not_found" };
        const ts = this.nextTs();
        const msg = {
          channel,
          ts,
          text: String(a.text ?? ""),
          blocks: a.blocks,
          ...(a.thread_ts ? { thread_ts: String(a.thread_ts) } : {}),
          ...(a.metadata ? { metadata: a.metadata } : {}),
        };
        this.messages.set(`${channel}:${ts}`, msg);
        return { ok: true, channel, ts, message: { type: "message", user: BOT_USER_ID, ...msg } };
      }
      case "chat.update": {
        const key = `${String(a.channel)}:${String(a.ts)}`;
        const msg = this.messages.get(key);
        if (!msg) return { ok: false, error: "message_not_found" };
        this.messages.set(key, { ...msg, text: String(a.text ?? ""), blocks: a.blocks });
        return { ok: true, channel: msg.channel, ts: msg.ts, text: String(a.text ?? "") };
      }
      case "conversations.history": {
        // Newest first; metadata only when asked for, as Slack does.
        const oldest = Number(a.oldest ?? 0);
        const withMetadata = String(a.include_all_metadata) === "true";
        const messages = [...this.messages.values()]
          .filter((m) => m.channel === String(a.channel ?? "") && Number(m.ts) > oldest && !m.thread_ts)
          .sort((x, y) => Number(y.ts) - Number(x.ts))
          .slice(0, Number(a.limit ?? 100))
          .map(({ metadata, ...m }) => ({
            type: "message",
            user: BOT_USER_ID,
            ...m,
            ...(withMetadata && metadata ? { metadata } : {}),
          }));
        return { ok: true, messages, has_more: false, response_metadata: { next_cursor: "" } };
      }
      case "chat.postEphemeral":
        if (!a.channel || !a.user) return { ok: false, error: "channel_not_found" };
        return { ok: true, message_ts: this.nextTs() };
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  /** In rate-limit mode, a 429 for a chat.postMessage past its channel's bucket. */
  private overLimit(method: string, args: Record<string, unknown>): Failure | undefined {
    const limit = this.postLimit;
    if (!limit || method !== "chat.postMessage") return undefined;
    const channel = String(args.channel ?? "");
    const now = Date.now();
    const b = this.buckets.get(channel) ?? { tokens: limit.burst, at: now };
    b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) / 1000) * limit.perSecond);
    b.at = now;
    this.buckets.set(channel, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    this.limited += 1;
    return { status: 429, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / limit.perSecond)) };
  }

  private user(id: string): StandInUser {
    const name = id.replace(/^U-?/, "").toLowerCase() || "someone";
    return {
      id,
      name,
      real_name: name[0]?.toUpperCase() + name.slice(1),
      is_admin: this.admins.has(id),
      is_owner: false,
      is_bot: id === BOT_USER_ID,
    };
  }

  private nextTs(): string {
    // Slack's ts is the posting time in seconds; the counter keeps them unique and ordered.
    this.tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsCounter).padStart(6, "0")}`;
  }

  // --- Socket Mode --------------------------------------------------------------------------

  private upgrade(req: IncomingMessage, socket: import("node:stream").Duplex): void {
    if (!req.url?.startsWith("/link/")) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    const ws = acceptWebSocket(req, socket);
    if (!ws) return;
    this.sockets.add(ws);
    this.connectionsOpened += 1;
    ws.onClose(() => this.sockets.delete(ws));
    ws.onMessage((text) => {
      const msg = JSON.parse(text) as { envelope_id?: string; payload?: Record<string, unknown> };
      const pending = msg.envelope_id ? this.pendingAcks.get(msg.envelope_id) : undefined;
      if (pending && msg.envelope_id) {
        this.pendingAcks.delete(msg.envelope_id);
        pending.resolve(msg.payload ?? {});
      }
    });
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.sockets.size,
        debug_info: { host: "stand-in", approximate_connection_time: 18060 },
        connection_info: { app_id: APP_ID },
      }),
    );
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Web API arguments: form-encoded (JSON-valued fields such as blocks decoded) or JSON. */
function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes("application/json")) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] = ["blocks", "attachments", "metadata"].includes(k) && /^[[{]/.test(v) ? JSON.parse(v) : v;
  }
  return out;
}
