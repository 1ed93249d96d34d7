import type { KeyObject } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { InteractionResponseType, InteractionType } from "discord.js";
import type { Logger } from "../../core/logger.ts";
import { type HttpAnswers, type Payload, payloadSchema } from "./http-answers.ts";
import { verifyDiscordRequest } from "./verify.ts";

export { DISCORD_INTERACTIONS_PATH } from "./paths.ts";

/** Interaction payloads are a few kilobytes; a larger body is refused before it is held in memory. */
export const MAX_INTERACTION_BYTES = 256 * 1024;

export interface HttpInteractionsOptions {
  key: KeyObject;
  answers: HttpAnswers;
  log: Logger;
  stopped: () => boolean;
  /** The time signatures are checked against (tests may move it). */
  now?: () => number;
}

type Body = { ok: true; raw: Buffer } | { ok: false; status: 400 | 413; why: string };

async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_INTERACTION_BYTES) {
      req.resume();
      return { ok: false, status: 413, why: `body over ${MAX_INTERACTION_BYTES} bytes` };
    }
    chunks.push(chunk);
  }
  return { ok: true, raw: Buffer.concat(chunks) };
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/**
 * POST /discord/interactions: every request's Ed25519 signature is checked before its body is read as
 * JSON (401 when it fails), PING gets PONG, and commands, buttons and autocomplete are answered in
 * the HTTP response, or deferred there and completed through the interaction's webhook. Any replica
 * can answer any interaction: nothing here depends on the gateway.
 */
export function interactionsHandler(o: HttpInteractionsOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const now = o.now ?? Date.now;
  return (req, res) => {
    void handle(req, res).catch((err: unknown) => {
      o.log.error({ err }, "interaction request failed");
      send(res, 500);
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (!body.ok) {
      o.log.warn({ status: body.status, why: body.why }, "interaction refused");
      send(res, body.status, { error: body.why });
      return;
    }
    const verdict = verifyDiscordRequest(
      o.key,
      { signature: req.headers["x-signature-ed25519"], timestamp: req.headers["x-signature-timestamp"] },
      body.raw,
      now(),
    );
    if (!verdict.ok) {
      o.log.warn({ why: verdict.why }, "interaction refused: bad signature");
      send(res, 401, { error: "invalid request signature" });
      return;
    }
    const payload = parsePayload(body.raw);
    if (!payload.ok) {
      o.log.warn({ why: payload.why }, "interaction refused");
      send(res, 400, { error: payload.why });
      return;
    }
    const p = payload.value;
    if (p.type === InteractionType.Ping) {
      send(res, 200, { type: InteractionResponseType.Pong });
      return;
    }
    if (o.stopped()) {
      send(res, 503, { error: "shutting down" });
      return;
    }
    const answer = await o.answers.answer(p);
    if (!answer) {
      send(res, 400, { error: `interaction type ${p.type} is not one Dockhand handles` });
      return;
    }
    res.once("finish", () => answer.after?.());
    send(res, 200, answer.body);
  }
}

function parsePayload(raw: Buffer): { ok: true; value: Payload } | { ok: false; why: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch {
    return { ok: false, why: "body is not JSON" };
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, why: `not an interaction: ${issue?.path.join(".") || "body"} ${issue?.message ?? ""}`.trim() };
  }
  return { ok: true, value: parsed.data };
}
