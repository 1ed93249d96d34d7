import { afterEach, expect, it } from "vitest";
import { buttonIn, type Harness, startHarness } from "../../fakes/slack/harness.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it("a quiz round end to end: schedule → chat.postMessage → three answers → counts → reveal by chat.update", async () => {
  h = await startHarness({ mode: "socket", admins: ["U-boss"] });
  const { fixture, standIn } = h;
  const { store, clock } = fixture;
  const _quiz = fixture.ctx.quiz;

  // An admin (is_admin in users.info) schedules the quiz for this channel.
  const set = await h.slash("quiz schedule 09:30 UTC daily close after 1h", { user: "U-boss", userName: "boss" });
  const [confirm] = await standIn.waitForResponses(set.responseId);
  expect(confirm?.body.response_type).toBe("in_channel");

  const scheduler = fixture.scheduler("test", { graceMs: 3_600_000 });
  await scheduler.tick(); // 09:00: nothing due yet
  expect(standIn.callsTo("chat.postMessage")).toHaveLength(0);

  clock.set("2026-01-05T09:30:00Z");
  await scheduler.tick();
  const post = await standIn.waitForCall("chat.postMessage");
  expect(post.args.channel).toBe("C1");
  expect(post.token).toMatch(/^xoxb-test-/);
  const ts = (await standIn.waitFor(() => [...standIn.messages.values()][0], "the posted question")).ts;
  const round = await store.quiz.openRoundIn({ platform: "slack", workspaceId: "T1", channelId: "C1" });
  expect(round?.messageRef).toBe(`C1:${ts}`);

  // Three people answer; each gets an only-me confirmation and the count on the question goes up.
  for (const [i, user] of ["U-ann", "U-bob", "U-cy"].entries()) {
    const choice = buttonIn(post.args.blocks, ["A", "B", "C"][i] as string);
    const { responseId } = await h.press(choice.actionId, { user, userName: user.slice(2), messageTs: ts });
    const [locked] = await standIn.waitForResponses(responseId);
    expect(locked?.body.response_type).toBe("ephemeral");
    expect(String(locked?.body.text)).toMatch(/Locked in/);
    const update = await standIn.waitForCall("chat.update", i + 1);
    expect(update.args).toMatchObject({ channel: "C1", ts });
    expect(String(update.args.text)).toContain(`${i + 1} ${i === 0 ? "answer" : "answers"} so far`);
  }
  // A second click by the same person does not count.
  const again = await h.press(buttonIn(post.args.blocks, "B").actionId, { user: "U-ann", messageTs: ts });
  const [already] = await standIn.waitForResponses(again.responseId);
  expect(String(already?.body.text)).toMatch(/already answered/);
  expect(standIn.callsTo("chat.update")).toHaveLength(3);

  clock.set("2026-01-05T10:30:00Z");
  await scheduler.tick();
  const reveal = await standIn.waitForCall("chat.update", 4);
  expect(reveal.args).toMatchObject({ channel: "C1", ts });
  expect(String(reveal.args.text)).toMatch(/^Quiz answer: /);
  expect(String(reveal.args.text)).toContain("3 answers.");
  expect(standIn.messages.get(`C1:${ts}`)?.text).toMatch(/^Quiz answer: /);
  expect(standIn.callsTo("chat.postMessage")).toHaveLength(1);
  await scheduler.stop();
});
