import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { systemClock } from "../../../src/core/clock.ts";
import { inParallel } from "../../../src/core/schedule/parallel.ts";
import { type Job, Scheduler } from "../../../src/core/schedule/scheduler.ts";
import { nextDue } from "../../../src/core/schedule/wake.ts";
import { openStore } from "../../../src/store/index.ts";

/** A job whose items are instants (ms): each is due once, at itself. */
function instants(kind: string, list: number[], ran: { at: number; ranAt: number }[] = []): Job<number> {
  return {
    kind,
    items: async () => list,
    key: (t) => `t${t}`,
    occurrences: (t, from, to) => (t > from.getTime() && t <= to.getTime() ? [new Date(t)] : []),
    run: async (t) => {
      ran.push({ at: t, ranAt: Date.now() });
    },
  };
}

describe("nextDue", () => {
  const broken: Job<number> = {
    ...instants("broken", [1]),
    occurrences: () => {
      throw new Error("bad schedule");
    },
  };

  it("is the earliest instant strictly inside the window over every job, with how many are due then, skipping jobs that throw", () => {
    const listed = [
      { job: instants("a", [500, 120, 900, 130]) as Job<unknown>, items: [500, 120, 900, 130] },
      { job: broken as Job<unknown>, items: [1] },
      { job: instants("b", [130]) as Job<unknown>, items: [130] },
    ];
    expect(nextDue(listed, 100, 1_000)).toEqual({ at: 120, count: 1 });
    expect(nextDue(listed, 120, 1_000)).toEqual({ at: 130, count: 2 });
    // The window's end is the next regular tick: nothing to wake for there.
    expect(nextDue(listed, 500, 900)).toBeUndefined();
    expect(nextDue([{ job: instants("c", []) as Job<unknown> }], 0, 1_000)).toBeUndefined();
  });
});

describe("Scheduler.start wakes at a due instant between ticks", () => {
  it("runs an occurrence due 300 ms after start without waiting for the next regular tick (a minute away)", async () => {
    const store = await openStore({ sqlitePath: ":memory:" });
    const s = new Scheduler({ store, clock: systemClock, log: pino({ level: "silent" }), owner: "a" });
    try {
      const due = Date.now() + 300;
      const ran: { at: number; ranAt: number }[] = [];
      s.add(instants("wake", [due], ran));
      s.start(60_000);
      await vi.waitFor(() => expect(ran).toHaveLength(1), { timeout: 10_000, interval: 20 });
      expect(ran[0]?.at).toBe(due);
      // Not before its instant: the first tick (at start) saw it in the future and left it.
      expect(ran[0]?.ranAt).toBeGreaterThanOrEqual(due);
    } finally {
      await s.stop();
      await store.close();
    }
  });
});

describe("inParallel with a ramp", () => {
  async function peak(rampMs: number): Promise<{ peak: number; done: number[] }> {
    let active = 0;
    let most = 0;
    const done: number[] = [];
    await inParallel(
      [1, 2, 3, 4, 5, 6],
      6,
      async (x) => {
        active += 1;
        most = Math.max(most, active);
        await Promise.resolve();
        active -= 1;
        done.push(x);
      },
      rampMs,
    );
    return { peak: most, done };
  }

  it("opens lanes one after another: quick work is done by the first lanes while the others wait their turn", async () => {
    const ramped = await peak(15);
    expect(ramped.done).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ramped.peak).toBe(1);
    // Without a ramp all six start together.
    expect((await peak(0)).peak).toBe(6);
  });
});

describe("Scheduler.start prepares for a burst", () => {
  it("calls prepare once, about 2 s before many occurrences fall due at one instant, with how many", async () => {
    const store = await openStore({ sqlitePath: ":memory:" });
    const prepared: { due: number; at: number }[] = [];
    const s = new Scheduler({
      store,
      clock: systemClock,
      log: pino({ level: "silent" }),
      owner: "a",
      concurrency: 8,
      prepare: (due) => prepared.push({ due, at: Date.now() }),
    });
    try {
      const due = Date.now() + 2_400;
      const ran: { at: number; ranAt: number }[] = [];
      // Twelve items due at one instant (a burst), and one lone item earlier (not a burst).
      s.add({
        kind: "burst",
        items: async () => Array.from({ length: 12 }, (_, i) => i),
        key: (i) => `channel-${i}`,
        occurrences: (_i, from, to) => (due > from.getTime() && due <= to.getTime() ? [new Date(due)] : []),
        run: async () => {
          ran.push({ at: due, ranAt: Date.now() });
        },
      });
      s.add({ ...instants("lone", [due - 1_000], ran), key: (t) => `lone${t}` });
      s.start(60_000);
      await vi.waitFor(() => expect(ran).toHaveLength(13), { timeout: 10_000, interval: 20 });
      // Once for the burst (however often the timers were armed since), capped at the lanes that run at once.
      expect(prepared.map((p) => p.due)).toEqual([8]);
      expect(prepared[0]?.at).toBeLessThan(Math.min(...ran.filter((r) => r.at === due).map((r) => r.ranAt)));
    } finally {
      await s.stop();
      await store.close();
    }
  });
});
