import {
  type APIUser,
  ApplicationFlags,
  GatewayCloseCodes,
  GatewayDispatchEvents,
  type GatewayDispatchPayload,
  type GatewayGuildCreateDispatchData,
  type GatewayHeartbeatAck,
  type GatewayIdentifyData,
  GatewayIntentBits,
  GatewayOpcodes,
  type GatewayReadyDispatchData,
  type GatewayReceivePayload,
  type GatewayReconnect,
  type GatewayResumeData,
} from "discord-api-types/v10";
import type { WsConnection } from "../ws.ts";

/**
 * The gateway side of the Discord stand-in: HELLO on connect, heartbeat ACKs, IDENTIFY → READY
 * (+ one GUILD_CREATE per guild when the Guilds intent is set), RESUME → replay of missed
 * dispatches + RESUMED, op 7 on request. Sessions survive a dropped connection (or a close with
 * 4200, discord.js's "resuming" code) and end with a 1000/1001 close, as on Discord.
 */

export interface GatewayConfig {
  token: string;
  botUser: APIUser;
  applicationId: string;
  heartbeatIntervalMs: number;
  /** IDENTIFY asking for any other intent is closed with 4014 (a privileged intent not enabled). */
  allowedIntents: number;
  guilds: () => GatewayGuildCreateDispatchData[];
  /** The URL READY gives as `resume_gateway_url`. */
  resumeUrl: () => string;
}

/** One WebSocket connection as the client opened it. */
export interface GatewayConnection {
  /** The query string: discord.js sends `v=10&encoding=json` (and `compress` only with zlib-sync). */
  query: Record<string, string>;
  /** The close code the client sent (1006: the connection just dropped); undefined while open. */
  closeCode?: number;
}

interface Session {
  id: string;
  seq: number;
  intents: number;
  /** Every dispatch of the session, for replay on RESUME. */
  log: GatewayDispatchPayload[];
  ws: WsConnection | undefined;
}

/** Events Discord sends only to sessions that asked for an intent. */
const INTENT_OF: Partial<Record<string, GatewayIntentBits>> = {
  [GatewayDispatchEvents.GuildCreate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildUpdate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildDelete]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ChannelCreate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ChannelUpdate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ChannelDelete]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildMemberAdd]: GatewayIntentBits.GuildMembers,
  [GatewayDispatchEvents.GuildMemberUpdate]: GatewayIntentBits.GuildMembers,
  [GatewayDispatchEvents.GuildMemberRemove]: GatewayIntentBits.GuildMembers,
};

function wants(intents: number, t: string, d: unknown): boolean {
  let need = INTENT_OF[t];
  if (t.startsWith("MESSAGE_") && !t.startsWith("MESSAGE_REACTION") && !t.startsWith("MESSAGE_POLL")) {
    const inGuild = typeof d === "object" && d !== null && "guild_id" in d;
    need = inGuild ? GatewayIntentBits.GuildMessages : GatewayIntentBits.DirectMessages;
  }
  return need === undefined || (intents & need) !== 0;
}

export type DispatchEvent = GatewayDispatchPayload["t"];
export type DispatchData<T extends DispatchEvent> = Extract<GatewayDispatchPayload, { t: T }>["d"];

export class Gateway {
  identifies = 0;
  resumes = 0;
  heartbeats = 0;
  lastIdentify: GatewayIdentifyData | undefined;
  readonly connections: GatewayConnection[] = [];
  private readonly sessions = new Map<string, Session>();
  private readonly watchers = new Set<() => void>();
  private sessionCounter = 0;

  constructor(private readonly config: GatewayConfig) {}

  /** Connections open now. */
  get open(): number {
    return [...this.sessions.values()].filter((s) => s.ws?.open).length;
  }

  accept(ws: WsConnection, query: URLSearchParams): void {
    const connection: GatewayConnection = { query: Object.fromEntries(query) };
    this.connections.push(connection);
    let session: Session | undefined;
    ws.onClose((code) => {
      connection.closeCode = code;
      if (session?.ws === ws) session.ws = undefined;
      // Closing with 1000 or 1001 ends the session; anything else can be resumed.
      if (session && (code === 1000 || code === 1001)) this.sessions.delete(session.id);
      this.notify();
    });
    ws.onMessage((text) => {
      let msg: { op: number; d: unknown };
      try {
        msg = JSON.parse(text);
      } catch {
        ws.close(GatewayCloseCodes.DecodeError);
        return;
      }
      if (msg.op === GatewayOpcodes.Heartbeat) {
        this.heartbeats += 1;
        send(ws, { op: GatewayOpcodes.HeartbeatAck, d: undefined, t: null, s: null } satisfies GatewayHeartbeatAck);
      } else if (msg.op === GatewayOpcodes.Identify) {
        if (session) return ws.close(GatewayCloseCodes.AlreadyAuthenticated);
        session = this.identify(ws, msg.d as GatewayIdentifyData);
      } else if (msg.op === GatewayOpcodes.Resume) {
        if (session) return ws.close(GatewayCloseCodes.AlreadyAuthenticated);
        session = this.resume(ws, msg.d as GatewayResumeData);
      } else if (!session) {
        ws.close(GatewayCloseCodes.NotAuthenticated);
      } else if (!Object.values(GatewayOpcodes).includes(msg.op)) {
        ws.close(GatewayCloseCodes.UnknownOpcode);
      }
      // Presence (3), voice (4) and member requests (8) are accepted and ignored.
    });
    send(ws, {
      op: GatewayOpcodes.Hello,
      d: { heartbeat_interval: this.config.heartbeatIntervalMs },
      t: null,
      s: null,
    });
  }

