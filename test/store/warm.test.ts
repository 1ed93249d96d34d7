import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.ts";
import { baseUrl, freshSchema } from "../ops/replicas.ts";

/** Opening connections ahead of a burst (the scheduler asks a little before many posts fall due). */
if (!baseUrl) console.warn("TEST_DATABASE_URL is not set: skipping the connection warm-up test (PostgreSQL)");

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!baseUrl)("warming the store on PostgreSQL", () => {
  it("opens the connections asked for, no more than its pool holds, and they serve afterwards", async () => {
    const { url, db } = await freshSchema(cleanups);
    // A name of its own, so that other tests' connections do not count.
    const name = `warm-${randomBytes(4).toString("hex")}`;
    const named = new URL(url);
    named.searchParams.set("application_name", name);
    const store = await openStore({ url: named.toString() });
    cleanups.push(() => store.close());
    const open = async () =>
      Number(
        (await db.query("select count(*)::int as n from pg_stat_activity where application_name = $1", [name])).rows[0]
          ?.n,
      );
    expect(await open()).toBeLessThanOrEqual(2);
    await store.warm(6);
    expect(await open()).toBeGreaterThanOrEqual(6);
    await store.warm(500);
    expect(await open()).toBe(20);
    await store.ping();
  });

  it("does nothing on SQLite", async () => {
    const store = await openStore({ sqlitePath: ":memory:" });
    cleanups.push(() => store.close());
    await expect(store.warm(10)).resolves.toBeUndefined();
  });
});
