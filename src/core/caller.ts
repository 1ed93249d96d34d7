import type { Platform } from "./platform.ts";

/** Who is asking, where. Adapters fill it from the platform event. */
export interface Caller {
  platform: Platform;
  workspaceId: string;
  channelId: string;
  userId: string;
  userName: string;
  /** True when the platform says so (Discord Manage Server, Slack admin/owner); config adds more. */
  platformAdmin: boolean;
}

/** Admins: the platform says so, or DOCKHAND_ADMINS lists the user (by id, or as platform:id). */
export function isAdmin(caller: Caller, ctx: { admins: ReadonlySet<string> }): boolean {
  return caller.platformAdmin || ctx.admins.has(caller.userId) || ctx.admins.has(`${caller.platform}:${caller.userId}`);
}
