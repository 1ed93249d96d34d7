/**
 * Work an adapter does after acknowledging an event. stop() waits for it, so that the store is not
 * closed under a reply still being written.
 */
export class InFlight {
  readonly #running = new Set<Promise<unknown>>();

  /** Runs `work` (through `queue` when given); a failure goes to `failed`, never to the caller. */
  track(
    work: () => Promise<unknown>,
    failed: (err: unknown) => void,
    queue: (run: () => Promise<unknown>) => Promise<unknown> = (run) => run(),
  ): Promise<unknown> {
    const p: Promise<unknown> = queue(work)
      .catch(failed)
      .finally(() => this.#running.delete(p));
    this.#running.add(p);
    return p;
  }

  get size(): number {
    return this.#running.size;
  }

  /**
   * Resolves when nothing runs (work that starts while waiting is waited for too), or after waitMs
   * with work still running: a handler stuck on a call that never answers is abandoned.
   */
  async drain(waitMs = Number.POSITIVE_INFINITY): Promise<void> {
    const until = Date.now() + waitMs;
    while (this.#running.size > 0 && Date.now() < until) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise((r) => {
        timer = setTimeout(r, Math.min(until - Date.now(), 2 ** 31 - 1));
      });
      await Promise.race([Promise.allSettled([...this.#running]), late]);
      clearTimeout(timer);
    }
  }
}
