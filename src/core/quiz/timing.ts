import { type Days, nextOccurrence, type Recurrence } from "../schedule/recurrence.ts";
import type { QuizSchedule } from "./model.ts";

/** Days as the store keeps them: "daily", "weekdays" or "1,3,5" (0 = Sunday). */
export function daysToText(days: Days): string {
  return Array.isArray(days) ? days.join(",") : days;
}

export function daysFromText(text: string): Days {
  if (text === "daily" || text === "weekdays") return text;
  return text.split(",").map(Number);
}

export function recurrenceOf(s: Pick<QuizSchedule, "time" | "timezone" | "days">): Recurrence {
  return { time: s.time, timezone: s.timezone, days: daysFromText(s.days) };
}

/** When a round posted at `postedAt` closes: after the schedule's delay, never after the next round. */
export function closeTime(
  postedAt: Date,
  closeAfterMs: number,
  schedule?: Pick<QuizSchedule, "time" | "timezone" | "days">,
): Date {
  const byDelay = new Date(postedAt.getTime() + closeAfterMs);
  const next = schedule ? nextOccurrence(recurrenceOf(schedule), postedAt) : undefined;
  return next && next < byDelay ? new Date(next.getTime() - 1000) : byDelay;
}
