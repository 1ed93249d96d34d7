import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.ts";
import { baseUrl, twoStores } from "../ops/replicas.ts";

/** The one-holder lock on real PostgreSQL: one holder at a time, freed on release and when its connection dies. */
if (!baseUrl) console.warn("TEST_DATABASE_URL is not set: skipping the advisory lock tests (PostgreSQL)");

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!baseUrl)("the exclusive lock on PostgreSQL", () => {
  it("is held by one process at a time and passes on when released", async () => {
    const { a, b } = await twoStores(cleanups);
    const la = a.exclusiveLock("discord-gateway");
    const lb = b.exclusiveLock("discord-gateway");
    cleanups.push(
      () => la.release(),
      () => lb.release(),
    );
    expect(await la.tryTake()).toBe(true);
    expect(await lb.tryTake()).toBe(false);
    expect(await la.tryTake()).toBe(true); // taking it again while holding it is fine
    expect(await la.stillHeld()).toBe(true);
    await la.release();
    expect(la.held).toBe(false);
    expect(await lb.tryTake()).toBe(true);
    // Another name is another lock.
    expect(await a.exclusiveLock("something-else").tryTake()).toBe(true);
  });

  it("is not shared with another schema (another deployment on the same database)", async () => {
    const one = await twoStores(cleanups);
    const two = await twoStores(cleanups);
    const l1 = one.a.exclusiveLock("discord-gateway");
    const l2 = two.a.exclusiveLock("discord-gateway");
    cleanups.push(
      () => l1.release(),
      () => l2.release(),
    );
    expect(await l1.tryTake()).toBe(true);
    expect(await l2.tryTake()).toBe(true);
  });

  it("is lost when its connection is cut, and then another process takes it", async () => {
    const { url, a, b } = await twoStores(cleanups);
    const la = a.exclusiveLock("discord-gateway");
    const lb = b.exclusiveLock("discord-gateway");
    cleanups.push(
      () => la.release(),
      () => lb.release(),
    );
    expect(await la.tryTake()).toBe(true);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    cleanups.push(() => admin.end());
    // Only this schema's lock: two-key advisory locks show their keys as classid and objid.
    const { rowCount } = await admin.query(
      `select pg_terminate_backend(pid) from pg_locks
       where locktype = 'advisory' and granted and objsubid = 2
         and classid::bigint = (hashtext('dockhand')::bigint & 4294967295)
         and objid::bigint = (hashtext(current_schema() || ':discord-gateway')::bigint & 4294967295)`,
    );
    expect(rowCount).toBe(1);
    expect(await la.stillHeld()).toBe(false);
    expect(await lb.tryTake()).toBe(true);
    expect(await la.tryTake()).toBe(false);
  });

  it("is always this process's with SQLite", async () => {
    const store = await openStore({ sqlitePath: ":memory:" });
    cleanups.push(() => store.close());
    expect(await store.exclusiveLock("discord-gateway").tryTake()).toBe(true);
  });
});
