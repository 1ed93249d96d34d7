import type { RESTRateLimit } from "discord-api-types/v10";

/**
 * Discord's rate limits, for the stand-in's rate-limit mode: a global limit over every
 * authenticated request of the bot (50 in any second by default) and a per-route bucket for
 * channel sends (5 per 5 s per channel by default). Interaction callbacks and webhooks carry no
 * token and are not counted globally, as on Discord.
 *
 * Every send to a channel gets the bucket headers @discordjs/rest reads (limit, remaining, reset,
 * reset-after, bucket); a request over a limit gets 429 with `retry_after` (seconds, fractions
 * allowed), the Retry-After header, `x-ratelimit-scope` and, for the global limit,
 * `X-RateLimit-Global: true` and `global: true` in the body. A request answered 429 is not
 * counted against the limits (it did nothing), but it is counted in `limited`.
 */

export interface DiscordRateLimits {
  /** Requests in any window of `globalWindowMs` (default 50 per 1,000 ms). */
  globalLimit?: number;
  globalWindowMs?: number;
  /** Sends to one channel in any window of `channelWindowMs` (default 5 per 5,000 ms). */
  channelLimit?: number;
  channelWindowMs?: number;
}

export interface LimitVerdict {
  /** 429 answer when over a limit. */
  limited?: { status: 429; body: RESTRateLimit; headers: Record<string, string> };
  /** Bucket headers for an allowed request on a limited route. */
  headers?: Record<string, string>;
}

const CHANNEL_SEND = /^\/channels\/([^/]+)\/messages$/;
/** The bucket hash Discord would send for POST /channels/{id}/messages (any stable opaque string). */
const SEND_BUCKET = "b0c3f0a1e2d4c5b6a7980f1e2d3c4b5a";

/** Timestamps of counted requests inside a sliding window. */
class Window {
  private readonly at: number[] = [];
  constructor(
    readonly limit: number,
    readonly ms: number,
  ) {}

  private prune(now: number): void {
    while (this.at.length > 0 && (this.at[0] as number) <= now - this.ms) this.at.shift();
  }

  /** Seconds until one more request fits (0 when it fits now). */
  waitS(now: number): number {
    this.prune(now);
    if (this.at.length < this.limit) return 0;
    return ((this.at[this.at.length - this.limit] as number) + this.ms - now) / 1000;
  }

  take(now: number): void {
    this.at.push(now);
  }

  remaining(now: number): number {
    this.prune(now);
    return Math.max(0, this.limit - this.at.length);
  }

  /** Seconds until the window is empty again. */
  resetAfterS(now: number): number {
    this.prune(now);
    const last = this.at[this.at.length - 1];
    return last === undefined ? 0 : (last + this.ms - now) / 1000;
  }
}

export class RateLimiter {
  /** 429 answers given: global ones and per-channel ones. */
  readonly limited = { global: 0, channel: 0 };
  private readonly global: Window;
  private readonly channels = new Map<string, Window>();
  private readonly channelLimit: number;
  private readonly channelWindowMs: number;

  constructor(o: DiscordRateLimits = {}) {
    this.global = new Window(o.globalLimit ?? 50, o.globalWindowMs ?? 1000);
    this.channelLimit = o.channelLimit ?? 5;
    this.channelWindowMs = o.channelWindowMs ?? 5000;
  }

  check(method: string, path: string, authenticated: boolean, now = Date.now()): LimitVerdict {
    const send = method === "POST" ? CHANNEL_SEND.exec(path) : null;
    const bucket = send ? this.channelWindow(send[1] as string) : undefined;
    if (authenticated) {
      const wait = this.global.waitS(now);
      if (wait > 0) {
        this.limited.global += 1;
        return { limited: tooMany(wait, true, {}) };
      }
    }
    if (bucket) {
      const wait = bucket.waitS(now);
      if (wait > 0) {
        this.limited.channel += 1;
        return { limited: tooMany(wait, false, bucketHeaders(bucket, now)) };
      }
    }
    if (authenticated) this.global.take(now);
    if (!bucket) return {};
    bucket.take(now);
    return { headers: bucketHeaders(bucket, now) };
  }

  private channelWindow(id: string): Window {
    let w = this.channels.get(id);
    if (!w) {
      w = new Window(this.channelLimit, this.channelWindowMs);
      this.channels.set(id, w);
    }
    return w;
  }
}

function bucketHeaders(w: Window, now: number): Record<string, string> {
  const resetAfter = w.resetAfterS(now);
  return {
    "x-ratelimit-limit": String(w.limit),
    "x-ratelimit-remaining": String(w.remaining(now)),
    "x-ratelimit-reset": ((now + resetAfter * 1000) / 1000).toFixed(3),
    "x-ratelimit-reset-after": resetAfter.toFixed(3),
    "x-ratelimit-bucket": SEND_BUCKET,
  };
}

function tooMany(waitS: number, global: boolean, headers: Record<string, string>) {
  const after = Math.max(0.001, Math.round(waitS * 1000) / 1000);
  return {
    status: 429 as const,
    body: { message: "You are being rate limited.", retry_after: after, global } satisfies RESTRateLimit,
    headers: {
      ...headers,
      "retry-after": String(after),
      "x-ratelimit-scope": global ? "global" : "user",
      ...(global ? { "x-ratelimit-global": "true" } : {}),
    },
  };
}
