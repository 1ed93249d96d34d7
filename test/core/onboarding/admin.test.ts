/**
 * The admin side of onboarding through the real Dispatcher and a SQLite store: `onboard team`
 * (refused for members, a correct table for admins, "stalled" on a fake clock) and
 * `onboard invite @user` (a DM with a Start button that starts the track).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Caller } from "../../../src/core/command.ts";
import { LETTERS } from "../../../src/core/quiz/bank.ts";
import type { Reply } from "../../../src/core/reply.ts";
import { userText } from "../../../src/core/user-text.ts";
import type { Store } from "../../../src/store/index.ts";
import { button, caller, type Fixture, type FixtureOptions, makeFixture } from "../fixture.ts";

const DAY = 86_400_000;
const alice = caller();
const bob = caller({ userId: "U2", userName: "bob" });
const carol = caller({ userId: "U3", userName: "carol" });
/** An admin through DOCKHAND_ADMINS (the fixture's default admin list). */
const lead = caller({ userId: "U-admin", userName: "lead" });
/** An admin because the platform says so (Slack admin, Discord Manage Server). */
const owner = caller({ userId: "U-owner", userName: "owner", platformAdmin: true });

const open: Fixture[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
});
async function fixture(opts: FixtureOptions = {}): Promise<Fixture> {
  const f = await makeFixture(opts);
  open.push(f);
  return f;
}

const press = (f: Fixture, r: Reply, label: string, who: Caller) => f.dispatcher.action(button(r, label), who);
const lastDm = (f: Fixture, userId: string): Reply => {
  const mine = f.dms.sent.filter((d) => d.userId === userId);
  const last = mine[mine.length - 1];
  if (!last) throw new Error(`no DM to ${userId}`);
  return last.reply;
};
const member = (c: Caller) => ({ platform: c.platform, workspaceId: c.workspaceId, userId: c.userId });

/** Everything onboarding keeps, to show that a refused command changed nothing. */
async function snapshot(f: Fixture) {
  const tables = async (s: Store) => ({
    enrolments: await s.db.selectFrom("onboard_enrolments").selectAll().orderBy("user_id").execute(),
    steps: await s.db.selectFrom("onboard_steps").selectAll().orderBy("user_id").orderBy("step").execute(),
    failures: await s.db.selectFrom("onboard_dm_failures").selectAll().execute(),
  });
  return {
    ...(await tables(f.store)),
    dms: f.dms.sent.length,
    notices: f.dms.notices.length,
    posts: f.posted.posts.length,
  };
}

/** alice at step 3 with one checkpoint passed; bob at step 1 with one wrong answer; bob acted last. */
async function twoMembers(f: Fixture) {
  const kb = f.ctx.kb;
  const track = kb.tracks.find((t) => t.id === "docker-basics");
  const q = kb.byId.get(track?.steps[0]?.entry ?? "")?.quiz[0];
  if (!q) throw new Error("no question");
  await f.dispatcher.text("/docker onboard", alice);
  const quiz = await press(f, lastDm(f, "U1"), "Quiz me", alice);
  await press(f, quiz, LETTERS[q.answer] as string, alice);
  const s2 = await press(f, lastDm(f, "U1"), "Got it, next", alice);
  const s3 = await press(f, s2, "Got it, next", alice);
  f.clock.advance(60_000);
  await f.dispatcher.text("/docker onboard", bob);
  const bq = await press(f, lastDm(f, "U2"), "Quiz me", bob);
  await press(f, bq, LETTERS[q.answer === 0 ? 1 : 0] as string, bob);
  return { aliceCard: s3 };
}

