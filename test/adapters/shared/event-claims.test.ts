import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EventClaims } from "../../../src/adapters/shared/event-claims.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import { openStore, type Store } from "../../../src/store/index.ts";

/**
 * Claims of events that every replica receives, on a real SQLite file: two EventClaims with their
 * own owners stand for two replicas sharing the store.
 */
let store: Store | undefined;
let dir: string | undefined;
const stoppers: EventClaims[] = [];
afterEach(async () => {
  for (const c of stoppers.splice(0)) c.stop();
  await store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  store = undefined;
});

async function replicas(): Promise<{ store: Store; a: EventClaims; b: EventClaims }> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-event-claims-"));
  store = await openStore({ sqlitePath: path.join(dir, "t.db") });
  const make = (owner: string) => {
    const c = new EventClaims({ store: (store as Store).claims, owner, log: silentLogger(), kinds: ["test-event"] });
    stoppers.push(c);
    return c;
  };
  return { store, a: make("replica-a"), b: make("replica-b") };
}

const event = (key: string, leaseMs = 200) => ({ kind: "test-event", key, leaseMs, watchMs: 10_000 });

describe("event claims shared by replicas", () => {
  it("runs an event once: the replica that lost the claim finds it done and does nothing", async () => {
    const { a, b, store } = await replicas();
    const ran: string[] = [];
    const [ra, rb] = await Promise.all([
      a.handle(event("e1"), async () => {
        ran.push("a");
      }),
      b.handle(event("e1"), async () => {
        ran.push("b");
      }),
    ]);
    expect(ran).toHaveLength(1);
    expect([ra, rb].sort()).toEqual(["done elsewhere", "ran"]);
    expect((await store.claims.get("test-event", "e1"))?.result).toBe("done");
  });

  it("takes over an event whose holder stopped renewing its claim, and says it is resumed", async () => {
    const { a, store } = await replicas();
    // A replica that claimed the event and died: its lease is never renewed.
    await store.claims.take({ kind: "test-event", key: "e2", owner: "replica-dead", now: new Date(), leaseMs: 200 });
    const runs: boolean[] = [];
    const outcome = await a.handle(event("e2"), async (resumed) => {
      runs.push(resumed);
    });
    expect(outcome).toBe("ran");
    expect(runs).toEqual([true]);
    expect(await store.claims.get("test-event", "e2")).toMatchObject({
      owner: "replica-a",
      attempts: 2,
      result: "done",
    });
  });

  it("leaves an event to a holder that keeps renewing its claim past its lease", async () => {
    const { a, b } = await replicas();
    let release = () => {};
    const slow = new Promise<void>((r) => {
      release = r;
    });
    const ran: string[] = [];
    const first = a.handle(event("e3", 150), async () => {
      ran.push("a");
      await slow;
    });
    await new Promise((r) => setTimeout(r, 20));
    const second = b.handle(event("e3", 150), async () => {
      ran.push("b");
    });
    // Several leases go by while the holder works and renews.
    await new Promise((r) => setTimeout(r, 600));
    release();
    expect(await first).toBe("ran");
    expect(await second).toBe("done elsewhere");
    expect(ran).toEqual(["a"]);
  });

  it("records a failed attempt as finished, so that no other replica answers it a second time", async () => {
    const { a, b, store } = await replicas();
    await expect(
      a.handle(event("e4"), async () => {
        throw new Error("Discord said no");
      }),
    ).rejects.toThrow("Discord said no");
    expect((await store.claims.get("test-event", "e4"))?.result).toBe("failed: Discord said no");
    expect(await b.handle(event("e4"), async () => {})).toBe("done elsewhere");
  });

  it("stops watching when the adapter stops", async () => {
    const { a, store } = await replicas();
    await store.claims.take({ kind: "test-event", key: "e5", owner: "replica-x", now: new Date(), leaseMs: 60_000 });
    const watching = a.handle({ ...event("e5", 60_000), watchMs: 600_000 }, async () => {});
    await new Promise((r) => setTimeout(r, 20));
    a.stop();
    expect(await watching).toBe("stopped");
  });

  it("prunes finished event claims after an hour, and only those of its kinds", async () => {
    const { a, store } = await replicas();
    const old = new Date(Date.now() - 2 * 3_600_000);
    for (const kind of ["test-event", "quiz-post"]) {
      await store.claims.take({ kind, key: "old", owner: "replica-a", now: old, leaseMs: 1_000 });
      await store.claims.finish({ kind, key: "old", now: old, result: "done" });
    }
    await store.claims.take({ kind: "test-event", key: "running", owner: "replica-a", now: old, leaseMs: 1_000 });
    await a.prune();
    expect(await store.claims.get("test-event", "old")).toBeUndefined();
    expect(await store.claims.get("quiz-post", "old")).toBeDefined();
    expect(await store.claims.get("test-event", "running")).toBeDefined();
  });
});
