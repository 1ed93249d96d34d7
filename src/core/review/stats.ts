import type { ReviewCard, ReviewEvent } from "./model.ts";
import { localDate } from "./render.ts";

const DAY_MS = 86_400_000;

export interface ReviewStats {
  /** Cards due by the end of the person's day. */
  dueToday: number;
  /** Cards due within the next seven days (today included). */
  dueWeek: number;
  /** Share of the last 30 days' reviews answered right; undefined without reviews. */
  retention?: number;
  reviews30: number;
  /** Consecutive days with at least one review, ending today (or yesterday, when today has none yet). */
  streak: number;
}

/** The day before a "YYYY-MM-DD" date (calendar arithmetic in UTC, where no day is 23 hours long). */
function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
}

/** Status figures from the deck and the review history, in the person's time zone. */
export function reviewStats(cards: ReviewCard[], reviews: ReviewEvent[], now: Date, timezone: string): ReviewStats {
  const today = localDate(now, timezone);
  const weekEnd = localDate(new Date(now.getTime() + 6 * DAY_MS), timezone);
  const dueDays = cards.map((c) => localDate(c.fsrs.due, timezone));
  const recent = reviews.filter((r) => r.at.getTime() >= now.getTime() - 30 * DAY_MS);
  const right = recent.filter((r) => r.grade !== "again").length;

  const days = new Set(reviews.map((r) => localDate(r.at, timezone)));
  let day = days.has(today) ? today : dayBefore(today);
  let streak = 0;
  while (days.has(day)) {
    streak += 1;
    day = dayBefore(day);
  }
  return {
    dueToday: dueDays.filter((d) => d <= today).length,
    dueWeek: dueDays.filter((d) => d <= weekEnd).length,
    ...(recent.length > 0 ? { retention: right / recent.length } : {}),
    reviews30: recent.length,
    streak,
  };
}
