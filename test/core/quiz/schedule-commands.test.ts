import { afterAll, afterEach, describe, expect, it } from "vitest";
import { unmarked } from "../../../src/core/user-text.ts";
import { C1, openWorld, removeTempDirs, user, type World, type WorldOptions } from "../world.ts";

const open: World[] = [];
async function world(o: WorldOptions = {}): Promise<World> {
  const w = await openWorld({ admins: ["U-boss", "slack:U-chief"], ...o });
  open.push(w);
  return w;
}
afterEach(async () => {
  for (const w of open.splice(0)) await w.close();
});
afterAll(removeTempDirs);

const member = user("mia");
const slackAdmin = user("sam", { platformAdmin: true });
const configAdmin = user("boss");

describe("who may schedule the quiz", () => {
  it("refuses a non-admin with the reason and stores nothing", async () => {
    const w = await world();
    const r = await w.dispatcher.text("/docker quiz schedule 09:00", member);
    expect(r.visibility).toBe("ephemeral");
    expect(r.text).toBe(
      "Only admins can schedule the quiz. Ask a workspace admin, or have your user id added to DOCKHAND_ADMINS.",
    );
    expect(await w.store.quiz.listSchedules()).toEqual([]);
    // An admin elsewhere (another workspace's admin flag is per caller) does not make this one an admin.
    const typed = await w.dispatcher.command("quiz", { action: "schedule", time: "09:00" }, member);
    expect(typed.text).toMatch(/^Only admins can schedule the quiz/);
    expect(await w.store.quiz.listSchedules()).toEqual([]);
  });

  it("accepts a platform admin (Slack admin, Discord Manage Server)", async () => {
    const w = await world();
    const r = await w.dispatcher.text("/docker quiz schedule 09:00", slackAdmin);
    expect(r.visibility).toBe("channel");
    expect(r.text).toBe(
      "Daily quiz set for this channel: 09:00 UTC, daily; each question stays open 4h. Next question: Tue, 6 Jan 2026, 09:00 GMT+0.",
    );
    expect(await w.store.quiz.listSchedules()).toEqual([
      {
        ...C1,
        time: "09:00",
        timezone: "UTC",
        days: "daily",
        closeAfterMs: 4 * 3_600_000,
        createdBy: slackAdmin.userId,
        createdAt: new Date("2026-01-05T09:00:00Z"),
      },
    ]);
  });

  it("accepts a user listed in DOCKHAND_ADMINS, by id or by platform:id", async () => {
    const w = await world();
    expect((await w.dispatcher.text("/docker quiz schedule 10:15", configAdmin)).text).toMatch(
      /^Daily quiz set for this channel: 10:15 UTC, daily/,
    );
    expect((await w.dispatcher.text("/docker quiz schedule 11:45", user("chief"))).text).toMatch(
      /^Daily quiz set for this channel: 11:45 UTC, daily/,
    );
    const schedules = await w.store.quiz.listSchedules();
    expect(schedules.map((s) => [s.time, s.createdBy])).toEqual([["11:45", "U-chief"]]);
    // DOCKHAND_ADMINS entries are per platform when prefixed: slack:U-chief is not a Discord admin.
    const onDiscord = user("chief", { platform: "discord", workspaceId: "G1" });
    expect((await w.dispatcher.text("/docker quiz schedule 08:00", onDiscord)).text).toMatch(/^Only admins/);
  });
});