  /** Sends a dispatch to every session that asked for its intent; returns how many sessions got it. */
  dispatch<T extends DispatchEvent>(t: T, d: DispatchData<T>): number {
    let n = 0;
    for (const session of this.sessions.values()) {
      if (!wants(session.intents, t, d)) continue;
      this.emit(session, t, d);
      n += 1;
    }
    return n;
  }

  /** Sends op 7 to every open connection; resolves when each client has resumed (or re-identified). */
  async reconnect(timeoutMs = 5000): Promise<void> {
    const open = [...this.sessions.values()].filter((s) => s.ws?.open);
    const target = this.resumes + this.identifies + open.length;
    for (const s of open)
      if (s.ws) send(s.ws, { op: GatewayOpcodes.Reconnect, d: undefined, t: null, s: null } satisfies GatewayReconnect);
    await this.until(() => this.resumes + this.identifies >= target && this.open >= open.length, "resume", timeoutMs);
  }

  /** Sends op 9 (invalid session); with `resumable` false the client must identify again. */
  invalidateSessions(resumable: boolean): void {
    for (const s of this.sessions.values()) {
      if (!resumable) this.sessions.delete(s.id);
      if (s.ws) send(s.ws, { op: GatewayOpcodes.InvalidSession, d: resumable, t: null, s: null });
    }
  }

  /** Resolves when `probe` holds; re-checked whenever a connection identifies, resumes or closes. */
  until(probe: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (probe()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!probe()) return;
        clearTimeout(timer);
        this.watchers.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        reject(new Error(`discord stand-in: timed out waiting for ${what}`));
      }, timeoutMs);
      this.watchers.add(check);
    });
  }

  closeAll(): void {
    for (const s of this.sessions.values()) s.ws?.close(1001, true);
    this.sessions.clear();
  }

  private identify(ws: WsConnection, d: GatewayIdentifyData): Session | undefined {
    this.lastIdentify = d;
    if (d.token !== this.config.token) {
      ws.close(GatewayCloseCodes.AuthenticationFailed);
      return undefined;
    }
    if ((d.intents & ~this.config.allowedIntents) !== 0) {
      ws.close(GatewayCloseCodes.DisallowedIntents);
      return undefined;
    }
    this.identifies += 1;
    this.sessionCounter += 1;
    const session: Session = { id: `fake-session-${this.sessionCounter}`, seq: 0, intents: d.intents, log: [], ws };
    this.sessions.set(session.id, session);
    const guilds = (d.intents & GatewayIntentBits.Guilds) !== 0 ? this.config.guilds() : [];
    this.emit(session, GatewayDispatchEvents.Ready, {
      v: 10,
      user: this.config.botUser,
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.config.resumeUrl(),
      shard: d.shard ?? [0, 1],
      // The app has the (small-bot) Guild Members intent enabled, as Dockhand needs it for onboarding.
      application: {
        id: this.config.applicationId,
        flags: ApplicationFlags.GatewayGuildMembersLimited,
        flags_new: String(ApplicationFlags.GatewayGuildMembersLimited),
      },
    } satisfies GatewayReadyDispatchData);
    for (const g of guilds) this.emit(session, GatewayDispatchEvents.GuildCreate, g);
    this.notify();
    return session;
  }

  private resume(ws: WsConnection, d: GatewayResumeData): Session | undefined {
    const session = this.sessions.get(d.session_id);
    if (!session || d.token !== this.config.token || d.seq > session.seq) {
      send(ws, { op: GatewayOpcodes.InvalidSession, d: false, t: null, s: null });
      return undefined;
    }
    session.ws?.close(GatewayCloseCodes.SessionTimedOut, true);
    session.ws = ws;
    for (const p of session.log) if (p.s > d.seq) send(ws, p);
    this.resumes += 1;
    this.emit(session, GatewayDispatchEvents.Resumed, undefined);
    this.notify();
    return session;
  }

  private emit<T extends DispatchEvent>(session: Session, t: T, d: DispatchData<T>): void {
    session.seq += 1;
    const payload = { op: GatewayOpcodes.Dispatch, t, s: session.seq, d } as GatewayDispatchPayload;
    session.log.push(payload);
    if (session.log.length > 1000) session.log.shift();
    // Sent only while connected; a RESUME replays what was missed.
    if (session.ws?.open) send(session.ws, payload);
  }

  private notify(): void {
    for (const w of [...this.watchers]) w();
  }
}

function send(ws: WsConnection, payload: GatewayReceivePayload): void {
  ws.send(JSON.stringify(payload));
}
