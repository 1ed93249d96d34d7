import pino from "pino";
import { afterAll, describe, expect, it, vi } from "vitest";
import { FakeClock } from "../../../src/core/clock.ts";
import type { Logger } from "../../../src/core/logger.ts";
import { occurrencesBetween, type Recurrence } from "../../../src/core/schedule/recurrence.ts";
import { type Job, Scheduler } from "../../../src/core/schedule/scheduler.ts";
import { type OpenStoreOptions, openStore, type Store } from "../../../src/store/index.ts";
import { postgresTarget, sqliteTarget, type Target } from "../../store/targets.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

interface Sched {
  id: string;
  rec: Recurrence;
}

/** One run of an occurrence, as the job saw it. */
interface Run {
  kind: string;
  id: string;
  at: string;
  by: string;
  ranAt: string;
}

const berlin: Sched = { id: "berlin", rec: { time: "09:00", timezone: "Europe/Berlin", days: "daily" } };
// 02:30 does not exist in New York on 8 March 2026.
const nyNight: Sched = { id: "ny-night", rec: { time: "02:30", timezone: "America/New_York", days: "daily" } };
const nyWeekdays: Sched = { id: "ny", rec: { time: "09:00", timezone: "America/New_York", days: "weekdays" } };
const berlinMwf: Sched = { id: "berlin-mwf", rec: { time: "17:45", timezone: "Europe/Berlin", days: [1, 3, 5] } };

interface JobOptions {
  runs: Run[];
  owner: string;
  clock: FakeClock;
  /** Throws from run when this says so (attempt counts from 1 per occurrence, across schedulers). */
  fail?: (at: Date, attempt: number) => boolean;
  attempts?: Map<string, Date[]>;
  gaveUp?: Array<{ id: string; at: string; err: unknown; when: string }>;
  listFails?: () => boolean;
  /** When the schedules were created: earlier instants are not theirs (as Job.occurrences asks). */
  since?: Date;
}

function job(kind: string, items: Sched[], o: JobOptions): Job<Sched> {
  return {
    kind,
    items: async () => {
      if (o.listFails?.()) throw new Error("database is down");
      return items;
    },
    key: (s) => s.id,
    occurrences: (s, from, to) => occurrencesBetween(s.rec, o.since && o.since > from ? o.since : from, to),
    run: async (s, at) => {
      const id = `${kind}|${s.id}|${at.toISOString()}`;
      const tries = o.attempts?.get(id) ?? [];
      tries.push(o.clock.now());
      o.attempts?.set(id, tries);
      if (o.fail?.(at, tries.length)) throw new Error(`platform down (attempt ${tries.length})`);
      o.runs.push({ kind, id: s.id, at: at.toISOString(), by: o.owner, ranAt: o.clock.now().toISOString() });
    },
    onGiveUp: (s, at, err) => {
      o.gaveUp?.push({ id: s.id, at: at.toISOString(), err, when: o.clock.now().toISOString() });
    },
  };
}

