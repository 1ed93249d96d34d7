import { type Kysely, sql } from "kysely";
import type { LeaseClaims, LeaseRequest, LeaseResult } from "../core/schedule/leases.ts";
import type { Database } from "./schema.ts";

export type { LeaseRequest, LeaseResult } from "../core/schedule/leases.ts";

/**
 * Leased claims of scheduled work (one row per job kind and occurrence). A claim is taken, renewed
 * while the work runs, and finished with its result; an unfinished claim whose lease ran out is
 * taken over by the next process that asks. Every transition is one statement, so two processes
 * asking at once never both win.
 */
export class ClaimStore implements LeaseClaims {
  constructor(private readonly db: Kysely<Database>) {}

  /** Takes the claim when nobody has it, when its holder's lease ran out, or when the caller holds it. */
  async take(r: LeaseRequest): Promise<LeaseResult> {
    const now = ms(r.now);
    const row = await this.db
      .insertInto("claims")
      .values({
        kind: r.kind,
        key: r.key,
        owner: r.owner,
        at: now,
        lease_until: now + r.leaseMs,
        done_at: null,
        result: null,
      })
      .onConflict((oc) =>
        oc
          .columns(["kind", "key"])
          .doUpdateSet({
            owner: (eb) => eb.ref("excluded.owner"),
            lease_until: (eb) => eb.ref("excluded.lease_until"),
            attempts: sql<number>`claims.attempts + 1`,
          })
          .where("claims.done_at", "is", null)
          .where((eb) =>
            eb.or([eb("claims.lease_until", "<=", now), eb("claims.owner", "=", eb.ref("excluded.owner"))]),
          ),
      )
      .returning("attempts")
      .executeTakeFirst();
    return row ? { won: true, resumed: Number(row.attempts) > 1 } : { won: false };
  }

  /** Extends the caller's lease; false when the claim is no longer the caller's (taken over or finished). */
  async renew(r: LeaseRequest): Promise<boolean> {
    const result = await this.db
      .updateTable("claims")
      .set({ lease_until: ms(r.now) + r.leaseMs })
      .where("kind", "=", r.kind)
      .where("key", "=", r.key)
      .where("owner", "=", r.owner)
      .where("done_at", "is", null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Marks the work done with its result, whoever holds the lease now: the work happened, and a
   * process that took the claim over finds that out when it checks before acting.
   */
  async finish(p: { kind: string; key: string; now: Date; result: string }): Promise<void> {
    await this.db
      .updateTable("claims")
      .set({ done_at: ms(p.now), lease_until: ms(p.now), result: p.result })
      .where("kind", "=", p.kind)
      .where("key", "=", p.key)
      .where("done_at", "is", null)
      .execute();
  }

  /** Ends the caller's lease at once (shutting down with the work unfinished): the next process takes over. */
  async release(p: { kind: string; key: string; owner: string }): Promise<void> {
    await this.db
      .updateTable("claims")
      .set({ lease_until: 0 })
      .where("kind", "=", p.kind)
      .where("key", "=", p.key)
      .where("owner", "=", p.owner)
      .where("done_at", "is", null)
      .execute();
  }

  /** Unfinished claims of these kinds whose lease ran out by `now`, oldest first. */
  async expired(
    kinds: string[],
    now: Date,
    limit = 100,
  ): Promise<{ kind: string; key: string; owner: string; at: Date }[]> {
    if (kinds.length === 0) return [];
    const rows = await this.db
      .selectFrom("claims")
      .select(["kind", "key", "owner", "at"])
      .where("kind", "in", kinds)
      .where("done_at", "is", null)
      .where("lease_until", "<=", ms(now))
      .orderBy("at")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ kind: r.kind, key: r.key, owner: r.owner, at: new Date(Number(r.at)) }));
  }

  /** Deletes finished claims of these kinds taken before `before` (claims of events, kept for a while); returns how many. */
  async prune(kinds: string[], before: Date): Promise<number> {
    if (kinds.length === 0) return 0;
    const result = await this.db
      .deleteFrom("claims")
      .where("kind", "in", kinds)
      .where("done_at", "is not", null)
      .where("at", "<", ms(before))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The claim as stored (for replicas watching it, tests and diagnostics). */
  async get(kind: string, key: string) {
    const row = await this.db
      .selectFrom("claims")
      .selectAll()
      .where("kind", "=", kind)
      .where("key", "=", key)
      .executeTakeFirst();
    return (
      row && {
        owner: row.owner,
        leaseUntil: row.lease_until === null ? null : new Date(Number(row.lease_until)),
        doneAt: row.done_at === null ? null : new Date(Number(row.done_at)),
        result: row.result,
        attempts: Number(row.attempts),
      }
    );
  }
}

function ms(date: Date): number {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new TypeError("ClaimStore: not a valid Date");
  return t;
}
