import { afterEach, describe, expect, it } from "vitest";
import { type Harness, type Mode, startHarness } from "../../fakes/slack/harness.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const blockTypes = (body: Record<string, unknown>) => (body.blocks as { type: string }[]).map((b) => b.type);

describe.each<Mode>(["socket", "http"])("/docker in %s mode", (mode) => {
  it("acknowledges first with no body, then answers on response_url in the channel", async () => {
    h = await startHarness({ mode });
    const hold = h.standIn.hold("users.info");
    const { ack, responseId } = await h.slash("volumes vs bind mounts");
    // The ack came back while the app was still waiting on users.info: it did not wait for the answer.
    expect(h.standIn.responses).toHaveLength(0);
    if (ack.mode === "http") expect(ack).toMatchObject({ status: 200, text: "" });
    else expect(ack.payload).toEqual({});
    hold.release();

    const [answer] = await h.standIn.waitForResponses(responseId);
    expect(answer?.body.response_type).toBe("in_channel");
    expect(typeof answer?.body.text).toBe("string");
    expect(blockTypes(answer?.body ?? {})).toContain("section");
    expect(h.standIn.callsTo("users.info")[0]?.args.user).toBe("U1");
  });

  it("answers only the asker when the Reply says so (help)", async () => {
    h = await startHarness({ mode });
    const { responseId } = await h.slash("help");
    const [answer] = await h.standIn.waitForResponses(responseId);
    expect(answer?.body.response_type).toBe("ephemeral");
    expect(JSON.stringify(answer?.body.blocks)).toContain("quiz");
  });
});

describe("who is asking", () => {
  it("reads admin/owner from users.info once per user, cached for 10 minutes", async () => {
    h = await startHarness({ mode: "socket", admins: ["U-boss"] });
    const first = await h.slash("quiz schedule 09:30 UTC weekdays", { user: "U-boss", userName: "boss" });
    const [set] = await h.standIn.waitForResponses(first.responseId);
    expect(set?.body.response_type).toBe("in_channel");
    expect(String(set?.body.text)).toMatch(/Daily quiz set for this channel: 09:30 UTC/);

    const second = await h.slash("quiz off", { user: "U-boss", userName: "boss" });
    await h.standIn.waitForResponses(second.responseId);
    expect(h.standIn.callsTo("users.info")).toHaveLength(1);

    h.fixture.clock.advance(10 * 60_000 + 1);
    const third = await h.slash("quiz status", { user: "U-boss", userName: "boss" });
    await h.standIn.waitForResponses(third.responseId);
    expect(h.standIn.callsTo("users.info")).toHaveLength(2);
  });

  it("treats a user as a non-admin when users.info fails", async () => {
    h = await startHarness({ mode: "socket", admins: ["U-boss"] });
    h.standIn.failNext("users.info", { error: "internal_error" });
    const { responseId } = await h.slash("quiz schedule 09:30", { user: "U-boss" });
    const [refused] = await h.standIn.waitForResponses(responseId);
    expect(refused?.body.response_type).toBe("ephemeral");
    expect(String(refused?.body.text)).toMatch(/Only admins/);
  });
});
