import { afterEach, describe, expect, it } from "vitest";
import { buttonIn, type Harness, type Mode, startHarness } from "../../fakes/slack/harness.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe.each<Mode>(["socket", "http"])("buttons (block_actions) in %s mode", (mode) => {
  it("Show more opens the pages for the presser; Next replaces that message in place", async () => {
    h = await startHarness({ mode });
    const asked = await h.slash("cleanup-disk-space");
    const [answer] = await h.standIn.waitForResponses(asked.responseId);
    expect(answer?.body.response_type).toBe("in_channel");

    const more = await h.press(buttonIn(answer?.body.blocks, "Show more").actionId);
    if (more.ack.mode === "http") expect(more.ack).toMatchObject({ status: 200, text: "" });
    const [page1] = await h.standIn.waitForResponses(more.responseId);
    expect(page1?.body).toMatchObject({ response_type: "ephemeral", replace_original: false });
    const total = Number(/\(1\/(\d+)\)/.exec(String(page1?.body.text))?.[1]);
    expect(total).toBeGreaterThanOrEqual(3);

    const next = await h.press(buttonIn(page1?.body.blocks, /^Next/).actionId, { ephemeral: true });
    const [page2] = await h.standIn.waitForResponses(next.responseId);
    expect(page2?.body.replace_original).toBe(true);
    expect(page2?.body.response_type).toBeUndefined();
    expect(String(page2?.body.text)).toContain(`(2/${total})`);
    expect(() => buttonIn(page2?.body.blocks, /Previous/)).not.toThrow();
  });

  it("a garbled or forged action id gets the polite expiry notice", async () => {
    h = await startHarness({ mode });
    const { responseId } = await h.press("v1|entry|../../etc/passwd");
    const [r] = await h.standIn.waitForResponses(responseId);
    expect(r?.body.response_type).toBe("ephemeral");
    expect(String(r?.body.text)).toMatch(/expired/);
  });
});

describe("where the action id is read from", () => {
  it("takes the value when action_id is not an action id (a renderer's per-message unique id)", async () => {
    h = await startHarness({ mode: "socket" });
    const { responseId } = await h.press("btn-3", { value: "v1|entry|docker-run" });
    const [r] = await h.standIn.waitForResponses(responseId);
    expect(r?.body.response_type).toBe("ephemeral");
    expect(String(r?.body.text)).not.toMatch(/expired/);
  });
});
