import type { webApi } from "@slack/bolt";
import type { Clock } from "../../core/clock.ts";
import type { Caller } from "../../core/command.ts";
import type { Logger } from "../../core/logger.ts";
import { errorText } from "./support.ts";

/** users.info is Tier 4 (100/min): admin flags and names are cached this long. */
export const USER_CACHE_MS = 10 * 60_000;
const USER_FAILURE_CACHE_MS = 60_000;

export interface Profile {
  admin: boolean;
  bot: boolean;
  name?: string;
}

/** Who is asking: names and admin flags from users.info, cached on the injected clock. */
export class People {
  readonly #profiles = new Map<string, { until: number; value: Promise<Profile> }>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  profile(userId: string): Promise<Profile> {
    const now = this.clock.now().getTime();
    const profiles = this.#profiles;
    const hit = profiles.get(userId);
    if (hit && hit.until > now) return hit.value;
    if (profiles.size > 10_000) for (const [k, v] of profiles) if (v.until <= now) profiles.delete(k);
    const value = this.client.users.info({ user: userId }).then(
      (r) => {
        const u = r.user;
        return {
          admin: !!(u?.is_admin || u?.is_owner || u?.is_primary_owner),
          bot: !!u?.is_bot,
          name: u?.profile?.display_name || u?.real_name || u?.name || undefined,
        };
      },
      (err: unknown) => {
        this.log.warn({ err: errorText(err), user: userId }, "users.info failed; treating the user as a non-admin");
        profiles.set(userId, { until: now + USER_FAILURE_CACHE_MS, value });
        return { admin: false, bot: false };
      },
    );
    profiles.set(userId, { until: now + USER_CACHE_MS, value });
    return value;
  }

  async callerOf(w: { team?: string | null; channel: string; user: string; name?: string }): Promise<Caller> {
    const p = await this.profile(w.user);
    return {
      platform: "slack",
      workspaceId: w.team ?? "",
      channelId: w.channel,
      userId: w.user,
      userName: w.name || p.name || w.user,
      platformAdmin: p.admin,
    };
  }
}
