import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import {
  type APIInteraction,
  type APIMessage,
  type APIUser,
  GatewayDispatchEvents,
  type GatewayIdentifyData,
  type InteractionResponseType,
} from "discord-api-types/v10";
import { acceptWebSocket } from "../ws.ts";
import { type DispatchData, type DispatchEvent, Gateway, type GatewayConnection } from "./gateway.ts";
import {
  type AutocompleteInteraction,
  autocomplete,
  type ButtonInteraction,
  buttonPress,
  type InteractionWhere,
  member,
  type SlashInteraction,
  type SlashOptions,
  slashCommand,
  textChannel,
  user,
} from "./payloads.ts";
import { type DiscordRateLimits, RateLimiter } from "./ratelimit.ts";
import { type GuildState, guildObject, NONCE_WINDOW_MS, RestApi } from "./rest.ts";
import { type Failure, failed, parseBody, readBody } from "./wire.ts";

export type { DiscordRateLimits } from "./ratelimit.ts";
export type { Failure } from "./wire.ts";

/**
 * A local Discord for tests that the real discord.js client talks to: REST under
 * `http://127.0.0.1:PORT/api/v10/...` and the gateway WebSocket at `ws://127.0.0.1:PORT/gateway`,
 * on one port. Point a client at it with `new Client({ intents, rest: { api: standin.apiUrl } })`
 * and `client.login(standin.token)`.
 *
 *   const discord = await startDiscordStandin();
 *   const { callback } = await discord.interact(discord.slash("docker", { query: "volumes" }));
 *
 * - `requests`: every REST call (path decoded, without /api/v10); `waitFor(pred)` finds one,
 *   past or future. `interact(payload)` dispatches INTERACTION_CREATE and resolves with the
 *   callback POST (then `waitForEdit()` / `waitForFollowUp()` for what follows).
 * - `slash()`, `button()`, `autocomplete()` build full payloads (payloads.ts) for a guild channel
 *   (default: the first guild's first channel, as ALICE) or, with `{ dm: true }`, the bot's DM.
 * - `failNext(method, path, failure)`: the next matching call gets that status (429 with the
 *   headers @discordjs/rest obeys, so the client waits and retries by itself).
 * - `rateLimits`: 429s past Discord's global and per-channel limits (ratelimit.ts), counted in
 *   `limiter.limited`.
 * - `hold(method, path)` / `holdAnswers(method, path)`: hold matching calls before they take effect
 *   (dropped if their client dies meanwhile) or hold only their answers, until release().
 * - Several gateway clients (replicas on one shard) each get every dispatch.
 * - `closeDms(userId)`: sends to that user's DM channel get 403, code 50007.
 * - Gateway: `dispatch(event, data)`, `memberJoin()`, `reconnect()` (op 7; resolves once resumed),
 *   `identifies`, `resumes`, `lastIdentify`, `connections` (query strings and close codes).
 * Discord's rules it enforces: limits (content 2,000, embeds, 5×5 components, 25 choices, ...)
 * answer 400 (50035); a second callback 400 (40060); a callback after `interactionDeadlineMs`
 * 404 (10062); follow-ups/edits before the callback 404 (10015); sends to a channel that is in no
 * configured guild and no DM 404 (10003); a route it does not know 404 (code 0).
 */

export const ALICE = user("1200000000000000001", "alice");
export const BOB = user("1200000000000000002", "bob");

export interface DiscordStandinOptions {
  /** Default "fake-discord-token"; another `Authorization: Bot ...` gets 401. */
  token?: string;
  applicationId?: string;
  /** Default: the application id (as for current Discord apps). */
  botUserId?: string;
  /** Default: one guild with one text channel, "general". Every user is a member of every guild. */
  guilds?: { id: string; name: string; channels?: { id: string; name: string }[] }[];
  /** Default: [ALICE, BOB]. */
  users?: APIUser[];
  /** Default 41,250 ms (Discord's); lower it to see heartbeats in a test. */
  heartbeatIntervalMs?: number;
  /** Intents the app may ask for; any other closes the gateway with 4014. Default: all. */
  allowedIntents?: number;
  /** A callback later than this after the dispatch gets 404 "Unknown interaction". Default 3,000. */
  interactionDeadlineMs?: number;
  /** Rate-limit mode: Discord's global and per-channel limits (ratelimit.ts); off by default. */
  rateLimits?: DiscordRateLimits | true;
  /** How long a message nonce sent with enforce_nonce is remembered. Default 5 minutes ("a few"). */
  nonceWindowMs?: number;
}

/** One REST request as the stand-in received it and answered it. */
export interface RecordedRequest {
  method: string;
  /** Decoded, without /api/v10, e.g. `/webhooks/APP/TOKEN/messages/@original`. */
  path: string;
  query: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: whatever JSON the client sent; tests read it freely.
  body: any;
  headers: IncomingHttpHeaders;
  /** Names of the files of a multipart request. */
  files: string[];
  /** The status the stand-in answered with. */
  status: number;
}

