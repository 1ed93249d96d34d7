/** A read-only map: a `Map` when built, `SortedKeys` when loaded from a saved index. */
export interface KeyLookup<V> {
  get(key: string): V | undefined;
  entries(): Iterable<[string, V]>;
}

/** Strings laid end to end in one buffer, with where each starts (`starts` has one more, the end). */
export interface PackedStrings {
  text: Buffer;
  starts: Uint32Array;
}

export function packStrings(strings: readonly string[]): PackedStrings {
  const parts = strings.map((s) => Buffer.from(s, "utf8"));
  const starts = new Uint32Array(parts.length + 1);
  parts.forEach((p, i) => {
    starts[i + 1] = (starts[i] as number) + p.length;
  });
  return { text: Buffer.concat(parts), starts };
}

export function unpackString(p: PackedStrings, i: number): string {
  return p.text.toString("utf8", p.starts[i], p.starts[i + 1]);
}

/**
 * The pairs of `lookup` with their keys in UTF-8 byte order, as `SortedKeys` searches them:
 * the keys packed, and the values in the same order.
 */
export function sortedPairs<V>(lookup: KeyLookup<V>): { keys: PackedStrings; values: V[] } {
  const pairs = [...lookup.entries()].map(([k, v]) => ({ bytes: Buffer.from(k, "utf8"), k, v }));
  pairs.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  return { keys: packStrings(pairs.map((p) => p.k)), values: pairs.map((p) => p.v) };
}

/**
 * Keys sorted by their bytes in one buffer, searched in place: a saved index's hundred thousand
 * names and compounds need no map, and no string each, until a question looks one up.
 */
export class SortedKeys<V> implements KeyLookup<V> {
  constructor(
    private readonly keys: PackedStrings,
    private readonly value: (i: number) => V,
  ) {}

  get(key: string): V | undefined {
    const k = Buffer.from(key, "utf8");
    const { text, starts } = this.keys;
    let lo = 0;
    let hi = starts.length - 2;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = text.compare(k, 0, k.length, starts[mid], starts[mid + 1]);
      if (c === 0) return this.value(mid);
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  *entries(): Generator<[string, V]> {
    for (let i = 0; i + 1 < this.keys.starts.length; i++) yield [unpackString(this.keys, i), this.value(i)];
  }
}
