import { createPublicKey, type KeyObject, verify } from "node:crypto";

/** The DER header that turns a raw 32-byte Ed25519 public key into an SPKI key node:crypto reads. */
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** Discord dates each request; one further than this from now (either way) is refused as a replay. */
export const MAX_SIGNATURE_AGE_S = 300;

/** DISCORD_PUBLIC_KEY (64 hex characters, from the Developer Portal's General Information) as a key. */
export function discordPublicKey(hex: string): KeyObject {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error("DISCORD_PUBLIC_KEY must be 64 hexadecimal characters");
  return createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(hex, "hex")]),
    format: "der",
    type: "spki",
  });
}

export type Verdict = { ok: true } | { ok: false; why: string };

/**
 * Checks `X-Signature-Ed25519` over `X-Signature-Timestamp` + the raw body, and that the timestamp
 * is within MAX_SIGNATURE_AGE_S of `nowMs`. Discord sends badly signed requests on purpose and drops
 * an endpoint that accepts one.
 */
export function verifyDiscordRequest(
  key: KeyObject,
  headers: { signature: string | string[] | undefined; timestamp: string | string[] | undefined },
  body: Buffer,
  nowMs: number,
): Verdict {
  const { signature, timestamp } = headers;
  if (typeof signature !== "string" || typeof timestamp !== "string")
    return { ok: false, why: "signature headers missing" };
  if (!/^[0-9a-f]{128}$/i.test(signature)) return { ok: false, why: "signature is not 64 bytes of hex" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, why: "timestamp is not a number of seconds" };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SIGNATURE_AGE_S)
    return { ok: false, why: "timestamp outside ±5 minutes" };
  const signed = Buffer.concat([Buffer.from(timestamp, "utf8"), body]);
  const good = verify(null, signed, key, Buffer.from(signature, "hex"));
  return good ? { ok: true } : { ok: false, why: "signature does not match" };
}