/** A pino logger that keeps every line, parsed. */
function capture(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

const runKeys = (runs: Run[]) => runs.map((r) => `${r.kind}|${r.id}|${r.at}`).sort();

function expected(jobs: Array<[string, Sched[]]>, from: number, to: number): string[] {
  return jobs
    .flatMap(([kind, items]) =>
      items.flatMap((s) =>
        occurrencesBetween(s.rec, new Date(from), new Date(to)).map((at) => `${kind}|${s.id}|${at.toISOString()}`),
      ),
    )
    .sort();
}

function schedulerSuite(name: string, target: Target): void {
  describe(`Scheduler on ${name}`, () => {
    const stores: Store[] = [];
    const open = async (options: OpenStoreOptions) => {
      const store = await openStore(options);
      stores.push(store);
      return store;
    };

    afterAll(async () => {
      for (const store of stores) await store.close();
      await target.cleanup();
    });

    it("two instances on one database, 60 days of 5-minute ticks: every occurrence runs exactly once", {
      timeout: 40_000,
    }, async () => {
      const options = await target.fresh();
      const [storeA, storeB] = [await open(options), await open(options)];
      const t0 = Date.parse("2026-02-20T12:00:00Z");
      const clock = new FakeClock(new Date(t0));
      const runs: Run[] = [];
      const jobs: Array<[string, Sched[]]> = [
        ["quiz.post", [berlin, nyNight]],
        ["quiz.weekday", [nyWeekdays, berlinMwf]],
      ];
      const make = (owner: string, store: Store) => {
        const s = new Scheduler({ store, clock, log: capture().log, owner });
        for (const [kind, items] of jobs) s.add(job(kind, items, { runs, owner, clock }));
        return s;
      };
      const a = make("a", storeA);
      const b = make("b", storeB);

      const end = t0 + 60 * DAY;
      for (let step = 1; clock.now().getTime() < end; step++) {
        clock.advance(5 * MIN);
        // Mostly one instance at a time, alternating; every hour both at once, racing for the claims.
        if (step % 12 === 0) await Promise.all([a.tick(), b.tick()]);
        else await (step % 2 ? a : b).tick();
      }

      const keys = runKeys(runs);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toEqual(expected(jobs, t0 - HOUR, end));
      expect(keys.length).toBe(60 + 59 + 42 + 26); // daily Berlin, daily New York minus 8 March, weekdays, Mon/Wed/Fri
      expect(keys).not.toContain("quiz.post|ny-night|2026-03-08T07:30:00.000Z");
      expect(runs.some((r) => r.by === "a") && runs.some((r) => r.by === "b")).toBe(true);
      // Each instance ticks at least every 10 minutes, so nothing ran later than that.
      for (const r of runs) expect(Date.parse(r.ranAt) - Date.parse(r.at)).toBeLessThan(10 * MIN);
    });

    it("restarts between ticks neither repeat nor lose occurrences within the grace period", async () => {
      const options = await target.fresh();
      const t0 = Date.parse("2026-03-02T00:00:00Z");
      const clock = new FakeClock(new Date(t0));
      const runs: Run[] = [];
      const jobs: Array<[string, Sched[]]> = [["quiz.post", [berlin, nyWeekdays]]];
      let generation = 0;
      const boot = async () => {
        generation += 1;
        const owner = `host-${generation}`;
        const s = new Scheduler({ store: await open(options), clock, log: capture().log, owner });
        for (const [kind, items] of jobs) s.add(job(kind, items, { runs, owner, clock }));
        return s;
      };
      let scheduler = await boot();
      // Where a process stops after its tick, and for how long nothing runs.
      const downtime = (now: Date): number | undefined => {
        const day = Math.floor((now.getTime() - t0) / DAY);
        const hm = now.toISOString().slice(11, 16);
        if (hm === "07:50" && day % 3 === 0) return 30 * MIN; // across Berlin 09:00 (08:00Z): runs late
        if (hm === "08:00" && day % 3 === 1) return 0; // right after running it: not again
        if (hm === "12:50" && day % 3 === 2) return 55 * MIN; // across New York 09:00 (13:00Z from 8 March)
        if (hm === "03:20") return 5 * MIN;
        return undefined;
      };
      const end = t0 + 14 * DAY;
      while (clock.now().getTime() < end) {
        clock.advance(5 * MIN);
        await scheduler.tick();
        const down = downtime(clock.now());
        if (down !== undefined) {
          await scheduler.stop();
          clock.advance(down);
          scheduler = await boot();
          await scheduler.tick();
        }
      }
      const keys = runKeys(runs);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toEqual(expected(jobs, t0 - HOUR, clock.now().getTime()));
      expect(generation).toBeGreaterThan(20);
      const late = runs.filter((r) => Date.parse(r.ranAt) - Date.parse(r.at) >= 20 * MIN);
      expect(late.map((r) => r.at.slice(11, 16))).toEqual(expect.arrayContaining(["08:00", "13:00"]));
      expect(late.length).toBeGreaterThanOrEqual(6);
    });

    it("after 30 minutes of downtime the missed occurrence runs late, once (same process or a restart)", async () => {
      const options = await target.fresh();
      const store = await open(options);
      const clock = new FakeClock(new Date("2026-01-05T07:55:00Z")); // Berlin 09:00 is 08:00Z in winter
      const runs: Run[] = [];
      const make = (owner: string, s: Store) => {
        const sched = new Scheduler({ store: s, clock, log: capture().log, owner });
        sched.add(job("quiz.post", [berlin], { runs, owner, clock }));
        return sched;
      };

      // The process stalls (or its timer is starved) from 07:55 to 08:30.
      const stalled = make("a", store);
      await stalled.tick();
      clock.set("2026-01-05T08:30:00Z");
      await stalled.tick();
      await stalled.tick();

      // The next day the process is down from 07:55 and a new one starts at 08:30.
      clock.set("2026-01-06T07:55:00Z");
      await stalled.tick();
      clock.set("2026-01-06T08:30:00Z");
      const restarted = make("b", await open(options));
      await restarted.tick();
      await stalled.tick(); // the old one comes back too: the claim stops it

      expect(runs.map((r) => [r.at, r.ranAt, r.by])).toEqual([
        ["2026-01-05T08:00:00.000Z", "2026-01-05T08:30:00.000Z", "a"],
        ["2026-01-06T08:00:00.000Z", "2026-01-06T08:30:00.000Z", "b"],
      ]);
    });

    it("after 3 hours of downtime the missed occurrence is skipped, not run, and logged once", async () => {
      const options = await target.fresh();
      const store = await open(options);
      const clock = new FakeClock(new Date("2026-01-05T07:55:00Z"));
      const runs: Run[] = [];
      const { log, lines } = capture();
      const since = new Date("2026-01-05T07:00:00Z");
      const make = (owner: string, s: Store) => {
        const sched = new Scheduler({ store: s, clock, log, owner });
        sched.add(job("quiz.post", [berlin], { runs, owner, clock, since }));
        return sched;
      };
      const skipped = () => lines.filter((l) => l.level === 40 && String(l.msg).startsWith("occurrence skipped"));

      // Same process, stalled from 07:55 to 11:00.
      const a = make("a", store);
      await a.tick();
      clock.set("2026-01-05T11:00:00Z");
      await a.tick();
      await a.tick();
      expect(runs).toEqual([]);
      expect(skipped().map((l) => [l.key, l.job, l.lateMs])).toEqual([
        ["berlin@2026-01-05T08:00:00.000Z", "quiz.post", 3 * HOUR],
      ]);

      // Next day: everything down from 07:55 to 11:00; two processes start; one log line between them.
      clock.set("2026-01-06T11:00:00Z");
      const b = make("b", await open(options));
      const c = make("c", await open(options));
      await Promise.all([b.tick(), c.tick()]);
      await a.tick();
      expect(runs).toEqual([]);
      expect(skipped().map((l) => l.key)).toEqual([
        "berlin@2026-01-05T08:00:00.000Z",
        "berlin@2026-01-06T08:00:00.000Z",
      ]);
      const row = await store.db
        .selectFrom("claims")
        .select("owner")
        .where("key", "=", "berlin@2026-01-06T08:00:00.000Z")
        .executeTakeFirstOrThrow();
      expect(row.owner).toMatch(/^[bc] \(skipped\)$/);

      // The day after, all is well again.
      clock.set("2026-01-07T08:00:00Z");
      await b.tick();
      expect(runs.map((r) => r.at)).toEqual(["2026-01-07T08:00:00.000Z"]);
    });

    it("a failing run is retried with exponential backoff and succeeds on a later tick; the claim keeps others out", async () => {
      const options = await target.fresh();
      const clock = new FakeClock(new Date("2026-01-05T07:59:30Z"));
      const runs: Run[] = [];
      const attempts = new Map<string, Date[]>();
      const gaveUp: NonNullable<JobOptions["gaveUp"]> = [];
      const { log, lines } = capture();
      const make = async (owner: string) => {
        const s = new Scheduler({
          store: await open(options),
          clock,
          log,
          owner,
          retry: { baseMs: MIN, maxMs: 4 * MIN },
        });
        s.add(job("quiz.post", [berlin], { runs, owner, clock, attempts, gaveUp, fail: (_, n) => n <= 3 }));
        return s;
      };
      const [a, b] = [await make("a"), await make("b")];
      for (let i = 0; i < 40; i++) {
        await a.tick();
        await b.tick();
        clock.advance(30_000);
      }
      const tries = attempts.get("quiz.post|berlin|2026-01-05T08:00:00.000Z") ?? [];
      // Fails at 08:00, waits 1 min, fails, waits 2, fails, waits 4, succeeds.
      expect(tries.map((d) => d.toISOString().slice(11, 19))).toEqual(["08:00:00", "08:01:00", "08:03:00", "08:07:00"]);
      expect(runs.map((r) => [r.at, r.by, r.ranAt])).toEqual([
        ["2026-01-05T08:00:00.000Z", "a", "2026-01-05T08:07:00.000Z"],
      ]);
      expect(lines.filter((l) => l.msg === "run failed; will retry").map((l) => l.retryInMs)).toEqual([
        MIN,
        2 * MIN,
        4 * MIN,
      ]);
      expect(gaveUp).toEqual([]);
    });

    it("a run that keeps failing gives up after the grace period and calls onGiveUp once", async () => {
      const options = await target.fresh();
      const clock = new FakeClock(new Date("2026-01-05T07:59:00Z"));
      const runs: Run[] = [];
      const attempts = new Map<string, Date[]>();
      const gaveUp: NonNullable<JobOptions["gaveUp"]> = [];
      const { log, lines } = capture();
      const s = new Scheduler({
        store: await open(options),
        clock,
        log,
        owner: "a",
        retry: { baseMs: MIN, maxMs: 10 * MIN },
      });
      const fail = (at: Date) => at.toISOString() === "2026-01-05T08:00:00.000Z";
      s.add(job("quiz.post", [berlin], { runs, owner: "a", clock, attempts, gaveUp, fail }));
      while (clock.now() < new Date("2026-01-06T08:05:00Z")) {
        await s.tick();
        clock.advance(MIN);
      }
      const tries = attempts.get("quiz.post|berlin|2026-01-05T08:00:00.000Z") ?? [];
      // Delays 1, 2, 4, 8, then capped at 10 minutes; the next one would be past the grace period.
      expect(tries.map((d) => d.toISOString().slice(11, 16))).toEqual([
        "08:00",
        "08:01",
        "08:03",
        "08:07",
        "08:15",
        "08:25",
        "08:35",
        "08:45",
        "08:55",
      ]);
      expect(gaveUp).toHaveLength(1);
      expect(gaveUp[0]).toMatchObject({
        id: "berlin",
        at: "2026-01-05T08:00:00.000Z",
        when: "2026-01-05T09:01:00.000Z",
      });
      expect(String(gaveUp[0]?.err)).toMatch(/platform down \(attempt 9\)/);
      expect(lines.filter((l) => String(l.msg).startsWith("gave up"))).toHaveLength(1);
      // The next day's occurrence is unaffected.
      expect(runs.map((r) => r.at)).toEqual(["2026-01-06T08:00:00.000Z"]);
    });

    it("a process that dies holding a claim: another takes the occurrence over after the lease, resumed, once", async () => {
      const options = await target.fresh();
      const clock = new FakeClock(new Date("2026-01-05T07:59:30Z"));
      const ran: { by: string; resumed: boolean; when: string }[] = [];
      const make = async (owner: string, hang: boolean) => {
        const s = new Scheduler({
          store: await open(options),
          clock,
          log: capture().log,
          owner,
          leaseMs: MIN,
          takeoverScanMs: 0,
        });
        s.add({
          kind: "quiz.post",
          items: async () => [berlin],
          key: (i) => i.id,
          occurrences: (i, from, to) => occurrencesBetween(i.rec, from, to),
          // "a" dies inside its run: it never returns and never renews (the fake clock jumps past it).
          run: (_i, _at, attempt) => {
            ran.push({ by: owner, resumed: attempt.resumed, when: clock.now().toISOString().slice(11, 19) });
            return hang ? new Promise<never>(() => {}) : Promise.resolve("posted");
          },
        });
        return s;
      };
      const [a, b] = [await make("a", true), await make("b", false)];
      await b.tick(); // b's window starts before the occurrence
      clock.set("2026-01-05T08:00:05Z");
      void a.tick(); // a claims 08:00 and hangs
      await new Promise((r) => setTimeout(r, 50));
      await b.tick();
      expect(ran.map((r) => r.by)).toEqual(["a"]); // b sees a live claim
      clock.set("2026-01-05T08:01:10Z"); // a's lease (1 minute) has run out
      await b.tick();
      await b.tick();
      expect(ran).toEqual([
        { by: "a", resumed: false, when: "08:00:05" },
        { by: "b", resumed: true, when: "08:01:10" },
      ]);
      const claim = await (await open(options)).claims.get("quiz.post", "berlin@2026-01-05T08:00:00.000Z");
      expect(claim).toMatchObject({ owner: "b", result: "posted", attempts: 2 });
    });

    it("keeps the window when listing items fails, so nothing is lost", async () => {
      const options = await target.fresh();
      const clock = new FakeClock(new Date("2026-01-05T07:55:00Z"));
      const runs: Run[] = [];
      let down = false;
      const { log, lines } = capture();
      const s = new Scheduler({ store: await open(options), clock, log, owner: "a" });
      s.add(job("quiz.post", [berlin], { runs, owner: "a", clock, listFails: () => down }));
      await s.tick();
      down = true;
      clock.set("2026-01-05T08:05:00Z");
      await s.tick();
      expect(lines.some((l) => l.level === 50 && String(l.msg).startsWith("could not list"))).toBe(true);
      down = false;
      clock.set("2026-01-05T08:10:00Z");
      await s.tick();
      expect(runs.map((r) => [r.at, r.ranAt])).toEqual([["2026-01-05T08:00:00.000Z", "2026-01-05T08:10:00.000Z"]]);
    });
  });
}

schedulerSuite("SQLite", sqliteTarget());

const pgUrl = process.env.TEST_DATABASE_URL;
if (pgUrl) {
  schedulerSuite("PostgreSQL", postgresTarget(pgUrl));
} else {
  console.warn(
    "Scheduler tests on PostgreSQL skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)",
  );
  describe.skip("Scheduler on PostgreSQL (set TEST_DATABASE_URL)", () => {
    it("runs the scheduler suite against PostgreSQL", () => {});
  });
}

describe("Scheduler.start and stop", () => {
  it("ticks on a timer, never throws from it, and stop waits for the running tick", async () => {
    const store = await openStore({ sqlitePath: ":memory:" });
    try {
      const clock = new FakeClock(new Date("2026-01-05T08:00:30Z"));
      const runs: Run[] = [];
      const { log, lines } = capture();
      let listed = 0;
      const s = new Scheduler({ store, clock, log, owner: "a" });
      const inner = job("quiz.post", [berlin], { runs, owner: "a", clock });
      s.add({
        ...inner,
        items: async () => {
          listed += 1;
          return inner.items();
        },
      });
      s.add({ ...inner, kind: "broken", items: () => Promise.reject(new Error("boom")) });
      s.start(5);
      await vi.waitFor(() => expect(listed).toBeGreaterThanOrEqual(3));
      await s.stop();
      const after = listed;
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(listed).toBe(after);
      expect(runs.map((r) => r.at)).toEqual(["2026-01-05T08:00:00.000Z"]);
      expect(lines.some((l) => l.job === "broken" && l.level === 50)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("refuses the same job kind twice", () => {
    const s = new Scheduler({
      store: { claimOnce: async () => true, claims: {} as never },
      clock: new FakeClock(),
      log: capture().log,
      owner: "a",
    });
    const j = job("quiz.post", [], { runs: [], owner: "a", clock: new FakeClock() });
    s.add(j);
    expect(() => s.add(j)).toThrow(/added twice/);
  });
});
