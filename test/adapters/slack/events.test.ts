import { afterEach, describe, expect, it } from "vitest";
import { type Harness, type Mode, startHarness } from "../../fakes/slack/harness.ts";
import { mentionEvent } from "../../fakes/slack/payloads.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe.each<Mode>(["socket", "http"])("mentions, the message shortcut and retries (%s mode)", (mode) => {
  it("@Dockhand how do I publish a port? is answered in the message's thread", async () => {
    h = await startHarness({ mode });
    const ack = await h.event(mentionEvent({ text: "<@UBOT> how do I publish a port?", ts: "1767600000.100000" }));
    if (ack.mode === "http") expect(ack.status).toBe(200);
    const post = await h.standIn.waitForCall("chat.postMessage");
    expect(post.args).toMatchObject({ channel: "C1", thread_ts: "1767600000.100000" });
    expect(String(post.args.text)).toMatch(/port/i);
  });

  it("a mention inside a thread answers in that thread", async () => {
    h = await startHarness({ mode });
    await h.event(
      mentionEvent({
        text: "what about <@UBOT|dockhand> docker run?",
        ts: "1767600000.200000",
        threadTs: "1767600000.000500",
      }),
    );
    const post = await h.standIn.waitForCall("chat.postMessage");
    expect(post.args.thread_ts).toBe("1767600000.000500");
  });

  it("the Ask Dockhand message shortcut answers the message in its thread", async () => {
    h = await startHarness({ mode });
    const { ack } = await h.shortcut({ text: "how do I publish a port?", messageTs: "1767600000.300000" });
    if (ack.mode === "http") expect(ack).toMatchObject({ status: 200, text: "" });
    const post = await h.standIn.waitForCall("chat.postMessage");
    expect(post.args).toMatchObject({ channel: "C1", thread_ts: "1767600000.300000" });
  });

  it("a retried delivery of the same event_id is handled once", async () => {
    h = await startHarness({ mode });
    const event = mentionEvent({ text: "<@UBOT> docker run", ts: "1767600000.400000", eventId: "Ev0RETRY01" });
    await h.event(event);
    await h.standIn.waitForCall("chat.postMessage");
    const again = await h.event(event, { retry: 1 });
    if (again.mode === "http") expect(again.status).toBe(200); // acked, so Slack stops retrying
    await h.event(event, { retry: 2 });
    await new Promise((r) => setTimeout(r, 100));
    expect(h.standIn.callsTo("chat.postMessage")).toHaveLength(1);
    expect(await h.fixture.store.claimEvent({ platform: "slack", eventId: "Ev0RETRY01", at: new Date() })).toBe(false);
  });
});

describe("the shortcut where the bot cannot post", () => {
  it("falls back to an only-me answer through the shortcut's response_url", async () => {
    h = await startHarness({ mode: "socket" });
    h.standIn.failNext("chat.postMessage", { error: "not_in_channel" });
    const { responseId } = await h.shortcut({
      text: "how do I publish a port?",
      messageTs: "1767600000.500000",
      threadTs: "1767600000.000100",
    });
    const [r] = await h.standIn.waitForResponses(responseId);
    expect(r?.body).toMatchObject({ response_type: "ephemeral", thread_ts: "1767600000.000100" });
  });
});
