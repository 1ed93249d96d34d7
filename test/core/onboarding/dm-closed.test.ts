/**
 * When a member does not accept direct messages (Discord error 50007, closed Slack DMs): the
 * failure is recorded, the member is told once in a channel, and the command says so. Also the
 * welcome DM for new members, on and off.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Caller } from "../../../src/core/command.ts";
import type { Reply } from "../../../src/core/reply.ts";
import { userText } from "../../../src/core/user-text.ts";
import { button, caller, type Fixture, type FixtureOptions, makeFixture } from "../fixture.ts";
import { DmRecorder, dmFailures, memberOf, onBothDatabases, openWorld, removeTempDirs, type World } from "../world.ts";

const alice = caller();
const lead = caller({ userId: "U-admin", userName: "lead" });
const NOT_SENT = "I could not send you a direct message: allow DMs from this app, then type `/docker onboard` again.";
const CLOSED_NOTICE =
  "I tried to send you your onboarding steps by direct message, but your DMs are closed. Allow direct messages from this server or workspace, then type `/docker onboard`.";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});
afterAll(removeTempDirs);

async function fixture(opts: FixtureOptions = {}): Promise<Fixture> {
  const f = await makeFixture(opts);
  open.push(f);
  return f;
}
async function world(...args: Parameters<typeof openWorld>): Promise<World> {
  const w = await openWorld(...args);
  open.push(w);
  return w;
}
const press = (f: { dispatcher: Fixture["dispatcher"] }, r: Reply, label: string, who: Caller) =>
  f.dispatcher.action(button(r, label), who);

describe("a member with closed DMs runs `/docker onboard`", () => {
  it("records each failure, tells them once in the channel, and says so in the reply", async () => {
    const f = await fixture({ dmClosed: ["U1"] });
    for (let i = 0; i < 3; i++) {
      const r = await f.dispatcher.text("/docker onboard", alice);
      expect(r).toMatchObject({ visibility: "ephemeral", text: NOT_SENT });
      f.clock.advance(60_000);
    }
    expect(f.dms.sent).toEqual([]);
    expect(f.dms.notices).toHaveLength(1);
    expect(f.dms.notices[0]).toMatchObject({ channelId: "C1", userId: "U1" });
    expect(f.dms.notices[0]?.reply).toMatchObject({ visibility: "ephemeral", text: CLOSED_NOTICE });

    const rows = await dmFailures(f.store);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row).toMatchObject({
        platform: "slack",
        workspace_id: "T1",
        user_id: "U1",
        reason: "direct messages are closed",
      });
    }
    expect(rows.map((r) => Number(r.notified))).toEqual([1, 0, 0]);
    expect(rows.map((r) => Number(r.at))).toEqual(
      [0, 1, 2].map((i) => Date.parse("2026-01-05T09:00:00Z") + i * 60_000),
    );
    // The enrolment exists: once DMs are open, `onboard` delivers step 1.
    expect(await f.store.onboarding.get({ platform: "slack", workspaceId: "T1", userId: "U1" })).toMatchObject({
      step: 0,
      status: "active",
    });
    f.dms.closed.delete("U1");
    const r = await f.dispatcher.text("/docker onboard", alice);
    expect(r.text).toBe('Welcome back! Step 1 of "Docker basics" is in your direct messages.');
    expect(f.dms.sent).toHaveLength(1);
    expect(f.dms.sent[0]?.reply.header).toMatch(/^Docker basics: step 1 of 18: /);
    expect(f.dms.notices).toHaveLength(1);
  });

  it("another member's closed DMs do not use up this member's notice", async () => {
    const f = await fixture({ dmClosed: ["U1", "U2"] });
    await f.dispatcher.text("/docker onboard", alice);
    await f.dispatcher.text("/docker onboard", caller({ userId: "U2", userName: "bob" }));
    await f.dispatcher.text("/docker onboard", alice);
    expect(f.dms.notices.map((n) => n.userId)).toEqual(["U1", "U2"]);
  });
});

describe("an invitation to a member with closed DMs", () => {
  it("tells the admin, and the member once in the channel, however often it is tried", async () => {
    const f = await fixture({ dmClosed: ["carol"] });
    const r = await f.dispatcher.text("/docker onboard invite @carol", lead);
    expect(r.text).toBe("carol does not accept direct messages; they were told in this channel.");
    expect(f.dms.sent).toEqual([]);
    expect(f.dms.notices).toHaveLength(1);
    expect(f.dms.notices[0]).toMatchObject({ channelId: "C1", userId: "carol" });
    expect(f.dms.notices[0]?.reply.text).toBe(CLOSED_NOTICE);

    await f.dispatcher.text("/docker onboard invite @carol", lead);
    await f.dispatcher.text("/docker onboard", caller({ userId: "carol", userName: "carol" }));
    expect(f.dms.notices).toHaveLength(1);
    const rows = await dmFailures(f.store);
    expect(rows.map((x) => [x.user_id, Number(x.notified)])).toEqual([
      ["carol", 1],
      ["carol", 0],
      ["carol", 0],
    ]);
  });
});

describe("the welcome for a new member", () => {
  const dave = caller({ userId: "U-dave", userName: "dave" });

  it("with welcomes on: a DM with a Start button that starts the track", async () => {
    const w = await world({ welcome: true });
    expect(await w.service.welcome(memberOf(dave), "C-general")).toBe(true);
    expect(w.dms.sent).toHaveLength(1);
    const welcome = w.dms.last("U-dave");
    expect(welcome.header).toBe(`${userText("The team")} invites you to "Docker basics"`);
    expect(welcome.buttons?.map((b) => b.label)).toEqual(["Start"]);
    expect(await w.store.onboarding.get(memberOf(dave))).toBeUndefined();
    const started = await press(w, welcome, "Start", dave);
    expect(started.text).toBe('Welcome aboard! Step 1 of "Docker basics" is in your direct messages.');
    expect(w.dms.last("U-dave").header).toMatch(/^Docker basics: step 1 of 18: /);
    expect(w.dms.notices).toEqual([]);
  });

  it("with welcomes off (the default): nothing is sent or recorded", async () => {
    for (const w of [
      await world({ welcome: false }),
      await world({ dmClosed: ["U-dave"], onboardChannel: "C-team" }),
    ]) {
      expect(await w.service.welcome(memberOf(dave), "C-general")).toBe(false);
      expect(w.dms.sent).toEqual([]);
      expect(w.dms.notices).toEqual([]);
      expect(await dmFailures(w.store)).toEqual([]);
    }
    const f = await fixture();
    expect(await f.ctx.onboarding.welcome(memberOf(dave))).toBe(false);
    expect(f.dms.sent).toEqual([]);
  });

  it("with welcomes on and closed DMs: recorded, one notice in the configured channel", async () => {
    const w = await world({ welcome: true, dmClosed: ["U-dave"], onboardChannel: "C-team" });
    expect(await w.service.welcome(memberOf(dave))).toBe(false);
    expect(await w.service.welcome(memberOf(dave))).toBe(false);
    expect(w.dms.sent).toEqual([]);
    expect(w.dms.notices.map((n) => [n.channelId, n.userId])).toEqual([["C-team", "U-dave"]]);
    expect((await dmFailures(w.store)).map((r) => Number(r.notified))).toEqual([1, 0]);
  });

  it("with welcomes on, closed DMs and no channel anywhere: recorded, nobody is mentioned", async () => {
    const w = await world({ welcome: true, dmClosed: ["U-dave"] });
    expect(await w.service.welcome(memberOf(dave))).toBe(false);
    expect(w.dms.notices).toEqual([]);
    expect(await dmFailures(w.store)).toHaveLength(1);
  });
});

onBothDatabases("closed DMs across two Dockhand instances on one database", (db) => {
  // On PostgreSQL the attempts run at the same time. On SQLite they take turns: two store
  // instances on one file in one process cannot overlap a write with the other's open
  // transaction (better-sqlite3 blocks the thread until busy_timeout; separate processes just
  // wait), so this process-local setup interleaves them instead.
  it("attempts from both instances: every failure recorded, exactly one notice", async () => {
    const storeOptions = await db.fresh();
    const dms = new DmRecorder(["U1"]);
    const a = await world({ storeOptions, dms, name: "a" });
    const b = await world({ storeOptions, dms, name: "b", clock: a.clock });
    const order = [a, b, a, b, b, a];
    const attempt = (w: World) => w.dispatcher.text("/docker onboard", alice);
    const replies: Reply[] = [];
    if (db.dialect === "postgres") replies.push(...(await Promise.all(order.map(attempt))));
    else for (const w of order) replies.push(await attempt(w));
    for (const r of replies) expect(r.text).toBe(NOT_SENT);
    expect(dms.notices).toHaveLength(1);
    expect(dms.notices[0]).toMatchObject({ channelId: "C1", userId: "U1" });
    const rows = await dmFailures(a.store);
    expect(rows).toHaveLength(6);
    expect(rows.filter((r) => Number(r.notified) === 1)).toHaveLength(1);
    expect(await a.store.db.selectFrom("onboard_enrolments").selectAll().execute()).toHaveLength(1);
  });
});
