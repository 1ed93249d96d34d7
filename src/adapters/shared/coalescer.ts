/**
 * Runs jobs one at a time per key; a job submitted while another runs replaces any job still
 * waiting, and everyone waiting is settled by the newest. Only the latest state of a message matters.
 */
export class Coalescer {
  private readonly slots = new Map<string, { next?: { run: () => Promise<unknown>; waiters: Waiter[] } }>();

  submit(key: string, run: () => Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let slot = this.slots.get(key);
      const idle = !slot;
      if (!slot) {
        slot = {};
        this.slots.set(key, slot);
      }
      slot.next = { run, waiters: [...(slot.next?.waiters ?? []), { resolve, reject }] };
      if (idle) void this.drain(key, slot);
    });
  }

  private async drain(key: string, slot: { next?: { run: () => Promise<unknown>; waiters: Waiter[] } }) {
    while (slot.next) {
      const job = slot.next;
      slot.next = undefined;
      try {
        await job.run();
        for (const w of job.waiters) w.resolve();
      } catch (err) {
        for (const w of job.waiters) w.reject(err);
      }
    }
    this.slots.delete(key);
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}
