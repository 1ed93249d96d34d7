import { describe, expect, it } from "vitest";
import { SortedKeys, sortedPairs, unpackString } from "../../src/core/knowledge/sorted-keys.ts";

describe("sorted keys", () => {
  const map = new Map<string, number>([
    ["docker run", 1],
    ["bind mount", 2],
    ["élan", 3],
    ["zz", 4],
    ["a", 5],
    ["Zürich", 6],
    ["日本", 7],
    ["docker", 8],
  ]);
  const { keys, values } = sortedPairs(map);
  const lookup = new SortedKeys(keys, (i) => values[i] as number);

  it("finds every key a map holds, with its value, and nothing else", () => {
    for (const [k, v] of map) expect(lookup.get(k)).toBe(v);
    for (const missing of ["", "docker ru", "docker runs", "b", "zzz", "日", "Zurich"]) {
      expect(lookup.get(missing)).toBeUndefined();
    }
  });

  it("keeps the keys in byte order and gives back every pair", () => {
    const order = Array.from({ length: map.size }, (_, i) => unpackString(keys, i));
    const bytes = order.map((k) => Buffer.from(k, "utf8"));
    for (let i = 1; i < bytes.length; i++) expect(Buffer.compare(bytes[i - 1] as Buffer, bytes[i] as Buffer)).toBe(-1);
    expect(new Map(lookup.entries())).toEqual(map);
  });
});
