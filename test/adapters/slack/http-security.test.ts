import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../fakes/slack/harness.ts";
import { asForm, asJson, mentionEvent, postSigned, slashCommand } from "../../fakes/slack/payloads.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ mode: "http" });
});
afterAll(async () => {
  await h.close();
});

const now = () => Math.floor(Date.now() / 1000);
const command = () => asForm(slashCommand({ text: "docker run", responseUrl: h.standIn.responseUrl("sec") }));

describe("HTTP mode refuses requests Slack did not sign just now", () => {
  it("a forged signature → 401", async () => {
    const r = await postSigned(h.eventsUrl, command(), { secret: "not-the-secret" });
    expect(r.status).toBe(401);
  });

  it("a stale request (ts − 400 s, correctly signed) → 401", async () => {
    const r = await postSigned(h.eventsUrl, command(), { ts: now() - 400 });
    expect(r.status).toBe(401);
  });

  it("a future-dated request (ts + 400 s, correctly signed) → 401, which Bolt alone would accept", async () => {
    const r = await postSigned(h.eventsUrl, command(), { ts: now() + 400 });
    expect(r.status).toBe(401);
    const event = await postSigned(h.eventsUrl, asJson(mentionEvent({ text: "<@UBOT> hi", ts: "1.2" })), {
      ts: now() + 400,
    });
    expect(event.status).toBe(401);
  });

  it("a missing signature → 401; nothing of the above reached the core", async () => {
    const r = await postSigned(h.eventsUrl, command(), { signature: "" });
    expect(r.status).toBe(401);
    await new Promise((res) => setTimeout(res, 50));
    expect(h.standIn.responses).toHaveLength(0);
    expect(h.standIn.callsTo("users.info")).toHaveLength(0);
    expect(h.standIn.callsTo("chat.postMessage")).toHaveLength(0);
  });

  it("small clock skew (ts ± 200 s) is fine", async () => {
    for (const ts of [now() - 200, now() + 200]) {
      const r = await postSigned(h.eventsUrl, command(), { ts });
      expect(r.status).toBe(200);
    }
    await h.standIn.waitForResponses("sec", 2);
  });

  it("answers Slack's url_verification challenge", async () => {
    const r = await postSigned(h.eventsUrl, asJson({ type: "url_verification", token: "x", challenge: "c-123" }));
    expect(r.status).toBe(200);
    expect(r.text).toContain("c-123");
  });
});
