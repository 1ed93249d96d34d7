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
