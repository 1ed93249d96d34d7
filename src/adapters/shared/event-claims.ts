import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../core/logger.ts";
import type { LeaseClaims } from "../../core/schedule/leases.ts";
import { errorText } from "./dedupe.ts";

/** The leased claims an adapter needs for events that every replica receives (the store implements it). */
export interface EventClaimStore extends Pick<LeaseClaims, "take" | "renew" | "finish"> {
  /** The claim as stored, or undefined when nobody took it. */
  get(kind: string, key: string): Promise<{ leaseUntil: Date | null; doneAt: Date | null } | undefined>;
  /** Deletes finished claims of these kinds taken before `before`; returns how many. */
  prune(kinds: string[], before: Date): Promise<number>;
}

export interface ClaimedEvent {
  /** Names the kind of event in the claims table, e.g. "discord-interaction". */
  kind: string;
  /** The event's id, the same in every replica that received it. */
  key: string;
  /** How long the holder's claim lasts without renewal; renewed every third of it while the work runs. */
  leaseMs: number;
  /** How long a replica that lost the claim keeps watching it, to take it over if its holder dies. */
  watchMs: number;
}

/** What became of an event in this replica. */
export type ClaimOutcome = "ran" | "done elsewhere" | "gave up" | "stopped";

/** Finished event claims are kept this long, then pruned (beyond any platform's redelivery). */
const KEEP_MS = 3_600_000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** A taker waits this much past the holder's lease, so that a holder renewing on time keeps it. */
const SLACK_MS = 30;

/**
 * Events that every replica receives (Discord's gateway sends each event to every connection of a
 * shard) are handled by the replica whose claim in the shared store wins. The claim is a lease,
 * renewed while the work runs and finished when it is done. The replicas that lost watch the claim:
 * when its lease runs out unfinished (the holder died), one of them takes it over and runs the work
 * with `resumed` set, so that it checks what the holder already did before acting.
 *
 * Leases here run on the wall clock: they measure how long a process has been silent, and the
 * platform's own deadlines (3 seconds to answer an interaction) are in real time too.
 */
export class EventClaims {
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: {
      store: EventClaimStore;
      owner: string;
      log: Logger;
      /** The kinds this adapter claims: their finished claims are pruned. */
      kinds: string[];
    },
  ) {
    // Every replica watching a burst of events waits on this one signal.
    setMaxListeners(0, this.#stop.signal);
  }

  /**
   * Runs `work` once across the replicas. When the store cannot be reached the work runs anyway:
   * a rare double beats a lost answer.
   */
  async handle(e: ClaimedEvent, work: (resumed: boolean) => Promise<void>): Promise<ClaimOutcome> {
    const { store, owner, log } = this.o;
    const ctx = { kind: e.kind, key: e.key };
    const lease = { kind: e.kind, key: e.key, owner, leaseMs: e.leaseMs };
    const watchUntil = Date.now() + e.watchMs;
    let resumed = false;
    try {
      let taken = await store.take({ ...lease, now: new Date() });
      // Lost: the holder usually finishes well within its lease, so look again once it has run out.
      let waitMs = e.leaseMs + SLACK_MS;
      while (!taken.won) {
        if (Date.now() + waitMs > watchUntil) {
          log.debug(ctx, "another replica still holds the event; stopped watching it");
          return "gave up";
        }
        try {
          await sleep(waitMs, undefined, { signal: this.#stop.signal, ref: false });
        } catch {
          return "stopped";
        }
        const claim = await store.get(e.kind, e.key);
        if (!claim || claim.doneAt) return "done elsewhere";
        const left = (claim.leaseUntil?.getTime() ?? 0) - Date.now();
        if (left > 0) {
          waitMs = left + SLACK_MS; // renewed: its holder is alive
          continue;
        }
        taken = await store.take({ ...lease, now: new Date() });
        waitMs = e.leaseMs + SLACK_MS; // lost again: another replica took it over just now
      }
      resumed = taken.resumed;
    } catch (err) {
      log.warn({ ...ctx, err: errorText(err) }, "could not claim the event; handling it anyway");
      await work(false);
      return "ran";
    }
    if (resumed) log.warn(ctx, "taking over an event whose replica stopped renewing its claim");
    const renew = setInterval(() => {
      store.renew({ ...lease, now: new Date() }).then(
        (mine) => {
          if (mine) return;
          // This replica was too slow to renew (a busy machine): the other one answers too, and the
          // platform takes the first answer.
          clearInterval(renew);
          log.warn(ctx, "lost the event's claim while handling it: another replica took it over");
        },
        (err: unknown) => log.warn({ ...ctx, err: errorText(err) }, "could not renew the event's claim"),
      );
    }, e.leaseMs / 3);
    renew.unref();
    let result = "done";
    try {
      await work(resumed);
    } catch (err) {
      // This replica made its attempt and saw it fail: another one trying again would answer twice.
      result = `failed: ${errorText(err).slice(0, 200)}`;
      throw err;
    } finally {
      clearInterval(renew);
      await store.finish({ kind: e.kind, key: e.key, now: new Date(), result }).catch((err: unknown) => {
        log.warn({ ...ctx, err: errorText(err) }, "could not mark the event handled");
      });
    }
    return "ran";
  }

  /** Prunes old finished claims now and then every ten minutes, until stop(). */
  start(): void {
    void this.prune();
    this.#timer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.#timer.unref();
  }

  /** Stops pruning, and stops watching claims held by other replicas (their holders finish them). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stop.abort();
  }

  async prune(): Promise<void> {
    try {
      const n = await this.o.store.prune(this.o.kinds, new Date(Date.now() - KEEP_MS));
      if (n > 0) this.o.log.debug({ pruned: n }, "pruned handled event claims");
    } catch (err) {
      this.o.log.warn({ err: errorText(err) }, "could not prune handled event claims");
    }
  }
}
