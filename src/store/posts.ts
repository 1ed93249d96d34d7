import type { Kysely } from "kysely";
import type { PostPlace } from "../core/answers/model.ts";
import type { Database } from "./schema.ts";
import { ms } from "./shared.ts";

/** Answers posted in channels, for the rule that the same answer is not repeated within a minute. */
export class Posts {
  constructor(private readonly db: Kysely<Database>) {}

  async recentPost(p: PostPlace & { since: Date }): Promise<{ messageRef: string | null; at: Date } | undefined> {
    const row = await this.db
      .selectFrom("posts")
      .select(["message_ref", "at"])
      .where("platform", "=", p.platform)
      .where("workspace_id", "=", p.workspaceId)
      .where("channel_id", "=", p.channelId)
      .where("entry_id", "=", p.entryId)
      .where("at", ">=", ms(p.since, "since"))
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    return row && { messageRef: row.message_ref, at: new Date(Number(row.at)) };
  }

  async recordPost(p: PostPlace & { messageRef: string | null; at: Date }): Promise<void> {
    await this.db
      .insertInto("posts")
      .values({
        platform: p.platform,
        workspace_id: p.workspaceId,
        channel_id: p.channelId,
        entry_id: p.entryId,
        message_ref: p.messageRef,
        at: ms(p.at, "at"),
      })
      .execute();
  }
}
