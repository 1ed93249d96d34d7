import type { Kysely } from "kysely";
import type { Platform } from "../core/platform.ts";
import type { Database } from "./schema.ts";
import { ms } from "./shared.ts";

/** Processed platform event ids (dedupe of retried deliveries) and the schedulers' exactly-once claims. */
export class Events {
  constructor(private readonly db: Kysely<Database>) {}

  async claimEvent(p: { platform: Platform; eventId: string; at: Date }): Promise<boolean> {
    const result = await this.db
      .insertInto("processed_events")
      .values({ platform: p.platform, event_id: p.eventId, at: ms(p.at, "at") })
      .onConflict((oc) => oc.columns(["platform", "event_id"]).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async pruneEvents(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom("processed_events")
      .where("at", "<", ms(before, "before"))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async claimOnce(p: { kind: string; key: string; owner: string; at: Date }): Promise<boolean> {
    const result = await this.db
      .insertInto("claims")
      .values({
        kind: p.kind,
        key: p.key,
        owner: p.owner,
        at: ms(p.at, "at"),
        lease_until: ms(p.at, "at"),
        done_at: ms(p.at, "at"),
      })
      .onConflict((oc) => oc.columns(["kind", "key"]).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }
}