/** Where an interaction comes from: a guild channel (default: first guild, first channel) or a DM. */
export interface Where {
  user?: APIUser;
  guildId?: string;
  channelId?: string;
  dm?: boolean;
}

export interface InteractionResult<P extends APIInteraction = APIInteraction> {
  payload: P;
  /** The callback POST: what reply/deferReply/update/deferUpdate/respond sent. */
  request: RecordedRequest;
  callback: { type: InteractionResponseType; data?: RecordedRequest["body"] };
  /** The response message (@original) as last edited, once there is one. */
  original(): APIMessage | undefined;
  followUps(): RecordedRequest[];
  edits(): RecordedRequest[];
  waitForEdit(n?: number, timeoutMs?: number): Promise<RecordedRequest>;
  waitForFollowUp(n?: number, timeoutMs?: number): Promise<RecordedRequest>;
}

/** Requests held by `hold()` or `holdAnswers()` until release(). */
export interface Held {
  /** How many matching requests arrived so far. */
  readonly arrived: number;
  release(): void;
}

interface Gate {
  method: string;
  path: RegExp;
  arrived: number;
  open: Promise<void>;
}

interface Waiter {
  match: (r: RecordedRequest) => boolean;
  n: number;
  resolve: (r: RecordedRequest) => void;
}

