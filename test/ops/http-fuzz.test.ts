import { request } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signature } from "../fakes/slack/payloads.ts";
import { BOT_TOKEN, SIGNING_SECRET, SlackStandIn } from "../fakes/slack/standin.ts";
import { type Running, startDockhand } from "./dockhand-process.ts";

/**
 * Random requests against the real process in Slack HTTP mode: methods, paths, headers and bodies,
 * signed and unsigned. Every request must get a status code, and the process must still answer
 * /healthz afterwards. Bounded in count, so it runs in a few seconds.
 */
const cleanups: (() => Promise<void> | void)[] = [];
let d: Running;
beforeAll(async () => {
  const standIn = await SlackStandIn.start();
  cleanups.push(() => standIn.close());
  d = await startDockhand(
    { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: standIn.apiUrl },
    cleanups,
  );
}, 40_000);
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Req {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string;
  sign: "none" | "good" | "bad" | "stale" | "future";
  extra: [string, string][];
}

const path = fc.oneof(
  fc.constantFrom(
    "/",
    "/slack/events",
    "/slack/events/",
    "/healthz",
    "/healthz/",
    "/readyz",
    "/metrics",
    "/x",
    "//slack/events",
    "/slack/events?x=1",
    "/%2e%2e/",
    "/slack/%65vents",
  ),
  fc.webPath(),
);
const jsonish = fc.oneof(
  fc.json(),
  fc.constantFrom(
    "null",
    "[]",
    "{}",
    '{"type":"url_verification","challenge":"x"}',
    '{"type":"event_callback"}',
    '{"ssl_check":"1"}',
    '{"type":"block_actions","actions":null}',
    '{"command":"/docker"}',
  ),
);
const formish = fc.oneof(
  jsonish.map((j) => `payload=${encodeURIComponent(j)}`),
  fc.constantFrom(
    "ssl_check=1",
    "command=%2Fdocker&text=help",
    "command=%2Fdocker",
    "payload=",
    "a=1&a=2",
    "payload=1&payload=2",
    "text=%00%FF",
  ),
  fc.string(),
);
const req: fc.Arbitrary<Req> = fc.record({
  method: fc.constantFrom("GET", "POST", "POST", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"),
  path,
  contentType: fc.constantFrom(
    undefined,
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "application/x-www-form-urlencoded; charset=utf-8",
    "multipart/form-data",
  ),
  body: fc.oneof(jsonish, formish, fc.string({ unit: "binary", maxLength: 300 })),
  sign: fc.constantFrom("none", "good", "good", "bad", "stale", "future"),
  extra: fc.array(
    fc.tuple(
      fc.constantFrom(
        "x-slack-retry-num",
        "x-slack-retry-reason",
        "x-slack-request-timestamp",
        "transfer-encoding",
        "x-forwarded-for",
        "accept",
      ),
      fc.string({ maxLength: 20 }).filter((v) => /^[\x20-\x7e]*$/.test(v)),
    ),
    { maxLength: 2 },
  ),
});

/** Sends one request with node:http (fetch refuses bodies on GET and some headers). */
function send(r: Req, port: number): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const ts = r.sign === "stale" ? now - 3600 : r.sign === "future" ? now + 3600 : now;
  const headers: Record<string, string> = {};
  for (const [k, v] of r.extra) if (k !== "transfer-encoding") headers[k] = v;
  if (r.contentType) headers["content-type"] = r.contentType;
  if (r.sign !== "none") {
    headers["x-slack-request-timestamp"] = String(ts);
    headers["x-slack-signature"] = r.sign === "bad" ? "v0=deadbeef" : signature(r.body, ts, SIGNING_SECRET);
  }
  const body = r.method === "GET" || r.method === "HEAD" ? "" : r.body;
  headers["content-length"] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const out = request({ host: "127.0.0.1", port, method: r.method, path: r.path, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    out.setTimeout(10_000, () => out.destroy(new Error("no answer within 10 s")));
    out.on("error", reject);
    out.end(body);
  });
}

describe("the HTTP surface under random requests (Slack HTTP mode)", () => {
  it("answers every request with a status code and still answers /healthz", async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(req, async (r) => {
        const status = await send(r, d.port);
        seen.set(status, (seen.get(status) ?? 0) + 1);
        expect(status).toBeGreaterThanOrEqual(200);
        expect(status).toBeLessThan(600);
        expect(d.child.exitCode).toBeNull();
      }),
      { numRuns: 250, interruptAfterTimeLimit: 20_000 },
    );
    const health = await fetch(`http://127.0.0.1:${d.port}/healthz`);
    expect(health.status).toBe(200);
    expect(d.child.exitCode).toBeNull();
    // The run reached the platform endpoint, refusals and real handling, not only 404s.
    expect([...seen.keys()].filter((s) => s !== 404).length).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