describe("onboard team", () => {
  it("is refused for members, with a message, and changes nothing", async () => {
    const f = await fixture();
    await twoMembers(f);
    const before = await snapshot(f);
    const refused = await f.dispatcher.text("/docker onboard team", alice);
    expect(refused).toMatchObject({
      visibility: "ephemeral",
      text: "Only admins can see the team's onboarding progress. Ask a workspace admin.",
    });
    expect(refused.bullets).toBeUndefined();
    // The typed form (Discord) is refused the same way.
    const typed = await f.dispatcher.command("onboard", { action: "team" }, bob);
    expect(typed.text).toBe(refused.text);
    expect(await snapshot(f)).toEqual(before);
  });

  it("shows admins every member's step, steps done, checkpoints, last activity and who stalled", async () => {
    const f = await fixture();
    expect((await f.dispatcher.text("/docker onboard team", lead)).text).toBe(
      "Nobody is on an onboarding track yet. `/docker onboard invite @someone` invites a member.",
    );
    const { aliceCard } = await twoMembers(f);
    // carol starts and stops: she left, so she never counts as stalled.
    f.clock.advance(60_000);
    await f.dispatcher.text("/docker onboard", carol);
    await f.dispatcher.text("/docker onboard stop", carol);
    // Someone in another workspace is not on this team's table.
    await f.dispatcher.text("/docker onboard", caller({ workspaceId: "T2", userId: "U9", userName: "zed" }));

    const table = await f.dispatcher.text("/docker onboard team", lead);
    expect(table.header).toBe("Onboarding progress");
    expect(table.visibility).toBe("ephemeral");
    expect(table.bullets).toEqual([
      `${userText("carol")}: step 1/18 · 0 done · checkpoints 0/0 · last active today`,
      `${userText("bob")}: step 1/18 · 0 done · checkpoints 0/1 · last active today`,
      `${userText("alice")}: step 3/18 · 2 done · checkpoints 1/1 · last active today`,
    ]);
    expect(table.context).toBe("Stalled: no progress for 7 days or more.");
    // A platform admin sees the same table.
    expect((await f.dispatcher.text("/docker onboard team", owner)).bullets).toEqual(table.bullets);

    // Six days later alice moves on; nobody has stalled yet.
    f.clock.advance(6 * DAY);
    // A stale button of step 1 is no progress; step 3's is.
    expect((await press(f, lastDm(f, "U1"), "Got it, next", alice)).text).toBe("You are at step 3 already.");
    expect((await press(f, aliceCard, "Got it, next", alice)).header).toMatch(/^Docker basics: step 4 of 18: /);
    expect((await f.dispatcher.text("/docker onboard team", lead)).bullets).toEqual([
      `${userText("alice")}: step 4/18 · 3 done · checkpoints 1/1 · last active today`,
      `${userText("carol")}: step 1/18 · 0 done · checkpoints 0/0 · last active 6 days ago`,
      `${userText("bob")}: step 1/18 · 0 done · checkpoints 0/1 · last active 6 days ago`,
    ]);

    // Eight days after their last activity: bob has stalled, carol stopped, alice is recent.
    f.clock.advance(2 * DAY);
    expect((await f.dispatcher.text("/docker onboard team", lead)).bullets).toEqual([
      `${userText("alice")}: step 4/18 · 3 done · checkpoints 1/1 · last active 2 days ago`,
      `${userText("carol")}: step 1/18 · 0 done · checkpoints 0/0 · last active 8 days ago`,
      `${userText("bob")}: step 1/18 · 0 done · checkpoints 0/1 · last active 8 days ago · ⚠️ stalled`,
    ]);
  });

  it("a finished member shows as finished, never as stalled", async () => {
    const f = await fixture();
    await f.dispatcher.text("/docker onboard", alice);
    let card = lastDm(f, "U1");
    for (let i = 0; i < 18; i++) card = await press(f, card, "Got it, next", alice);
    expect(card.header).toBe('🎉 You finished "Docker basics"');
    f.clock.advance(30 * DAY);
    expect((await f.dispatcher.text("/docker onboard team", lead)).bullets).toEqual([
      `${userText("alice")}: finished · 18 done · checkpoints 0/0 · last active 30 days ago`,
    ]);
  });
});

describe("onboard invite", () => {
  it("an admin's invitation DMs the member a Start button that starts the track", async () => {
    const f = await fixture();
    const sent = await f.dispatcher.text("/docker onboard invite @bob", lead);
    expect(sent).toMatchObject({ visibility: "ephemeral", text: "Invitation sent to bob by direct message." });
    expect(f.dms.sent.map((d) => d.userId)).toEqual(["bob"]);
    const invitation = lastDm(f, "bob");
    expect(invitation.header).toBe(`${userText("lead")} invites you to "Docker basics"`);
    expect(invitation.text).toContain("18 short steps, each with an optional checkpoint question.");
    expect(invitation.buttons?.map((b) => b.label)).toEqual(["Start"]);
    // Inviting enrols nobody: bob decides.
    expect(await f.store.onboarding.get({ platform: "slack", workspaceId: "T1", userId: "bob" })).toBeUndefined();

    const asBob = caller({ userId: "bob", userName: "Bob" });
    const started = await press(f, invitation, "Start", asBob);
    expect(started.text).toBe('Welcome aboard! Step 1 of "Docker basics" is in your direct messages.');
    expect(lastDm(f, "bob").header).toMatch(/^Docker basics: step 1 of 18: /);
    expect(await f.store.onboarding.get(member(asBob))).toMatchObject({
      trackId: "docker-basics",
      step: 0,
      status: "active",
      userName: "Bob",
    });
    // Pressing Start again resumes, it does not start over.
    await press(f, lastDm(f, "bob"), "Got it, next", asBob);
    const again = await press(f, invitation, "Start", asBob);
    expect(again.text).toBe('Welcome back! Step 2 of "Docker basics" is in your direct messages.');
    expect((await f.store.onboarding.get(member(asBob)))?.step).toBe(1);
  });

  it("understands a Slack mention and a named track", async () => {
    const f = await fixture();
    const sent = await f.dispatcher.text("/docker onboard invite <@U2|bob> docker-basics", owner);
    expect(sent.text).toBe("Invitation sent to U2 by direct message.");
    expect(lastDm(f, "U2").header).toBe(`${userText("owner")} invites you to "Docker basics"`);
    const unknown = await f.dispatcher.text("/docker onboard invite @bob nope", lead);
    expect(unknown.text).toBe(
      `There is no track "${userText("nope")}". Tracks: compose-for-developers, docker-basics, docker-in-production. \`/docker onboard tracks\` lists them.`,
    );
    expect(f.dms.sent).toHaveLength(1);
  });

  it("is refused for members, and without a user says how to name one", async () => {
    const f = await fixture();
    const before = await snapshot(f);
    const refused = await f.dispatcher.text("/docker onboard invite @bob", alice);
    expect(refused).toMatchObject({
      visibility: "ephemeral",
      text: "Only admins can invite members to onboarding.",
    });
    expect(await snapshot(f)).toEqual(before);

    const usage = "Name the member to invite: `/docker onboard invite @name [track]`.";
    expect((await f.dispatcher.text("/docker onboard invite", lead)).text).toBe(usage);
    expect((await f.dispatcher.text("/docker onboard invite @", lead)).text).toBe(usage);
    expect((await f.dispatcher.command("onboard", { action: "invite" }, lead)).text).toBe(usage);
    expect(await snapshot(f)).toEqual(before);
  });
});
