/** Runs work for each element of list, at most `limit` at a time, started in list order; resolves when all are done. */
export async function inParallel<T>(list: readonly T[], limit: number, work: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < list.length) await work(list[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, list.length)) }, lane));
}
