import { afterAll, describe, expect, it } from "vitest";
import type { OnboardingUser } from "../../src/core/onboarding/model.ts";
import type { OnboardingRepo as OnboardingStore } from "../../src/core/onboarding/repo.ts";
import { type OpenStoreOptions, openStore, type Store } from "../../src/store/index.ts";
import { postgresTarget, sqliteTarget, type Target } from "./targets.ts";

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const DAY = 24 * 60;

const U1: OnboardingUser = { platform: "slack", workspaceId: "T1", userId: "U1" };
const U2: OnboardingUser = { platform: "slack", workspaceId: "T1", userId: "U2" };
const U3: OnboardingUser = { platform: "slack", workspaceId: "T1", userId: "U3" };
const OTHER_WS: OnboardingUser = { platform: "slack", workspaceId: "T2", userId: "U1" };
const DISCORD: OnboardingUser = { platform: "discord", workspaceId: "G1", userId: "U1" };

const enrolOf = (name: string, trackId: string, minutes: number) => ({ userName: name, trackId, at: at(minutes) });

function onboardingSuite(name: string, target: Target): void {
  describe(`onboarding store: ${name}`, () => {
    const open: Store[] = [];
    const openTracked = async (options: OpenStoreOptions) => {
      const store = await openStore(options);
      open.push(store);
      return store;
    };
    const fresh = async (): Promise<OnboardingStore> => (await openTracked(await target.fresh())).onboarding;

    afterAll(async () => {
      for (const store of open) await store.close();
      await target.cleanup();
    });

    it("finds the server of a member's most recent enrolment (for Discord DMs, which carry none)", async () => {
      const ob = await fresh();
      expect(await ob.latestWorkspace("discord", "U1")).toBeUndefined();
      await ob.enrol(DISCORD, enrolOf("Ann", "basics", 0));
      await ob.enrol({ ...DISCORD, workspaceId: "G2" }, enrolOf("Ann", "basics", 5));
      await ob.enrol(U1, enrolOf("Ann", "basics", 9)); // Slack: another platform
      expect(await ob.latestWorkspace("discord", "U1")).toBe("G2");
      await ob.advance(DISCORD, "basics", 0, at(10)); // the member moves on in G1
      expect(await ob.latestWorkspace("discord", "U1")).toBe("G1");
      expect(await ob.latestWorkspace("discord", "U9")).toBeUndefined();
    });

    it("enrols, resumes, refuses another track, and restarts a finished one only on request", async () => {
      const ob = await fresh();
      expect(await ob.get(U1)).toBeUndefined();

      const first = await ob.enrol(U1, enrolOf("Ann", "basics", 0));
      expect(first).toEqual({
        created: true,
        enrolment: {
          ...U1,
          userName: "Ann",
          trackId: "basics",
          step: 0,
          status: "active",
          pace: "self",
          dripTime: null,
          dripTimezone: null,
          paceSetAt: null,
          startedAt: at(0),
          lastActivityAt: at(0),
          finishedAt: null,
        },
      });
      expect(await ob.get(U1)).toEqual(first.enrolment);

      // enrolling again while active: same enrolment, not created, activity noted
      const again = await ob.enrol(U1, enrolOf("Ann", "basics", 1));
      expect(again).toEqual({ created: false, enrolment: { ...first.enrolment, lastActivityAt: at(1) } });

      expect(await ob.markDelivered(U1, "basics", 0, at(1))).toBe(true);
      expect(await ob.advance(U1, "basics", 0, at(2))).toBe(true);
      expect(await ob.markDelivered(U1, "basics", 1, at(2))).toBe(true);

      // stop, then enrol resumes with progress kept
      expect(await ob.setStatus(U1, "stopped", at(3))).toBe(true);
      expect(await ob.setStatus(U1, "stopped", at(3))).toBe(false);
      expect((await ob.get(U1))?.status).toBe("stopped");
      const resumed = await ob.enrol(U1, enrolOf("Ann B.", "basics", 4));
      expect(resumed).toMatchObject({ created: false, resumed: true });
      expect(resumed.enrolment).toMatchObject({
        status: "active",
        step: 1,
        userName: "Ann B.",
        startedAt: at(0),
        lastActivityAt: at(4),
      });

      // paused resumes too
      expect(await ob.setStatus(U1, "paused", at(5))).toBe(true);
      expect(await ob.enrol(U1, enrolOf("Ann B.", "basics", 6))).toMatchObject({
        created: false,
        resumed: true,
        enrolment: { status: "active", step: 1 },
      });

      // another, unfinished track: refused, nothing changes
      const before = await ob.get(U1);
      const other = await ob.enrol(U1, enrolOf("Ann B.", "advanced", 7));
      expect(other).toEqual({ created: false, otherTrack: true, enrolment: before });
      expect(await ob.get(U1)).toEqual(before);
      expect(await ob.summary(U1, "basics")).toMatchObject({ stepsDone: 1 });

      // finished: enrolling on the same track does nothing without restart
      expect(await ob.advance(U1, "basics", 1, at(8))).toBe(true);
      expect(await ob.finish(U1, "basics", at(8))).toBe(true);
      expect(await ob.finish(U1, "basics", at(9))).toBe(false);
      const finished = await ob.get(U1);
      expect(finished).toMatchObject({ status: "finished", step: 2, finishedAt: at(8), lastActivityAt: at(8) });
      expect(await ob.setStatus(U1, "active", at(9))).toBe(false);
      expect(await ob.enrol(U1, enrolOf("Ann B.", "basics", 9))).toEqual({ created: false, enrolment: finished });
      expect(await ob.summary(U1, "basics")).toMatchObject({ stepsDone: 2 });

      // restart: step 0, steps cleared, delivered again
      const restarted = await ob.enrol(U1, { ...enrolOf("Ann B.", "basics", 10), restart: true });
      expect(restarted).toMatchObject({ created: true, restarted: true });
      expect(restarted.enrolment).toMatchObject({
        step: 0,
        status: "active",
        startedAt: at(10),
        lastActivityAt: at(10),
        finishedAt: null,
      });
      expect(await ob.summary(U1, "basics")).toMatchObject({ stepsDone: 0 });
      expect(await ob.markDelivered(U1, "basics", 0, at(10))).toBe(true);

      // a finished enrolment on another track is replaced by the new track
      expect(await ob.finish(U1, "basics", at(11))).toBe(true);
      const next = await ob.enrol(U1, enrolOf("Ann B.", "advanced", 12));
      expect(next).toEqual({ created: true, enrolment: expect.objectContaining({ trackId: "advanced", step: 0 }) });
      expect(next.restarted).toBeUndefined();

      // members are separate per platform and workspace
      expect((await ob.enrol(OTHER_WS, enrolOf("Ann", "basics", 13))).created).toBe(true);
      expect((await ob.enrol(DISCORD, enrolOf("Ann", "basics", 13))).created).toBe(true);
      expect((await ob.get(U1))?.trackId).toBe("advanced");
    });

    it("switches an unfinished track only with switchTrack", async () => {
      const ob = await fresh();
      await ob.enrol(U1, enrolOf("Ann", "basics", 0));
      await ob.advance(U1, "basics", 0, at(1));
      await ob.recordCheckpoint(U1, "advanced", 3, true, at(1)); // a stale record of the other track
      expect((await ob.enrol(U1, enrolOf("Ann", "advanced", 2))).otherTrack).toBe(true);
      const switched = await ob.enrol(U1, { ...enrolOf("Ann", "advanced", 3), switchTrack: true });
      expect(switched).toMatchObject({ created: true, enrolment: { trackId: "advanced", step: 0, status: "active" } });
      expect(await ob.summary(U1, "advanced")).toMatchObject({ checkpointsPassed: 0, attempts: 0 });
      // the same track is resumed, not restarted, even with switchTrack
      await ob.advance(U1, "advanced", 0, at(4));
      expect(await ob.enrol(U1, { ...enrolOf("Ann", "advanced", 5), switchTrack: true })).toMatchObject({
        created: false,
        enrolment: { step: 1 },
      });
    });

    it("creates one enrolment when a member enrols many times at once", async () => {
      const options = await target.fresh();
      const [a, b] = [await openTracked(options), await openTracked(options)];
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).onboarding.enrol(U1, enrolOf("Ann", "basics", 0))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results.every((r) => r.enrolment.trackId === "basics" && r.enrolment.step === 0)).toBe(true);
    });

    it("keeps progress when the store is closed and opened again", async () => {
      const options = await target.fresh();
      const first = await openStore(options);
      await first.onboarding.enrol(U1, enrolOf("Ann", "basics", 0));
      await first.onboarding.markDelivered(U1, "basics", 0, at(0));
      await first.onboarding.recordCheckpoint(U1, "basics", 0, true, at(1));
      await first.onboarding.advance(U1, "basics", 0, at(2));
      await first.onboarding.markDelivered(U1, "basics", 1, at(2));
      await first.onboarding.setPace(U1, { pace: "drip", time: "09:30", timezone: "Europe/Berlin", at: at(3) });
      await first.onboarding.setStatus(U1, "paused", at(4));
      await first.close();

      const second = await openTracked(options);
      expect(await second.onboarding.get(U1)).toEqual({
        ...U1,
        userName: "Ann",
        trackId: "basics",
        step: 1,
        status: "paused",
        pace: "drip",
        dripTime: "09:30",
        dripTimezone: "Europe/Berlin",
        paceSetAt: at(3),
        startedAt: at(0),
        lastActivityAt: at(4),
        finishedAt: null,
      });
      expect(await second.onboarding.summary(U1, "basics")).toEqual({
        stepsDone: 1,
        checkpointsPassed: 1,
        passedFirstTry: 1,
        checkpointsAttempted: 1,
        attempts: 1,
      });
      // step 1 was delivered before the restart; not again
      expect(await second.onboarding.markDelivered(U1, "basics", 1, at(5))).toBe(false);
      expect((await second.onboarding.enrol(U1, enrolOf("Ann", "basics", 6))).enrolment).toMatchObject({
        step: 1,
        status: "active",
      });
    });

    it("advances once when the same step is confirmed concurrently", async () => {
      const options = await target.fresh();
      const [a, b] = [await openTracked(options), await openTracked(options)];
      await a.onboarding.enrol(U1, enrolOf("Ann", "basics", 0));
      await a.onboarding.markDelivered(U1, "basics", 0, at(0));

      const double = await Promise.all([
        a.onboarding.advance(U1, "basics", 0, at(1)),
        a.onboarding.advance(U1, "basics", 0, at(1)),
      ]);
      expect(double.filter(Boolean)).toHaveLength(1);
      expect((await a.onboarding.get(U1))?.step).toBe(1);

      const many = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).onboarding.advance(U1, "basics", 1, at(2))),
      );
      expect(many.filter(Boolean)).toHaveLength(1);
      expect(await b.onboarding.get(U1)).toMatchObject({ step: 2, lastActivityAt: at(2) });
      expect(await a.onboarding.summary(U1, "basics")).toMatchObject({ stepsDone: 2 });

      // stale buttons, other tracks and inactive enrolments do not advance
      expect(await a.onboarding.advance(U1, "basics", 0, at(3))).toBe(false);
      expect(await a.onboarding.advance(U1, "advanced", 2, at(3))).toBe(false);
      expect(await a.onboarding.advance(U2, "basics", 0, at(3))).toBe(false);
      await a.onboarding.setStatus(U1, "paused", at(3));
      expect(await a.onboarding.advance(U1, "basics", 2, at(4))).toBe(false);
      await a.onboarding.setStatus(U1, "active", at(5));
      expect(await a.onboarding.advance(U1, "basics", 2, at(6))).toBe(true);
      await expect(a.onboarding.advance(U1, "basics", -1, at(6))).rejects.toThrow(TypeError);
    });

    it("marks a step delivered exactly once under concurrent calls from two stores", async () => {
      const options = await target.fresh();
      const [a, b] = [await openTracked(options), await openTracked(options)];
      await a.onboarding.enrol(U1, enrolOf("Ann", "basics", 0));
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).onboarding.markDelivered(U1, "basics", 0, at(i))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await a.onboarding.markDelivered(U1, "basics", 0, at(20))).toBe(false);
      // another step, track or member is separate
      expect(await b.onboarding.markDelivered(U1, "basics", 1, at(20))).toBe(true);
      expect(await b.onboarding.markDelivered(U1, "advanced", 0, at(20))).toBe(true);
      expect(await b.onboarding.markDelivered(U2, "basics", 0, at(20))).toBe(true);
      const rows = await a.db
        .selectFrom("onboard_steps")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("user_id", "=", "U1")
        .where("track_id", "=", "basics")
        .where("step", "=", 0)
        .executeTakeFirst();
      expect(Number(rows?.n)).toBe(1);
    });

    it("scores checkpoints: first try only when the first answer is right, and passed stays passed", async () => {
      const ob = await fresh();
      await ob.enrol(U1, enrolOf("Ann", "basics", 0));
      await ob.markDelivered(U1, "basics", 0, at(0));
      await ob.markDelivered(U1, "basics", 1, at(0));
      expect(await ob.checkpointAttempts(U1, "basics", 0)).toBe(0);

      // wrong, then right: passed, not on the first try
      expect(await ob.recordCheckpoint(U1, "basics", 0, false, at(1))).toEqual({
        attempts: 1,
        passed: false,
        firstTry: false,
      });
      expect(await ob.recordCheckpoint(U1, "basics", 0, true, at(2))).toEqual({
        attempts: 2,
        passed: true,
        firstTry: false,
      });
      // wrong after passing: still passed
      expect(await ob.recordCheckpoint(U1, "basics", 0, false, at(3))).toEqual({
        attempts: 3,
        passed: true,
        firstTry: false,
      });
      expect(await ob.checkpointAttempts(U1, "basics", 0)).toBe(3);

      // right the first time
      expect(await ob.recordCheckpoint(U1, "basics", 1, true, at(4))).toEqual({
        attempts: 1,
        passed: true,
        firstTry: true,
      });
      expect(await ob.recordCheckpoint(U1, "basics", 1, false, at(5))).toEqual({
        attempts: 2,
        passed: true,
        firstTry: true,
      });
      // a checkpoint on a step not marked delivered is recorded too
      expect(await ob.recordCheckpoint(U1, "basics", 2, true, at(6))).toEqual({
        attempts: 1,
        passed: true,
        firstTry: true,
      });
      expect((await ob.get(U1))?.lastActivityAt).toEqual(at(6));

      // concurrent answers all count; at most one can be the first
      const burst = await Promise.all(
        Array.from({ length: 6 }, (_, i) => ob.recordCheckpoint(U1, "basics", 3, i % 2 === 0, at(7))),
      );
      expect(burst.map((r) => r.attempts).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await ob.checkpointAttempts(U1, "basics", 3)).toBe(6);

      expect(await ob.summary(U1, "basics")).toEqual({
        stepsDone: 0,
        checkpointsPassed: 4,
        passedFirstTry: 2 + (burst.find((r) => r.attempts === 1)?.firstTry ? 1 : 0),
        checkpointsAttempted: 4,
        attempts: 3 + 2 + 1 + 6,
      });
    });

    it("reports a member's summary and the team's figures", async () => {
      const ob = await fresh();
      // U1: two steps done, checkpoints: step 0 first try, step 1 after a miss
      await ob.enrol(U1, enrolOf("Ann", "basics", 0));
      await ob.recordCheckpoint(U1, "basics", 0, true, at(1));
      await ob.advance(U1, "basics", 0, at(2));
      await ob.recordCheckpoint(U1, "basics", 1, false, at(3));
      await ob.recordCheckpoint(U1, "basics", 1, true, at(4));
      await ob.advance(U1, "basics", 1, at(5));
      // U2: one step done, one failed checkpoint, then paused; the latest activity
      await ob.enrol(U2, enrolOf("Bob", "basics", 1));
      await ob.advance(U2, "basics", 0, at(2));
      await ob.recordCheckpoint(U2, "basics", 1, false, at(6));
      await ob.setStatus(U2, "paused", at(10));
      // U3: just started, on another track; the least recent
      await ob.enrol(U3, enrolOf("Cid", "advanced", 0));
      // old records on a track U3 is not on do not count for the team
      await ob.recordCheckpoint(U3, "basics", 0, true, at(0));
      // another workspace is separate
      await ob.enrol(OTHER_WS, enrolOf("Ann", "basics", 20));

      expect(await ob.summary(U1, "basics")).toEqual({
        stepsDone: 2,
        checkpointsPassed: 2,
        passedFirstTry: 1,
        checkpointsAttempted: 2,
        attempts: 3,
      });
      expect(await ob.summary(U1, "advanced")).toEqual({
        stepsDone: 0,
        checkpointsPassed: 0,
        passedFirstTry: 0,
        checkpointsAttempted: 0,
        attempts: 0,
      });

      expect(await ob.team("slack", "T1")).toEqual([
        {
          userId: "U2",
          userName: "Bob",
          trackId: "basics",
          step: 1,
          stepsDone: 1,
          checkpointsPassed: 0,
          checkpointsAttempted: 1,
          status: "paused",
          lastActivityAt: at(10),
          startedAt: at(1),
          finishedAt: null,
        },
        {
          userId: "U1",
          userName: "Ann",
          trackId: "basics",
          step: 2,
          stepsDone: 2,
          checkpointsPassed: 2,
          checkpointsAttempted: 2,
          status: "active",
          lastActivityAt: at(5),
          startedAt: at(0),
          finishedAt: null,
        },
        {
          userId: "U3",
          userName: "Cid",
          trackId: "advanced",
          step: 0,
          stepsDone: 0,
          checkpointsPassed: 0,
          checkpointsAttempted: 0,
          status: "active",
          lastActivityAt: at(0),
          startedAt: at(0),
          finishedAt: null,
        },
      ]);
      expect((await ob.team("slack", "T2")).map((r) => r.userId)).toEqual(["U1"]);
      expect(await ob.team("discord", "T1")).toEqual([]);
    });

    it("lists drip enrolments and stalled members", async () => {
      const ob = await fresh();
      await ob.enrol(U1, enrolOf("Ann", "basics", 0));
      await ob.enrol(U2, enrolOf("Bob", "basics", 0));
      await ob.enrol(U3, enrolOf("Cid", "basics", 0));
      await ob.enrol(DISCORD, enrolOf("Dee", "basics", 0));

      expect(await ob.setPace(U1, { pace: "drip", time: "09:00", timezone: "Europe/Berlin", at: at(DAY) })).toBe(true);
      expect(await ob.setPace(U2, { pace: "drip", time: "17:45", timezone: "America/New_York", at: at(2 * DAY) })).toBe(
        true,
      );
      expect(await ob.setPace(DISCORD, { pace: "drip", time: "08:00", timezone: "UTC", at: at(3 * DAY) })).toBe(true);
      expect(await ob.setPace(OTHER_WS, { pace: "drip", time: "08:00", timezone: "UTC", at: at(0) })).toBe(false);
      await ob.setStatus(U2, "paused", at(3 * DAY));
      await ob.setStatus(DISCORD, "stopped", at(3 * DAY));

      expect((await ob.dripEnrolments()).map((e) => [e.userId, e.dripTime, e.dripTimezone])).toEqual([
        ["U1", "09:00", "Europe/Berlin"],
      ]);
      await ob.setStatus(U2, "active", at(4 * DAY));
      expect((await ob.dripEnrolments()).map((e) => `${e.platform}/${e.userId}`)).toEqual(["slack/U1", "slack/U2"]);
      await ob.setPace(U1, { pace: "self", at: at(4 * DAY) });
      expect(await ob.get(U1)).toMatchObject({ pace: "self", dripTime: null, dripTimezone: null });
      expect((await ob.dripEnrolments()).map((e) => e.userId)).toEqual(["U2"]);

      // bad paces are refused before they reach the database
      await expect(ob.setPace(U1, { pace: "drip", at: at(0) })).rejects.toThrow(TypeError);
      await expect(ob.setPace(U1, { pace: "drip", time: "9:00", timezone: "UTC", at: at(0) })).rejects.toThrow(/HH:MM/);
      await expect(ob.setPace(U1, { pace: "drip", time: "24:00", timezone: "UTC", at: at(0) })).rejects.toThrow(
        /HH:MM/,
      );
      await expect(ob.setPace(U1, { pace: "drip", time: "09:00", timezone: "Mars/Base", at: at(0) })).rejects.toThrow(
        /time zone/,
      );

      // activity: U3 0, U1 4d, U2 4d, Discord stopped (never stalled); a finished member is not stalled
      expect((await ob.stalled(at(DAY))).map((e) => e.userId)).toEqual(["U3"]);
      expect((await ob.stalled(at(5 * DAY))).map((e) => e.userId)).toEqual(["U3", "U1", "U2"]);
      await ob.setStatus(U2, "paused", at(4 * DAY));
      expect((await ob.stalled(at(5 * DAY))).map((e) => [e.userId, e.status])).toEqual([
        ["U3", "active"],
        ["U1", "active"],
        ["U2", "paused"],
      ]);
      await ob.finish(U3, "basics", at(0));
      expect((await ob.stalled(at(5 * DAY))).map((e) => e.userId)).toEqual(["U1", "U2"]);
      expect(await ob.stalled(at(0))).toEqual([]);
    });

    it("gives the DM-closed fallback notice once per member, also under concurrency", async () => {
      const options = await target.fresh();
      const [a, b] = [await openTracked(options), await openTracked(options)];
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).onboarding.recordDmFailure(U1, "cannot_dm", at(i))),
      );
      expect(results.filter((r) => r.firstNotice)).toHaveLength(1);
      expect(await a.onboarding.recordDmFailure(U1, "50007", at(30))).toEqual({ firstNotice: false });
      expect(await a.onboarding.recordDmFailure(U2, "50007", at(30))).toEqual({ firstNotice: true });
      expect(await b.onboarding.recordDmFailure(OTHER_WS, "50007", at(30))).toEqual({ firstNotice: true });
      const rows = await a.db
        .selectFrom("onboard_dm_failures")
        .select(["notified"])
        .where("platform", "=", "slack")
        .where("workspace_id", "=", "T1")
        .where("user_id", "=", "U1")
        .execute();
      expect(rows).toHaveLength(11); // every failure is recorded
      expect(rows.filter((r) => Number(r.notified) === 1)).toHaveLength(1);
    });
  });
}

onboardingSuite("SQLite", sqliteTarget());

const pgUrl = process.env.TEST_DATABASE_URL;
if (pgUrl) {
  onboardingSuite("PostgreSQL", postgresTarget(pgUrl));
} else {
  console.warn(
    "PostgreSQL onboarding store tests skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)",
  );
  describe.skip("onboarding store: PostgreSQL (set TEST_DATABASE_URL)", () => {
    it("runs the onboarding store tests against PostgreSQL", () => {});
  });
}
