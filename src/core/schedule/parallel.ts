/** Runs work for each element of list, at most `limit` at a time, started in list order; resolves when all are done. */
export async function inParallel<T>(list: readonly T[], limit: number, work: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < list.length) await work(list[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, list.length)) }, lane));
}

/**
 * The list from a random index on, then its start: the order is kept, the starting point is not.
 * Replicas walking the same due occurrences this way claim different ones instead of racing for
 * the same ones in the same order (and losing most of those races).
 */
export function rotated<T>(list: T[]): T[] {
  if (list.length < 2) return list;
  const start = Math.floor(Math.random() * list.length);
  return [...list.slice(start), ...list.slice(0, start)];
}
