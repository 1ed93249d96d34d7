import { occurrencesBetween } from "../schedule/recurrence.ts";
import type { Job } from "../schedule/scheduler.ts";
import type { DailySetting } from "./model.ts";
import type { ReviewRepo } from "./repo.ts";
import type { ReviewService } from "./service.ts";

/**
 * The opt-in daily reminder: at each person's local time, claimed once across processes; a day
 * with nothing due sends nothing (the claim records that the day was looked at, so it is not
 * queued for later).
 */
export function reviewNudgeJob(repo: Pick<ReviewRepo, "dailies">, service: ReviewService): Job<DailySetting> {
  return {
    kind: "review-nudge",
    items: () => repo.dailies(),
    key: (s) => `${s.platform}:${s.workspaceId}:${s.userId}`,
    // Only times after the reminder was set: setting 09:00 at 09:30 starts tomorrow.
    occurrences: (s, from, to) =>
      occurrencesBetween(
        { time: s.time, timezone: s.timezone, days: "daily" },
        new Date(Math.max(from.getTime(), s.setAt.getTime())),
        to,
      ),
    run: async (s, at) => {
      await service.nudge(s, at);
    },
  };
}
