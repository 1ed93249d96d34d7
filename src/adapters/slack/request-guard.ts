import type { IncomingMessage } from "node:http";
import { parse as parseForm } from "node:querystring";

/** Slack's own payloads are far smaller; a larger body is refused before it is held in memory. */
export const MAX_BODY_BYTES = 1024 * 1024;

export type Guarded = { ok: true; raw: Buffer } | { ok: false; status: 400 | 413; why: string };

/**
 * Reads a request body for Bolt and checks that it is what Bolt can take: a JSON object, or a form
 * whose `payload` (when present) is a JSON object. Bolt reads `body.ssl_check` of whatever it
 * parsed, so a well-signed `null` would otherwise fail inside it with nothing to catch the error.
 */
export async function readSlackBody(req: IncomingMessage): Promise<Guarded> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      return { ok: false, status: 413, why: `body over ${MAX_BODY_BYTES} bytes` };
    }
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  const why = shapeProblem(raw.toString("utf8"), req.headers["content-type"]);
  return why ? { ok: false, status: 400, why } : { ok: true, raw };
}

function shapeProblem(text: string, contentType: string | undefined): string | undefined {
  const isObject = (json: string) => {
    try {
      const value: unknown = JSON.parse(json);
      return typeof value === "object" && value !== null && !Array.isArray(value);
    } catch {
      return false;
    }
  };
  if (contentType === "application/x-www-form-urlencoded") {
    const { payload } = parseForm(text);
    if (payload === undefined) return undefined;
    return typeof payload === "string" && isObject(payload) ? undefined : "payload is not a JSON object";
  }
  return isObject(text) ? undefined : "body is not a JSON object";
}
