import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type OpenStoreOptions, openStore, type QueryRecord, type Store } from "../../src/store/index.ts";
import { migrations as migrations_ } from "../../src/store/migrations.ts";
import { postgresTarget, sqliteTarget, type Target } from "./targets.ts";

const T0 = Date.UTC(2025, 0, 1, 9, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const fixture = fileURLToPath(new URL("./fixtures/claim-once.ts", import.meta.url));
const run = promisify(execFile);

function query(overrides: Partial<QueryRecord>): QueryRecord {
  return {
    platform: "slack",
    workspaceId: "T1",
    channelId: "C1",
    userId: "U1",
    query: "docker volumes?",
    normalized: "docker volumes",
    outcome: "none",
    confident: false,
    entryId: null,
    at: at(0),
    ...overrides,
  };
}

/** The one contract every Store implementation honours. */
function storeContract(name: string, target: Target): void {
  describe(`store contract: ${name}`, () => {
    const open: Store[] = [];
    const openTracked = async (options: OpenStoreOptions) => {
      const store = await openStore(options);
      open.push(store);
      return store;
    };
    const freshStore = async () => openTracked(await target.fresh());

    afterAll(async () => {
      for (const store of open) await store.close();
      await target.cleanup();
    });

    it("opens, migrates, and opening again (also concurrently) is a no-op", async () => {
      const options = await target.fresh();
      const first = await openStore(options);
      expect(first.dialect).toBe(target.dialect);
      await first.ping();
      await first.close();
      await first.close(); // idempotent
      const [a, b, c] = await Promise.all([openTracked(options), openTracked(options), openTracked(options)]);
      for (const store of [a, b, c]) await store.ping();
      const migrations = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(a.db);
      expect(Number(migrations.rows[0]?.n)).toBe(Object.keys(migrations_("sqlite")).length);
    });

    it("records queries and returns numeric ids", async () => {
      const store = await freshStore();
      const a = await store.recordQuery(query({}));
      const b = await store.recordQuery(query({ confident: true, outcome: "answer", entryId: "volumes" }));
      expect(typeof a).toBe("number");
      expect(b).toBeGreaterThan(a);
    });

    it("reports gaps: unanswered or down-voted, grouped, ordered, windowed and limited", async () => {
      const store = await freshStore();
      // outside the window
      await store.recordQuery(query({ normalized: "networks", query: "old networks", at: at(-10) }));
      // 3 unanswered asks of one question; the latest wording wins
      await store.recordQuery(query({ query: "docker volumes?", at: at(1) }));
      await store.recordQuery(query({ query: "Docker volumes", at: at(5) }));
      await store.recordQuery(query({ query: "what are volumes", at: at(3) }));
      // answered confidently but down-voted twice, plus one clean answer that does not count
      const bind = await store.recordQuery(
        query({ normalized: "bind mounts", query: "bind mounts", confident: true, outcome: "answer", at: at(2) }),
      );
      await store.recordFeedback({ queryId: bind, userId: "U1", vote: -1, at: at(3) });
      await store.recordFeedback({ queryId: bind, userId: "U2", vote: -1, at: at(3) });
      await store.recordQuery(query({ normalized: "bind mounts", confident: true, outcome: "answer", at: at(4) }));
      // answered and up-voted: not a gap
      const compose = await store.recordQuery(query({ normalized: "compose", confident: true, outcome: "answer" }));
      await store.recordFeedback({ queryId: compose, userId: "U1", vote: 1, at: at(1) });
      // once, unanswered, more recent than "bind mounts"
      await store.recordQuery(
        query({ normalized: "networks", query: "networks??", outcome: "suggestions", at: at(6) }),
      );

      const gaps = await store.gaps(at(0), 10);
      expect(gaps).toEqual([
        { query: "Docker volumes", asked: 3, unanswered: 3, downvotes: 0, lastAsked: at(5) },
        { query: "networks??", asked: 1, unanswered: 1, downvotes: 0, lastAsked: at(6) },
        { query: "bind mounts", asked: 1, unanswered: 0, downvotes: 2, lastAsked: at(2) },
      ]);
      expect(await store.gaps(at(0), 2)).toEqual(gaps.slice(0, 2));
      expect(await store.gaps(at(6), 10)).toEqual([gaps[1]]);
      expect(await store.gaps(at(7), 10)).toEqual([]);
      expect(await store.gaps(at(-60), 1)).toEqual([{ ...gaps[0], asked: 3 }]);

      // changing both down-votes to up-votes removes the confident answer from the report
      await store.recordFeedback({ queryId: bind, userId: "U1", vote: 1, at: at(7) });
      await store.recordFeedback({ queryId: bind, userId: "U2", vote: 1, at: at(7) });
      expect((await store.gaps(at(0), 10)).map((g) => g.query)).toEqual(["Docker volumes", "networks??"]);
    });

    it("keeps one vote per user per query: recorded, unchanged, changed", async () => {
      const store = await freshStore();
      const id = await store.recordQuery(query({ confident: true, outcome: "answer" }));
      const vote = (userId: string, v: 1 | -1) => store.recordFeedback({ queryId: id, userId, vote: v, at: at(1) });
      expect(await vote("U1", 1)).toBe("recorded");
      expect(await vote("U1", 1)).toBe("unchanged");
      expect(await vote("U1", -1)).toBe("changed");
      expect(await vote("U1", -1)).toBe("unchanged");
      expect(await vote("U2", -1)).toBe("recorded");
      const rows = await store.db.selectFrom("query_feedback").select(["user_id", "vote"]).orderBy("user_id").execute();
      expect(rows).toEqual([
        { user_id: "U1", vote: -1 },
        { user_id: "U2", vote: -1 },
      ]);
      expect(await store.recordFeedback({ queryId: id + 1000, userId: "U1", vote: 1, at: at(1) })).toBe("unknown");
    });

    it("finds the latest post of an entry in a channel within the window", async () => {
      const store = await freshStore();
      const where = { platform: "discord", workspaceId: "G1", channelId: "C1", entryId: "volumes" } as const;
      expect(await store.recentPost({ ...where, since: at(0) })).toBeUndefined();
      await store.recordPost({ ...where, messageRef: "m1", at: at(1) });
      await store.recordPost({ ...where, messageRef: null, at: at(3) });
      await store.recordPost({ ...where, channelId: "C2", messageRef: "other", at: at(5) });
      expect(await store.recentPost({ ...where, since: at(0) })).toEqual({ messageRef: null, at: at(3) });
      expect(await store.recentPost({ ...where, since: at(3) })).toEqual({ messageRef: null, at: at(3) });
      expect(await store.recentPost({ ...where, since: at(4) })).toBeUndefined();
      expect(await store.recentPost({ ...where, entryId: "networks", since: at(0) })).toBeUndefined();
      expect(await store.recentPost({ ...where, platform: "slack", since: at(0) })).toBeUndefined();
    });

    it("claims an event id exactly once among 20 concurrent callers", async () => {
      const store = await freshStore();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.claimEvent({ platform: "slack", eventId: "Ev1", at: at(0) })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.claimEvent({ platform: "slack", eventId: "Ev1", at: at(1) })).toBe(false);
      expect(await store.claimEvent({ platform: "discord", eventId: "Ev1", at: at(1) })).toBe(true);
    });

    it("prunes event ids seen before a time", async () => {
      const store = await freshStore();
      await store.claimEvent({ platform: "slack", eventId: "old1", at: at(0) });
      await store.claimEvent({ platform: "slack", eventId: "old2", at: at(1) });
      await store.claimEvent({ platform: "slack", eventId: "edge", at: at(2) });
      expect(await store.pruneEvents(at(2))).toBe(2);
      expect(await store.pruneEvents(at(2))).toBe(0);
      expect(await store.claimEvent({ platform: "slack", eventId: "edge", at: at(3) })).toBe(false);
      expect(await store.claimEvent({ platform: "slack", eventId: "old1", at: at(3) })).toBe(true);
    });

    it("claims once across two store instances on one database", async () => {
      const options = await target.fresh();
      const [a, b] = [await openTracked(options), await openTracked(options)];
      const claim = (s: Store, i: number) =>
        s.claimOnce({ kind: "quiz", key: "C1@2025-01-01T09:00", owner: `o${i}`, at: at(0) });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => claim(i % 2 ? a : b, i)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await a.claimOnce({ kind: "quiz", key: "C1@2025-01-02T09:00", owner: "a", at: at(0) })).toBe(true);
      expect(await b.claimOnce({ kind: "onboarding", key: "C1@2025-01-01T09:00", owner: "b", at: at(0) })).toBe(true);
    });

    it("leased claims: one taker wins, the holder renews, a lapsed lease is taken over, a finished claim never", async () => {
      const options = await target.fresh();
      const [a, b] = [await openTracked(options), await openTracked(options)];
      const req = (owner: string, minutes: number) => ({
        kind: "quiz-post",
        key: "C1@2025-01-01T09:00",
        owner,
        now: at(minutes),
        leaseMs: 60_000,
      });
      const races = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claims.take(req(`o${i}`, 0))),
      );
      expect(races.filter((r) => r.won)).toHaveLength(1);
      const holder = `o${races.findIndex((r) => r.won)}`;
      expect(await a.claims.take(req("x", 0.5))).toEqual({ won: false }); // lease still running
      expect(await a.claims.take(req(holder, 0.5))).toEqual({ won: true, resumed: true }); // its own retry
      expect(await b.claims.renew(req(holder, 1))).toBe(true); // now held until minute 2
      expect(await b.claims.renew(req("x", 1))).toBe(false);
      expect(await a.claims.expired(["quiz-post"], at(1.5))).toEqual([]);
      expect((await a.claims.expired(["quiz-post", "other"], at(2))).map((c) => c.owner)).toEqual([holder]);
      // The holder died: the lease lapses and another process takes the claim over, once.
      const takeovers = await Promise.all([a.claims.take(req("b1", 2)), b.claims.take(req("b2", 2))]);
      expect(takeovers.filter((r) => r.won)).toEqual([{ won: true, resumed: true }]);
      expect(await a.claims.renew(req(holder, 2.5))).toBe(false); // the dead holder's renewal, too late
      await b.claims.finish({ kind: "quiz-post", key: "C1@2025-01-01T09:00", now: at(3), result: "round 7 posted" });
      expect(await a.claims.get("quiz-post", "C1@2025-01-01T09:00")).toMatchObject({
        doneAt: at(3),
        result: "round 7 posted",
        attempts: 3,
      });
      expect(await a.claims.take(req("late", 60))).toEqual({ won: false });
      expect(await a.claims.expired(["quiz-post"], at(60))).toEqual([]);
      // Released at shutdown: taken over at once.
      const other = { ...req("r", 0), key: "C2@2025-01-01T09:00" };
      expect((await a.claims.take(other)).won).toBe(true);
      await a.claims.release(other);
      expect(await b.claims.take({ ...other, owner: "s" })).toEqual({ won: true, resumed: true });
      // claimOnce is taken and finished in one go: never taken over.
      expect(await a.claimOnce({ kind: "k", key: "skipped", owner: "o", at: at(0) })).toBe(true);
      expect(await b.claims.take({ ...req("p", 600), kind: "k", key: "skipped" })).toEqual({ won: false });
    });

    it("claims once across processes racing through the migrations", { timeout: 60_000 }, async () => {
      const options = await target.fresh();
      const startAt = String(Date.now() + 2_500);
      // allSettled: every child has exited before the assertion (and the cleanup) runs.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 4 }, (_, i) =>
          run(process.execPath, ["--import", "tsx", fixture, JSON.stringify(options), "k1", `p${i}`, startAt]),
        ),
      );
      const outputs = outcomes.map((o) => (o.status === "fulfilled" ? o.value.stdout : String(o.reason)));
      expect(outputs.sort()).toEqual(["lost", "lost", "lost", "won"]);
    });

    it("keeps data across close and reopen", async () => {
      const options = await target.fresh();
      const first = await openStore(options);
      const id = await first.recordQuery(query({ at: at(1) }));
      await first.claimOnce({ kind: "k", key: "x", owner: "first", at: at(1) });
      await first.close();
      const second = await openTracked(options);
      expect(await second.claimOnce({ kind: "k", key: "x", owner: "second", at: at(2) })).toBe(false);
      expect(await second.recordFeedback({ queryId: id, userId: "U1", vote: -1, at: at(2) })).toBe("recorded");
      expect(await second.gaps(at(0), 5)).toHaveLength(1);
    });

    it("runs a transaction: committed on success, rolled back on error", async () => {
      const store = await freshStore();
      const values = { kind: "t", owner: "o", at: T0 };
      await store.transaction((trx) =>
        trx
          .insertInto("claims")
          .values({ ...values, key: "kept" })
          .execute(),
      );
      await expect(
        store.transaction(async (trx) => {
          await trx
            .insertInto("claims")
            .values({ ...values, key: "dropped" })
            .execute();
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      const keys = await store.db.selectFrom("claims").select(["key", "at"]).execute();
      expect(keys).toEqual([{ key: "kept", at: T0 }]);
    });
  });
}

