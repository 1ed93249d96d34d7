import type { Logger } from "../core/logger.ts";
import type { ExclusiveLock } from "../store/index.ts";
import type { Check } from "./server.ts";

export interface GatewayHolderOptions {
  lock: ExclusiveLock;
  /** How often a replica without the lock tries to take it, and the holder checks it still has it. */
  retryMs: number;
  log: Logger;
  /** Opens the gateway session; a failure gives the lock back for another replica (or a later try). */
  connect: () => Promise<void>;
  disconnect: () => Promise<void>;
}

type State = "starting" | "holding" | "standby" | "stopped";

/**
 * One gateway session across replicas: whoever takes the lock connects; the others keep serving
 * HTTP and try again every `retryMs`, so when the holder dies (PostgreSQL frees its lock with its
 * connection) another takes over within about that time. A holder that loses its lock's connection
 * disconnects at once, so that two sessions never run side by side for long.
 */
export class GatewayHolder {
  #state: State = "starting";
  #since = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #lastError: string | undefined;

  constructor(private readonly o: GatewayHolderOptions) {}

  get holding(): boolean {
    return this.#state === "holding";
  }

  /** Tries once now (resolves after that try), then keeps trying every retryMs until stop(). */
  async start(): Promise<void> {
    await this.#tick();
    this.#schedule();
  }

  /** For /healthz: holding, or standing by (both fine); the detail says which, and since when. */
  check(): Check {
    const since = new Date(this.#since).toISOString();
    if (this.#state === "holding") return { ok: true, detail: `held by this replica since ${since}` };
    const why = this.#lastError ? ` (last try: ${this.#lastError})` : "";
    return {
      ok: true,
      detail: `standby since ${since}: another replica holds the gateway; trying every ${Math.round(this.o.retryMs / 1000)} s${why}`,
    };
  }

  async stop(): Promise<void> {
    const was = this.#state;
    this.#state = "stopped";
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
    if (was === "holding" || this.o.lock.held) {
      await this.o.disconnect().catch(() => undefined);
      await this.o.lock.release();
      this.o.log.info("released the gateway lock");
    }
  }

  #schedule(): void {
    if (this.#state === "stopped") return;
    this.#timer = setTimeout(() => {
      void this.#tick().finally(() => this.#schedule());
    }, this.o.retryMs);
    this.#timer.unref();
  }

  #tick(): Promise<void> {
    this.#running = this.#step().catch((err: unknown) => {
      this.#lastError = (err as Error).message;
      if (this.#state === "starting") this.#set("standby");
      this.o.log.warn({ err: this.#lastError }, "gateway lock: try failed");
    });
    return this.#running;
  }

  async #step(): Promise<void> {
    if (this.#state === "stopped") return;
    if (this.#state === "holding") {
      if (await this.o.lock.stillHeld()) return;
      this.o.log.warn("lost the gateway lock (its database connection ended): disconnecting from the gateway");
      this.#set("standby");
      await this.o.disconnect();
    }
    if (!(await this.o.lock.tryTake())) {
      if (this.#state === "starting") {
        this.#set("standby");
        this.o.log.info("another replica holds the Discord gateway: serving HTTP interactions and posts only");
      }
      this.#lastError = undefined;
      return;
    }
    if (this.#stopped()) {
      await this.o.lock.release();
      return;
    }
    this.o.log.info("took the gateway lock: connecting to the Discord gateway");
    try {
      await this.o.connect();
    } catch (err) {
      await this.o.disconnect().catch(() => undefined);
      await this.o.lock.release();
      throw new Error(`connecting to the gateway failed; lock given back: ${(err as Error).message}`);
    }
    this.#lastError = undefined;
    this.#set("holding");
    this.o.log.info("holding the Discord gateway");
  }

  #stopped(): boolean {
    return this.#state === "stopped";
  }

  #set(state: State): void {
    if (this.#state === "stopped") return;
    this.#state = state;
    this.#since = Date.now();
  }
}
