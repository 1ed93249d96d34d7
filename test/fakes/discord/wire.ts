import type { IncomingMessage } from "node:http";
import type { RESTRateLimit } from "discord-api-types/v10";

/** HTTP details of the Discord stand-in: reading request bodies, and the answers of failNext(). */

export interface Failure {
  status: number;
  /** For 429: seconds until the retry (fractions allowed, so tests stay fast). Default 0.2. */
  retryAfterS?: number;
  /** For 429: a global rate limit (X-RateLimit-Global) instead of a per-route one. */
  global?: boolean;
  /** Default: Discord's body for the status. */
  body?: unknown;
}

/** The answer to a failNext(): Discord's body, and for 429 the headers @discordjs/rest reads. */
export function failed(f: Failure): { status: number; body: unknown; headers?: Record<string, string> } {
  if (f.status !== 429) {
    const text = { 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error" }[f.status];
    return { status: f.status, body: f.body ?? { message: `${f.status}: ${text ?? "Error"}`, code: 0 } };
  }
  const after = f.retryAfterS ?? 0.2;
  return {
    status: 429,
    body:
      f.body ??
      ({
        message: "You are being rate limited.",
        retry_after: after,
        global: Boolean(f.global),
      } satisfies RESTRateLimit),
    headers: {
      // Discord rounds Retry-After up to whole seconds; fractions here keep tests fast, and
      // @discordjs/rest reads it with Number(), so they work.
      "retry-after": String(after),
      "x-ratelimit-limit": "5",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(Date.now() / 1000 + after),
      "x-ratelimit-reset-after": String(after),
      "x-ratelimit-bucket": "fake-bucket",
      "x-ratelimit-scope": f.global ? "global" : "user",
      ...(f.global ? { "x-ratelimit-global": "true" } : {}),
    },
  };
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** JSON, or multipart (files attached): the `payload_json` part, and the file names. */
export async function parseBody(
  raw: Buffer,
  contentType: string | undefined,
): Promise<{ body: unknown; files: string[] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  if (contentType?.startsWith("multipart/form-data")) {
    const form = await new Response(new Uint8Array(raw), { headers: { "content-type": contentType } }).formData();
    const json = form.get("payload_json");
    const files = [...form.values()].flatMap((v) => (typeof v === "string" ? [] : [v.name]));
    return { body: typeof json === "string" ? JSON.parse(json) : {}, files };
  }
  return { body: JSON.parse(raw.toString("utf8")), files: [] };
}
