import { afterEach, expect, it } from "vitest";
import { buttonIn, type Harness, startHarness } from "../../fakes/slack/harness.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it("HTTP mode: a vote is stored before its 200; with the database gone it gets 503 and the presser is told to press again", async () => {
  h = await startHarness({ mode: "http" });
  const asked = await h.slash("cleanup-disk-space");
  const [answer] = await h.standIn.waitForResponses(asked.responseId);
  const down = buttonIn(answer?.body.blocks, /not helpful|👎|down/i).actionId;

  const voted = await h.press(down, { user: "U-voter" });
  expect(voted.ack).toMatchObject({ mode: "http", status: 200 });
  // Stored by the time Slack got its 200, not after.
  expect(await h.fixture.store.gaps(new Date(0), 5)).toEqual([expect.objectContaining({ downvotes: 1 })]);

  await h.fixture.store.close();
  const refused = await h.press(down, { user: "U-other" });
  expect(refused.ack).toMatchObject({ mode: "http", status: 503 });
  const [told] = await h.standIn.waitForResponses(refused.responseId);
  expect(String(told?.body.text)).toMatch(/could not confirm that your press was saved.*press it again/i);
});

it("HTTP mode: a schedule change is stored before its 200; with the database gone the acknowledgement itself says it was not saved", async () => {
  h = await startHarness({ mode: "http", admins: ["U-admin"] });
  const channel = { platform: "slack" as const, workspaceId: "T1", channelId: "C1" };
  const scheduled = await h.slash("quiz schedule 09:30 UTC weekdays", { user: "U-admin" });
  expect(scheduled.ack).toMatchObject({ mode: "http", status: 200, text: "" });
  // Stored by the time Slack got its 200; the confirmation follows through the response_url.
  expect(await h.fixture.store.quiz.getSchedule(channel)).toMatchObject({ time: "09:30", timezone: "UTC" });
  const [confirmed] = await h.standIn.waitForResponses(scheduled.responseId);
  expect(String(confirmed?.body.text)).toMatch(/09:30/);

  // Looking things up changes nothing, so it is acknowledged at once as before.
  const status = await h.slash("quiz status");
  expect(status.ack).toMatchObject({ status: 200, text: "" });

  await h.fixture.store.close();
  const refused = await h.slash("review daily 08:00 UTC", { user: "U-other" });
  expect(refused.ack).toMatchObject({ mode: "http", status: 200 });
  const body = JSON.parse((refused.ack as { text: string }).text) as { text: string; response_type: string };
  expect(body.response_type).toBe("ephemeral");
  expect(body.text).toMatch(/could not save that \(ref [0-9a-f]{8}\).*try again/i);
});

it("HTTP mode: a command whose saving outlasts Slack's 3 seconds is acknowledged as still saving, and its outcome follows", async () => {
  h = await startHarness({ mode: "http" });
  // `quiz now` is done once the question is in the channel; Slack holds the post.
  const held = h.standIn.hold("chat.postMessage");
  const asked = await h.slash("quiz now");
  expect(asked.ack).toMatchObject({ mode: "http", status: 200 });
  expect(JSON.parse((asked.ack as { text: string }).text).text).toMatch(/taking longer.*nothing is confirmed/i);
  expect(h.standIn.responses.filter((r) => r.id === asked.responseId)).toEqual([]);
  held.release();
  const [outcome] = await h.standIn.waitForResponses(asked.responseId, 1, 10_000);
  expect(String(outcome?.body.text)).toMatch(/Quiz question posted/);
});

it("HTTP mode: onboarding's next step is stored before its 200; with the database gone the press gets 503 and a request to press again", async () => {
  h = await startHarness({ mode: "http" });
  const member = { platform: "slack" as const, workspaceId: "T1", userId: "U1" };
  await h.slash("onboard");
  const dm = await h.standIn.waitForCall("chat.postMessage");
  const ts = [...h.standIn.messages.values()].find((m) => m.channel === "D1")?.ts;
  const next = buttonIn(dm.args.blocks, "Got it, next");

  const pressed = await h.press(next.actionId, { channel: "D1", messageTs: ts });
  expect(pressed.ack).toMatchObject({ mode: "http", status: 200 });
  expect((await h.fixture.store.onboarding.get(member))?.step).toBe(1);
  const [step2] = await h.standIn.waitForResponses(pressed.responseId);
  expect(String(step2?.body.text)).toMatch(/step 2 of/);

  await h.fixture.store.close();
  const again = await h.press(next.actionId, { channel: "D1", messageTs: ts });
  expect(again.ack).toMatchObject({ mode: "http", status: 503 });
  const [told] = await h.standIn.waitForResponses(again.responseId);
  expect(String(told?.body.text)).toMatch(/could not confirm that your press was saved.*press it again/i);
});
