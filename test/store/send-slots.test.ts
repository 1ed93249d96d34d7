import { afterEach, describe, expect, it } from "vitest";
import { baseUrl, twoStores } from "../ops/replicas.ts";

/** Send times shared by replicas on real PostgreSQL: each reservation gets its own slot, one gap apart. */
if (!baseUrl) console.warn("TEST_DATABASE_URL is not set: skipping the shared send slot tests (PostgreSQL)");

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The send slots of two replicas on one fresh schema. */
async function replicas() {
  const { a, b } = await twoStores(cleanups);
  if (!a.sendSlots || !b.sendSlots) throw new Error("PostgreSQL stores share send slots");
  return { a: a.sendSlots, b: b.sendSlots };
}

// A gap far longer than the test's own steps take, so that each wait rounds to its slot number.
const GAP = 10_000;
const slotOf = (waitMs: number) => Math.round(waitMs / GAP);

describe.skipIf(!baseUrl)("shared send slots on PostgreSQL", () => {
  it("give two replicas reserving at once distinct slots, one gap apart, in one sequence", async () => {
    const { a, b } = await replicas();
    const waits = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).reserve("discord-global", GAP)),
    );
    expect(waits.map(slotOf).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Another limit is another sequence.
    expect(slotOf(await a.reserve("another", GAP))).toBe(0);
  });

  it("a pause holds back every replica's next reservation, and never brings slots forward", async () => {
    const { a, b } = await replicas();
    await a.pause("discord-global", 3 * GAP);
    expect(slotOf(await b.reserve("discord-global", GAP))).toBe(3);
    expect(slotOf(await a.reserve("discord-global", GAP))).toBe(4);
    // A shorter pause than what is already reserved changes nothing.
    await b.pause("discord-global", GAP);
    expect(slotOf(await b.reserve("discord-global", GAP))).toBe(5);
  });
});
