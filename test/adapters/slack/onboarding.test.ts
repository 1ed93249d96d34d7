import { afterEach, describe, expect, it } from "vitest";
import { buttonIn, type Harness, type Mode, startHarness } from "../../fakes/slack/harness.ts";
import { memberJoinedChannel, teamJoin } from "../../fakes/slack/payloads.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe.each<Mode>(["socket", "http"])("onboarding in direct messages (%s mode)", (mode) => {
  it("/docker onboard opens a DM, posts step 1 there, and a button in the DM shows step 2 in the DM", async () => {
    h = await startHarness({ mode });
    const { standIn } = h;
    const started = await h.slash("onboard");
    const [ok] = await standIn.waitForResponses(started.responseId);
    expect(ok?.body.response_type).toBe("ephemeral");
    expect(String(ok?.body.text)).toMatch(/Welcome aboard! Step 1/);

    const open = await standIn.waitForCall("conversations.open");
    expect(open.args.users).toBe("U1");
    const dm = await standIn.waitForCall("chat.postMessage");
    expect(dm.args.channel).toBe("D1");
    expect(String(dm.args.text)).toMatch(/step 1 of/);
    const ts = [...standIn.messages.values()].find((m) => m.channel === "D1")?.ts;

    const next = buttonIn(dm.args.blocks, "Got it, next");
    const pressed = await h.press(next.actionId, { channel: "D1", messageTs: ts });
    const [step2] = await standIn.waitForResponses(pressed.responseId);
    // In the bot's DM the step stays (in_channel there is private) instead of vanishing on reload.
    expect(step2?.body.response_type).toBe("in_channel");
    expect(String(step2?.body.text)).toMatch(/step 2 of/);
    const enrolment = await h.fixture.store.onboarding.get({ platform: "slack", workspaceId: "T1", userId: "U1" });
    expect(enrolment?.step).toBe(1);
  });
});

describe("onboarding when DMs are closed, and welcomes", () => {
  it("conversations.open refusing (cannot_dm_bot) becomes DmClosedError: the member is told in the channel", async () => {
    h = await startHarness({ mode: "socket", dmClosed: ["U-shy"] });
    const { standIn } = h;
    const { responseId } = await h.slash("onboard", { user: "U-shy", userName: "shy" });
    const [r] = await standIn.waitForResponses(responseId);
    expect(String(r?.body.text)).toMatch(/could not send you a direct message/);
    const notice = await standIn.waitForCall("chat.postEphemeral");
    expect(notice.args).toMatchObject({ channel: "C1", user: "U-shy" });
    expect(standIn.callsTo("chat.postMessage")).toHaveLength(0);
  });

  it("team_join and member_joined_channel reach onMemberJoined with the member (bots and the bot itself skipped)", async () => {
    const joined: { userId: string; userName: string; event: string; channelId?: string }[] = [];
    h = await startHarness({
      mode: "socket",
      onMemberJoined: async (m, where) => {
        joined.push({ userId: m.userId, userName: m.userName, ...where });
      },
    });
    await h.event(teamJoin({ user: "U-new", name: "newbie" }));
    await h.event(teamJoin({ user: "U-robot", name: "robot", isBot: true }));
    await h.event(memberJoinedChannel({ user: "U-dana", channel: "C-team" }));
    await h.event(memberJoinedChannel({ user: "UBOT", channel: "C-team" }));
    await h.standIn.waitFor(() => joined.length >= 2, "two joins");
    await new Promise((r) => setTimeout(r, 50));
    expect(joined).toEqual([
      { userId: "U-new", userName: "newbie", event: "team_join" },
      { userId: "U-dana", userName: "Dana", event: "member_joined_channel", channelId: "C-team" },
    ]);
  });

  it("a welcome wired to onboarding.welcome arrives as a DM with a Start button", async () => {
    // As src/main.ts wires it; `h` is set before any event arrives.
    h = await startHarness({ mode: "http", onMemberJoined: (m) => (h as Harness).fixture.ctx.onboarding.welcome(m) });
    const ack = await h.event(teamJoin({ user: "U-new", name: "newbie" }));
    expect(ack).toMatchObject({ status: 200 });
    const dm = await h.standIn.waitForCall("chat.postMessage");
    expect(dm.args.channel).toBe("D-new");
    expect(() => buttonIn(dm.args.blocks, /Start/)).not.toThrow();
  });
});
