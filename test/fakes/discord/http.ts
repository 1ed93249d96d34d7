import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import type { APIInteraction } from "discord-api-types/v10";
import type { DiscordStandin, RecordedRequest } from "./standin.ts";

/**
 * Discord's side of HTTP interactions: signs each request with an Ed25519 key of its own (as the
 * Developer Portal's application key pair) and POSTs it to the app's Interactions Endpoint URL.
 * `interact` also tells the stand-in about the interaction and hands it the HTTP response as the
 * callback, so follow-ups and edits of @original work as with Discord.
 */
export class InteractionsClient {
  readonly privateKey: KeyObject;
  /** The raw public key, hex: the value of DISCORD_PUBLIC_KEY. */
  readonly publicKeyHex: string;

  /** http://127.0.0.1:PORT/discord/interactions, once the app listens. */
  url = "";

  /** The stand-in that plays Discord's REST side (may be attached after the key is made). */
  constructor(public standin?: DiscordStandin) {
    const pair = generateKeyPairSync("ed25519");
    this.privateKey = pair.privateKey;
    // The SPKI encoding ends with the 32 bytes Discord shows as the public key.
    this.publicKeyHex = pair.publicKey.export({ type: "spki", format: "der" }).subarray(-32).toString("hex");
  }

  /** The two signature headers for this body, signed now (or at `timestamp`) with `key`. */
  headers(body: string | Buffer, o: { timestamp?: number; key?: KeyObject } = {}): Record<string, string> {
    const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = sign(null, Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), o.key ?? this.privateKey);
    return { "x-signature-ed25519": signature.toString("hex"), "x-signature-timestamp": timestamp };
  }

  /** A raw POST: whatever body and headers the test wants. */
  async post(
    body: string | Buffer,
    headers: Record<string, string>,
  ): Promise<{ status: number; text: string; json: () => unknown }> {
    const res = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : new Uint8Array(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) };
  }

  /** POSTs a correctly signed interaction; a 200 answer is handed to the stand-in as its callback. */
  async interact(payload: APIInteraction): Promise<{
    status: number;
    // biome-ignore lint/suspicious/noExplicitAny: the response body as Dockhand sent it; tests read it freely.
    body: any;
    callback: RecordedRequest | undefined;
  }> {
    const standin = this.standin;
    if (!standin) throw new Error("InteractionsClient: no stand-in attached");
    standin.expectHttp(payload);
    const raw = JSON.stringify(payload);
    const res = await this.post(raw, this.headers(raw));
    if (res.status !== 200) return { status: res.status, body: res.text, callback: undefined };
    const body = res.json();
    return { status: res.status, body, callback: standin.httpResponse(payload, body) };
  }
}
