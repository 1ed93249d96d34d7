import { afterEach, describe, expect, it } from "vitest";
import { DmClosedError, type Member } from "../../../src/core/onboarding/model.ts";
import { notice, reply } from "../../../src/core/reply.ts";
import { type Harness, startHarness } from "../../fakes/slack/harness.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ch = { platform: "slack" as const, workspaceId: "T1", channelId: "C-quiz" };
const member: Member = { platform: "slack", workspaceId: "T1", userId: "U-new", userName: "newbie" };
const card = (text: string) => reply({ header: "Docker quiz", text, visibility: "channel" });

describe("the poster (quiz messages)", () => {
  it("a 429 on chat.postMessage is retried after Retry-After", async () => {
    h = await startHarness({ mode: "socket", graceMs: 10_000 });
    h.standIn.failNext("chat.postMessage", { status: 429, retryAfter: 1 });
    const started = Date.now();
    const ref = await h.adapter.poster.post(ch, card("Which flag publishes a port?"));
    const calls = h.standIn.callsTo("chat.postMessage");
    expect(calls).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(ref).toMatch(/^C-quiz:\d+\.\d+$/);
    expect(calls[1]?.args).toMatchObject({ channel: "C-quiz" });
  });

  it("gives up when Retry-After would pass the grace period, so the scheduler can retry the occurrence", async () => {
    h = await startHarness({ mode: "socket", graceMs: 500 });
    h.standIn.failNext("chat.postMessage", { status: 429, retryAfter: 1 });
    await expect(h.adapter.poster.post(ch, card("Q"))).rejects.toMatchObject({
      code: "slack_webapi_rate_limited_error",
    });
    expect(h.standIn.callsTo("chat.postMessage")).toHaveLength(1);
  });

  it("update edits the posted message by its ref; a burst of updates ends with the newest", async () => {
    h = await startHarness({ mode: "socket" });
    const ref = await h.adapter.poster.post(ch, card("0 answers"));
    const hold = h.standIn.hold("chat.update");
    const updates = [1, 2, 3, 4].map((n) => h?.adapter.poster.update(ch, ref, card(`${n} answers`)));
    await h.standIn.waitForCall("chat.update");
    hold.release();
    await Promise.all(updates);
    const sent = h.standIn.callsTo("chat.update").map((c) => String(c.args.text));
    // The first went out at once; 2 and 3 were superseded while it was in flight; 4 is the last word.
    expect(sent).toEqual([expect.stringContaining("1 answers"), expect.stringContaining("4 answers")]);
    const [channel, ts] = (ref as string).split(":");
    expect(h.standIn.messages.get(`${channel}:${ts}`)?.text).toContain("4 answers");
  });
});

describe("the messenger (onboarding DMs)", () => {
  it("dm opens the conversation and posts in it", async () => {
    h = await startHarness({ mode: "socket" });
    await h.adapter.messenger.dm(member, notice("Hello"));
    expect(h.standIn.callsTo("conversations.open")[0]?.args.users).toBe("U-new");
    expect(h.standIn.callsTo("chat.postMessage")[0]?.args.channel).toBe("D-new");
  });

  it.each(["cannot_dm_bot", "user_not_found", "not_allowed_token_type", "channel_not_found"])(
    "%s becomes DmClosedError",
    async (error) => {
      h = await startHarness({ mode: "socket" });
      h.standIn.failNext(error === "channel_not_found" ? "chat.postMessage" : "conversations.open", { error });
      const err = await h.adapter.messenger.dm(member, notice("Hello")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DmClosedError);
      expect((err as DmClosedError).reason).toBe(error);
    },
  );

  it("other failures stay what they are", async () => {
    h = await startHarness({ mode: "socket" });
    h.standIn.failNext("conversations.open", { error: "internal_error" });
    const err = await h.adapter.messenger.dm(member, notice("Hello")).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(DmClosedError);
  });

  it("notice is an ephemeral message in the channel", async () => {
    h = await startHarness({ mode: "socket" });
    await h.adapter.messenger.notice("C-team", member, notice("Your DMs are closed"));
    expect(h.standIn.callsTo("chat.postEphemeral")[0]?.args).toMatchObject({ channel: "C-team", user: "U-new" });
  });
});

describe("Socket Mode connection", () => {
  it("is ready once Slack says hello, reconnects after a disconnect envelope, and stops cleanly", async () => {
    h = await startHarness({ mode: "socket" });
    expect(h.adapter.ready).toBe(true);
    expect(h.standIn.connections).toEqual({ open: 1, opened: 1 });
    expect(h.standIn.callsTo("apps.connections.open")[0]?.token).toMatch(/^xapp-test-/);

    h.standIn.sendDisconnect();
    await h.standIn.waitFor(() => h?.standIn.connections.opened === 2 && h.adapter.ready, "a reconnect");
    const { responseId } = await h.slash("help");
    await h.standIn.waitForResponses(responseId);

    await h.adapter.stop();
    expect(h.adapter.ready).toBe(false);
    await h.standIn.waitFor(() => h?.standIn.connections.open === 0, "the socket to close");
  });

  it("a wrong app token fails start-up instead of retrying forever", async () => {
    const { startSlack } = await import("../../../src/adapters/slack/lifecycle.ts");
    const { SlackStandIn, BOT_TOKEN } = await import("../../fakes/slack/standin.ts");
    const { silentLogger } = await import("../../../src/core/logger.ts");
    const { makeFixture } = await import("../../core/fixture.ts");
    const standIn = await SlackStandIn.start();
    const f = await makeFixture();
    try {
      await expect(
        startSlack({
          dispatcher: f.dispatcher,
          events: f.store,
          log: silentLogger(),
          clock: f.clock,
          mode: { kind: "socket", botToken: BOT_TOKEN, appToken: "xapp-wrong" },
          apiUrl: standIn.apiUrl,
          webRetries: 0,
          graceMs: 1000,
        }),
      ).rejects.toThrow(/invalid_auth/);
    } finally {
      await standIn.close();
      await f.close();
    }
  });
});