export class DiscordStandin {
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: APIUser;
  readonly requests: RecordedRequest[] = [];
  readonly guilds: GuildState[];
  readonly users = new Map<string, APIUser>();
  private readonly gateway: Gateway;
  private readonly rest: RestApi;
  private readonly failures: { method: string; path: RegExp; failure: Failure }[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly gates: { before: Gate[]; after: Gate[] } = { before: [], after: [] };
  private readonly server: Server;
  /** Set in rate-limit mode; `limiter.limited` counts the 429s given. */
  readonly limiter: RateLimiter | undefined;

  constructor(o: DiscordStandinOptions = {}) {
    this.token = o.token ?? "fake-discord-token";
    this.applicationId = o.applicationId ?? "1100000000000000001";
    this.botUser = user(o.botUserId ?? this.applicationId, "dockhand", { bot: true });
    for (const u of [this.botUser, ...(o.users ?? [ALICE, BOB])]) this.users.set(u.id, u);
    const specs = o.guilds ?? [{ id: "1000000000000000001", name: "Dockhand Test" }];
    this.guilds = specs.map((g) => ({
      id: g.id,
      name: g.name,
      ownerId: (o.users ?? [ALICE])[0]?.id ?? this.botUser.id,
      channels: (g.channels ?? [{ id: String(BigInt(g.id) + 1n), name: "general" }]).map((c, j) =>
        textChannel(g.id, c.id, c.name, j),
      ),
      members: new Map([...this.users.values()].map((u) => [u.id, member(u)])),
    }));
    this.limiter = o.rateLimits ? new RateLimiter(o.rateLimits === true ? {} : o.rateLimits) : undefined;
    this.server = createServer((req, res) => {
      this.onRequest(req, res).catch((e: unknown) => res.writeHead(500).end(String(e)));
    });
    this.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    const gatewayUrl = () => `ws://127.0.0.1:${this.port}/gateway`;
    this.gateway = new Gateway({
      token: this.token,
      botUser: this.botUser,
      applicationId: this.applicationId,
      heartbeatIntervalMs: o.heartbeatIntervalMs ?? 41_250,
      allowedIntents: o.allowedIntents ?? 0x3ffffff,
      guilds: () => this.guilds.map(guildObject),
      resumeUrl: gatewayUrl,
    });
    this.rest = new RestApi({
      token: this.token,
      applicationId: this.applicationId,
      botUser: this.botUser,
      gatewayUrl,
      interactionDeadlineMs: o.interactionDeadlineMs ?? 3000,
      nonceWindowMs: o.nonceWindowMs ?? NONCE_WINDOW_MS,
      guilds: this.guilds,
      users: this.users,
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** For `new Client({ rest: { api } })`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get guildId(): string {
    return this.firstGuild().id;
  }

  /** The first guild's first channel. */
  get channelId(): string {
    return this.firstGuild().channels[0]?.id ?? "";
  }

  get identifies(): number {
    return this.gateway.identifies;
  }

  get resumes(): number {
    return this.gateway.resumes;
  }

  get heartbeats(): number {
    return this.gateway.heartbeats;
  }

  /** The last IDENTIFY payload (token, intents, properties, shard). */
  get lastIdentify(): GatewayIdentifyData | undefined {
    return this.gateway.lastIdentify;
  }

  get connections(): readonly GatewayConnection[] {
    return this.gateway.connections;
  }

  /** Every message the bot created (channel sends, replies, follow-ups), by id, as last edited. */
  get messages(): ReadonlyMap<string, APIMessage> {
    return this.rest.messages;
  }

  /** Registered commands: scope "global" or a guild id. */
  get commands() {
    return this.rest.commands;
  }

  dmChannelFor(userId: string): string {
    return this.rest.dmChannelFor(userId).id;
  }

  /** From now on, messages to this user's DM channel answer 403 (50007), as when DMs are off. */
  closeDms(userId: string): void {
    this.rest.closedDms.add(userId);
  }

  reopenDms(userId: string): void {
    this.rest.closedDms.delete(userId);
  }

  /** The next request matching `method` and `path` (a RegExp on the decoded path) gets `failure`. */
  failNext(method: string, path: RegExp, failure: Failure): void {
    this.failures.push({ method: method.toUpperCase(), path, failure });
  }

  /**
   * Holds every request matching `method` and `path` before it takes effect, until release(). A
   * request whose client went away meanwhile (its process was killed) never reaches "Discord".
   */
  hold(method: string, path: RegExp): Held {
    return this.gate("before", method, path);
  }

  /**
   * Lets every matching request take effect (a message is made) but holds its answer until
   * release(): the client cannot know whether its call went through.
   */
  holdAnswers(method: string, path: RegExp): Held {
    return this.gate("after", method, path);
  }

  private gate(when: "before" | "after", method: string, path: RegExp): Held {
    let release = () => {};
    const open = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gate: Gate = { method: method.toUpperCase(), path, arrived: 0, open };
    this.gates[when].push(gate);
    const gates = this.gates[when];
    return {
      get arrived() {
        return gate.arrived;
      },
      release: () => {
        gates.splice(gates.indexOf(gate), 1);
        release();
      },
    };
  }

  private async pass(when: "before" | "after", method: string, path: string): Promise<void> {
    for (const g of this.gates[when].filter((x) => x.method === method && x.path.test(path))) {
      g.arrived += 1;
      await g.open;
    }
  }

  /** Resolves with the n-th request (1-based) matching `match`, already received or still to come. */
  waitFor(match: (r: RecordedRequest) => boolean, timeoutMs = 3000, n = 1): Promise<RecordedRequest> {
    const seen = this.requests.filter(match);
    if (seen.length >= n) return Promise.resolve(seen[n - 1] as RecordedRequest);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { match, n: n - seen.length, resolve: () => {} };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`discord stand-in: no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      waiter.resolve = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiters.add(waiter);
    });
  }

  /** Sends a dispatch to every connected client that asked for its intent; returns how many got it. */
  dispatch<T extends DispatchEvent>(event: T, data: DispatchData<T>): number {
    if (event === GatewayDispatchEvents.InteractionCreate) this.rest.track(data as APIInteraction);
    return this.gateway.dispatch(event, data);
  }

  /** Dispatches INTERACTION_CREATE and resolves when the client POSTs its callback (answered 204). */
  async interact<P extends APIInteraction>(payload: P, timeoutMs = 3000): Promise<InteractionResult<P>> {
    if (this.dispatch(GatewayDispatchEvents.InteractionCreate, payload) === 0)
      throw new Error("discord stand-in: no client is connected");
    const cb = `/interactions/${payload.id}/${payload.token}/callback`;
    const request = await this.waitFor((r) => r.method === "POST" && r.path === cb, timeoutMs);
    const hook = `/webhooks/${this.applicationId}/${payload.token}`;
    const isFollowUp = (r: RecordedRequest) => r.method === "POST" && r.path === hook;
    const isEdit = (r: RecordedRequest) => r.method === "PATCH" && r.path.startsWith(`${hook}/messages/`);
    return {
      payload,
      request,
      callback: { type: request.body?.type, data: request.body?.data },
      original: () => this.rest.original(payload.token),
      followUps: () => this.requests.filter(isFollowUp),
      edits: () => this.requests.filter(isEdit),
      waitForEdit: (n = 1, t = timeoutMs) => this.waitFor(isEdit, t, n),
      waitForFollowUp: (n = 1, t = timeoutMs) => this.waitFor(isFollowUp, t, n),
    };
  }

  slash(name: string, options?: SlashOptions, o: Where & { subcommand?: string } = {}): SlashInteraction {
    return slashCommand(this.where(o), {
      name,
      ...(options ? { options } : {}),
      ...(o.subcommand ? { subcommand: o.subcommand } : {}),
    });
  }

  autocomplete(
    name: string,
    options: Record<string, string | number | boolean>,
    focused: string,
    o: Where = {},
  ): AutocompleteInteraction {
    return autocomplete(this.where(o), { name, options, focused });
  }

  /** A button press; `message` defaults to a bot message carrying just this button. */
  button(customId: string, o: Where & { message?: APIMessage } = {}): ButtonInteraction {
    return buttonPress(this.where(o), { customId, ...(o.message ? { message: o.message } : {}) });
  }

  /** A user joins a guild: GUILD_MEMBER_ADD (only to clients with the GuildMembers intent). */
  memberJoin(guildId: string, u: APIUser): number {
    const g = this.guilds.find((x) => x.id === guildId);
    if (!g) throw new Error(`discord stand-in: no guild ${guildId}`);
    this.users.set(u.id, u);
    const m = member(u);
    g.members.set(u.id, m);
    return this.dispatch(GatewayDispatchEvents.GuildMemberAdd, { ...m, guild_id: guildId });
  }

  /** Sends op 7 (reconnect); resolves once every client has resumed (or identified again). */
  reconnect(timeoutMs?: number): Promise<void> {
    return this.gateway.reconnect(timeoutMs);
  }

  /** Sends op 9 (invalid session): resumable or not. */
  invalidateSessions(resumable: boolean): void {
    this.gateway.invalidateSessions(resumable);
  }

  async close(): Promise<void> {
    this.gateway.closeAll();
    this.waiters.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private firstGuild(): GuildState {
    const g = this.guilds[0];
    if (!g) throw new Error("discord stand-in: no guild configured");
    return g;
  }

  private where(o: Where): InteractionWhere {
    const u = o.user ?? ALICE;
    if (o.dm) return { applicationId: this.applicationId, user: u, channelId: o.channelId ?? this.dmChannelFor(u.id) };
    const g = o.guildId ? this.guilds.find((x) => x.id === o.guildId) : this.firstGuild();
    if (!g) throw new Error(`discord stand-in: no guild ${o.guildId}`);
    const channel = g.channels.find((c) => c.id === o.channelId) ?? g.channels[0];
    return {
      applicationId: this.applicationId,
      user: u,
      guildId: g.id,
      channelId: o.channelId ?? channel?.id ?? "",
      channelName: channel?.name ?? "general",
      member: g.members.get(u.id) ?? member(u),
    };
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/gateway") {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    const ws = acceptWebSocket(req, socket, head);
    if (ws) this.gateway.accept(ws, url.searchParams);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readBody(req);
    if (!url.pathname.startsWith("/api/v10/")) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"404: Not Found","code":0}');
      return;
    }
    const path = url.pathname.slice("/api/v10".length).split("/").map(decodeURIComponent).join("/");
    const method = req.method ?? "GET";
    await this.pass("before", method, path);
    if (req.socket.destroyed) return;
    const { body, files } = await parseBody(raw, req.headers["content-type"]);
    const i = this.failures.findIndex((f) => f.method === method && f.path.test(path));
    const failure = i >= 0 ? this.failures.splice(i, 1)[0]?.failure : undefined;
    const limits = failure ? {} : (this.limiter?.check(method, path, req.headers.authorization !== undefined) ?? {});
    const handled =
      failure || limits.limited
        ? (limits.limited ?? failed(failure as Failure))
        : this.rest.handle({ method, path, query: url.searchParams, body, headers: req.headers });
    const answer = limits.headers ? { ...handled, headers: { ...limits.headers, ...handled.headers } } : handled;
    this.record({
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body,
      headers: req.headers,
      files,
      status: answer.status,
    });
    await this.pass("after", method, path);
    const headers = { ...(answer.body === undefined ? {} : { "content-type": "application/json" }), ...answer.headers };
    res.writeHead(answer.status, headers).end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  private record(record: RecordedRequest): void {
    this.requests.push(record);
    for (const w of [...this.waiters]) {
      if (!w.match(record) || --w.n > 0) continue;
      this.waiters.delete(w);
      w.resolve(record);
    }
  }

  /**
   * HTTP interactions: Discord POSTs the interaction to the app instead of dispatching it, and takes
   * the HTTP response as the callback. Call `expectHttp` before the POST, so that the interaction's
   * webhook knows it, and `httpResponse` with the response body, which the stand-in then treats (and
   * records, under the callback's path) as a callback POST.
   */
  expectHttp(payload: APIInteraction): void {
    this.rest.track(payload);
  }

  httpResponse(payload: APIInteraction, body: unknown): RecordedRequest {
    const path = `/interactions/${payload.id}/${payload.token}/callback`;
    const headers = { "x-standin-via": "http-response" };
    const answer = this.rest.handle({ method: "POST", path, query: new URLSearchParams(), body, headers });
    const record: RecordedRequest = {
      method: "POST",
      path,
      query: {},
      body,
      headers,
      files: [],
      status: answer.status,
    };
    this.record(record);
    return record;
  }
}

export async function startDiscordStandin(opts: DiscordStandinOptions = {}): Promise<DiscordStandin> {
  return new DiscordStandin(opts).listen();
}