storeContract("SQLite", sqliteTarget());

const pgUrl = process.env.TEST_DATABASE_URL;
if (pgUrl) {
  storeContract("PostgreSQL", postgresTarget(pgUrl));
  it("leaves the global pg int8 parser alone", async () => {
    const target = postgresTarget(pgUrl);
    const store = await openStore(await target.fresh());
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      expect(typeof (await client.query("select count(*) as n from pg_class")).rows[0].n).toBe("string");
    } finally {
      await client.end();
      await store.close();
      await target.cleanup();
    }
  });
} else {
  console.warn("PostgreSQL store tests skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)");
  describe.skip("store contract: PostgreSQL (set TEST_DATABASE_URL)", () => {
    it("runs the contract against PostgreSQL", () => {});
  });
}

describe("openStore errors and options", () => {
  const secret = "s3cret-Pa55word";

  it("names an unreachable PostgreSQL server without the password", async () => {
    const error = await openStore({ url: `postgres://postgres:${secret}@127.0.0.1:1/test` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/Cannot open PostgreSQL database postgres@127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
    expect(message).not.toContain(secret);
  });

  it("rejects a malformed PostgreSQL URL without printing it", async () => {
    const error = await openStore({ url: `postgresql://postgres:${secret}@127.0.0.1:99999/test` }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/could not be parsed/);
    expect((error as Error).message).not.toContain(secret);
  });

  it("rejects an unsupported URL scheme", async () => {
    await expect(openStore({ url: `mysql://root:${secret}@db/app` })).rejects.toThrow(
      /Unsupported database URL scheme "mysql": expected one starting with postgres:\/\//,
    );
  });

  it("creates the SQLite parent directory, and supports :memory:", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-store-"));
    try {
      const store = await openStore({ sqlitePath: path.join(root, "a", "b", "dockhand.db") });
      await store.ping();
      await store.close();
      expect(fs.existsSync(path.join(root, "a", "b", "dockhand.db"))).toBe(true);
      const memory = await openStore({ sqlitePath: ":memory:" });
      expect(await memory.claimOnce({ kind: "k", key: "x", owner: "o", at: at(0) })).toBe(true);
      await memory.close();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("records questions without an fsync each, and every other write stays fully synced", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-store-"));
    const store = await openStore({ sqlitePath: path.join(root, "dockhand.db") });
    try {
      const db = (store as unknown as { db: import("kysely").Kysely<unknown> }).db;
      const level = async () =>
        (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]?.synchronous;
      expect(await level()).toBe(2); // FULL
      const ids = await Promise.all([1, 2, 3].map((i) => store.recordQuery(query({ userId: `U${i}` }))));
      expect(new Set(ids).size).toBe(3);
      expect(await level()).toBe(2);
    } finally {
      await store.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("names the SQLite path it cannot open", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-store-"));
    try {
      fs.writeFileSync(path.join(root, "file"), "");
      await expect(openStore({ sqlitePath: path.join(root, "file", "dockhand.db") })).rejects.toThrow(
        /Cannot open SQLite database at .*file\/dockhand\.db/,
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