describe("bad schedules are explained and store nothing", () => {
  const cases: Array<[string, RegExp]> = [
    ["25:00", /^"25:00" is not a time\. Use 24-hour HH:MM, e\.g\. 09:30\./],
    ["9", /^"9" is not a time\. Use 24-hour HH:MM, e\.g\. 09:30\. Did you mean 09:00\?/],
    ["noon", /^"noon" is not a time\. Use 24-hour HH:MM/],
    ["24:00", /For midnight, type 00:00\./],
    ["09:00 Europe/Berln", /^Unknown time zone "Europe\/Berln"\. Did you mean Europe\/Berlin\? Use an IANA name/],
    ["09:00 Mars/Olympus", /^Unknown time zone "Mars\/Olympus"\./],
    ["09:00 funday", /^"funday" is not a day\. Use "daily", "weekdays" or days like "mon,wed,fri"\./],
    ["09:00 UTC close after forever", /^"forever" is not a duration\. Use a duration such as "30m", "2h" or "1h30m"\./],
    ["09:00 close after 10d", /^"d" is not a unit I know\./],
    ["09:00 close after 30s", /not a unit I know|between 1 minute and 7 days/],
    ["09:00 close after 9000h", /^A question stays open between 1 minute and 7 days\./],
  ];
  for (const [args, message] of cases) {
    it(`quiz schedule ${args}`, async () => {
      const w = await world();
      const r = await w.dispatcher.text(`/docker quiz schedule ${args}`, slackAdmin);
      expect(r.visibility).toBe("ephemeral");
      expect(unmarked(r.text ?? "")).toMatch(message);
      expect(r.text).not.toMatch(/went wrong/);
      expect(await w.store.quiz.listSchedules()).toEqual([]);
    });
  }

  it("quiz schedule without a time says what to type", async () => {
    const w = await world();
    const r = await w.dispatcher.text("/docker quiz schedule", slackAdmin);
    expect(r.visibility).toBe("ephemeral");
    expect(r.text).toMatch(/^Give a time: `\/docker quiz schedule 09:30/);
    expect(await w.store.quiz.listSchedules()).toEqual([]);
  });

  it("a time-zone abbreviation is refused in favour of an IANA name (typed options, as Discord sends them)", async () => {
    const w = await world();
    const r = await w.dispatcher.command("quiz", { action: "schedule", time: "09:00", timezone: "EST" }, slackAdmin);
    expect(r.visibility).toBe("ephemeral");
    expect(unmarked(r.text ?? "")).toMatch(/^"EST" is an abbreviation, not a time zone name\. Use an IANA name/);
    expect(await w.store.quiz.listSchedules()).toEqual([]);
  });

  // BUG (commands/quiz.ts, parseSchedule): in the free-text form a word counts as the time zone only
  // when it contains "/" or is "UTC", so "EST" (and "GMT", which validateTimezone accepts) is taken
  // for a day: `/docker quiz schedule 09:00 EST` answers '"est" is not a day. Use "daily", ...' instead
  // of the time-zone message. Nothing is stored, but the error talks about the wrong thing.
  it("a time-zone abbreviation typed in Slack or the terminal gets the time-zone message", async () => {
    const w = await world();
    const r = await w.dispatcher.text("/docker quiz schedule 09:00 EST", slackAdmin);
    expect(await w.store.quiz.listSchedules()).toEqual([]);
    expect(r.visibility).toBe("ephemeral");
    expect(unmarked(r.text ?? "")).toMatch(/^"EST" is an abbreviation, not a time zone name\. Use an IANA name/);
  });

  it("a bad schedule leaves an existing one as it was", async () => {
    const w = await world();
    await w.dispatcher.text("/docker quiz schedule 09:30 Europe/Berlin weekdays", slackAdmin);
    const before = await w.store.quiz.listSchedules();
    expect(before).toHaveLength(1);
    await w.dispatcher.text("/docker quiz schedule 07:00 Europe/Berln", slackAdmin);
    await w.dispatcher.text("/docker quiz schedule 07:00 Europe/Berlin funday", slackAdmin);
    await w.dispatcher.text("/docker quiz schedule 07:00 close after forever", slackAdmin);
    await w.dispatcher.text("/docker quiz schedule 07:00", member);
    expect(await w.store.quiz.listSchedules()).toEqual(before);
  });
});

describe("schedule, status and off", () => {
  it("schedule with zone, days and close delay; status shows it and the next post in local time; off removes it", async () => {
    const w = await world();
    // Friday 27 March 2026, 10:00 in Berlin: the next weekday is Monday 30 March, after the switch to summer time.
    w.clock.set("2026-03-27T09:00:00Z");
    const set = await w.dispatcher.text(
      "/docker quiz schedule 09:30 Europe/Berlin weekdays close after 2h",
      configAdmin,
    );
    expect(set.visibility).toBe("channel");
    expect(set.text).toBe(
      "Daily quiz set for this channel: 09:30 Europe/Berlin, weekdays; each question stays open 2h. Next question: Mon, 30 Mar 2026, 09:30 GMT+2.",
    );
    expect(await w.store.quiz.getSchedule(C1)).toMatchObject({
      time: "09:30",
      timezone: "Europe/Berlin",
      days: "weekdays",
      closeAfterMs: 2 * 3_600_000,
      createdBy: configAdmin.userId,
    });

    // Anyone may look at the status.
    const status = await w.dispatcher.text("/docker quiz status", member);
    expect(status.visibility).toBe("ephemeral");
    expect(status.text?.split("\n")).toEqual([
      "Schedule: 09:30 Europe/Berlin, weekdays, open 2h.",
      "Next question: Mon, 30 Mar 2026, 09:30 GMT+2.",
      "No question is open right now: `/docker quiz now` posts one.",
    ]);
    // Without an action, quiz shows the status too.
    expect((await w.dispatcher.text("/docker quiz", member)).text).toBe(status.text);

    // A round posted now uses the schedule's close delay and reports in its zone.
    await w.dispatcher.text("/docker quiz now", member);
    const withRound = await w.dispatcher.text("/docker quiz status", member);
    expect(withRound.text?.split("\n")[2]).toBe("Open now: a question that closes at Fri, 27 Mar 2026, 12:00 GMT+1.");

    // A non-admin cannot turn it off.
    const refused = await w.dispatcher.text("/docker quiz off", member);
    expect(refused.text).toMatch(/^Only admins can turn the quiz off\./);
    expect(await w.store.quiz.listSchedules()).toHaveLength(1);

    const off = await w.dispatcher.text("/docker quiz off", slackAdmin);
    expect(off.visibility).toBe("channel");
    expect(off.text).toMatch(/^The daily quiz is off for this channel\./);
    expect(await w.store.quiz.listSchedules()).toEqual([]);
    const after = await w.dispatcher.text("/docker quiz status", member);
    expect(after.text?.split("\n")[0]).toMatch(/^No schedule in this channel\./);
    expect((await w.dispatcher.text("/docker quiz off", slackAdmin)).text).toMatch(
      /^This channel has no quiz schedule\./,
    );
  });

  it("mon,wed,fri in New York; a new schedule replaces the old one", async () => {
    const w = await world();
    await w.dispatcher.text("/docker quiz schedule 09:00 Europe/Berlin", slackAdmin);
    // Friday 6 March 2026, 08:00 in New York; Monday 9 March is the first day of daylight saving time.
    w.clock.set("2026-03-06T13:00:00Z");
    const set = await w.dispatcher.text(
      "/docker quiz schedule 9:00 America/New_York mon,wed,fri close after 90m",
      slackAdmin,
    );
    expect(set.text).toBe(
      "Daily quiz set for this channel: 09:00 America/New_York, Mon, Wed, Fri; each question stays open 1h30m. Next question: Fri, 6 Mar 2026, 09:00 GMT-5.",
    );
    w.clock.set("2026-03-06T15:00:00Z");
    const status = await w.dispatcher.text("/docker quiz status", member);
    expect(status.text?.split("\n").slice(0, 2)).toEqual([
      "Schedule: 09:00 America/New_York, Mon, Wed, Fri, open 1h30m.",
      "Next question: Mon, 9 Mar 2026, 09:00 GMT-4.",
    ]);
    const schedules = await w.store.quiz.listSchedules();
    expect(schedules.map((s) => [s.time, s.timezone, s.days])).toEqual([["09:00", "America/New_York", "1,3,5"]]);
  });
});
