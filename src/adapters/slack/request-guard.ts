import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseForm } from "node:querystring";
import type { HTTPReceiver } from "@slack/bolt";
import type { Logger } from "../../core/logger.ts";
import { errorText } from "./support.ts";

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

/** Slack rejects requests whose timestamp is further than this from now, both ways. */
export const MAX_CLOCK_SKEW_S = 300;

/**
 * HTTP mode: wraps Bolt's request listener. Refuses requests dated too far from now (both ways),
 * and bodies Bolt cannot take, with a status; counts requests awaiting their ack for `traffic`.
 */
export function guardReceiver(receiver: HTTPReceiver, log: Logger, traffic: { pending: number; lastAt: number }): void {
  const inner = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    traffic.lastAt = Date.now();
    traffic.pending += 1;
    let settled = false;
    const acked = () => {
      if (settled) return;
      settled = true;
      traffic.pending -= 1;
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
}
