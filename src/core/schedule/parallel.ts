import { setTimeout as sleep } from "node:timers/promises";

/**
 * How far apart the scheduler opens its lanes for due occurrences: 50 lanes in two seconds. A
 * fan-out needs few lanes at first (sends are paced), and lanes opened faster than the first ones
 * finish only queue for the same database and CPU, the more so with several replicas at once.
 */
export const LANE_RAMP_MS = 40;

/**
 * Runs work for each element of list, at most `limit` at a time, started in list order; resolves
 * when all are done. With rampMs, lane i starts i × rampMs after the first: when many items are due
 * at once, the first ones go through their steps alone instead of 50 in lockstep, each step
 * waiting for the other 49 (in a fan-out, the first post then goes out in milliseconds, not a second).
 */
export async function inParallel<T>(
  list: readonly T[],
  limit: number,
  work: (x: T) => Promise<void>,
  rampMs = 0,
): Promise<void> {
  let next = 0;
  const lane = async (i: number) => {
    if (i > 0 && rampMs > 0) await sleep(i * rampMs);
    while (next < list.length) await work(list[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, list.length)) }, (_, i) => lane(i)));
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
