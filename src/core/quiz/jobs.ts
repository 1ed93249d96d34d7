import type { Clock } from "../clock.ts";
import { occurrencesBetween } from "../schedule/recurrence.ts";
import type { Job } from "../schedule/scheduler.ts";
import type { QuizRound, QuizSchedule } from "./model.ts";
import type { QuizRepo } from "./repo.ts";
import type { QuizService } from "./service.ts";
import { closeTime, recurrenceOf } from "./timing.ts";

/** How long a round may stay in 'posting' before it counts as never posted. */
export const STALE_POSTING_MS = 10 * 60_000;

function channelKey(c: { platform: string; workspaceId: string; channelId: string }): string {
  return `${c.platform}:${c.workspaceId}:${c.channelId}`;
}

/** Posts each channel's scheduled question at its time, claimed once across processes. */
export function quizPostJob(repo: QuizRepo, quiz: QuizService): Job<QuizSchedule> {
  return {
    kind: "quiz-post",
    items: () => repo.listSchedules(),
    key: channelKey,
    // A schedule set at 09:30 for 09:00 starts tomorrow, not at once.
    occurrences: (s, from, to) =>
      occurrencesBetween(recurrenceOf(s), new Date(Math.max(from.getTime(), s.createdAt.getTime())), to),
    run: async (s, at) => {
      // The previous round closes when this one is due; close it first rather than wait a tick.
      const open = await repo.openRoundIn(s);
      if (open && open.status === "open" && open.closesAt <= at) await quiz.close(open.id);
      const key = `${channelKey(s)}@${at.toISOString()}`;
      const result = await quiz.post(s, {
        postedBy: null,
        scheduleKey: key,
        closesAt: closeTime(at, s.closeAfterMs, s),
      });
      if (!result.ok) throw new Error(`channel ${s.channelId} still has round ${result.open.id} open`);
    },
  };
}

/**
 * Closes rounds at their closing time, claimed once. A round whose time passed while no process
 * ran is closed at once rather than skipped: closing late is better than never.
 */
export function quizCloseJob(repo: QuizRepo, quiz: QuizService, clock: Clock): Job<QuizRound> {
  return {
    kind: "quiz-close",
    items: async () => {
      // A round stuck in 'posting' means a process died between claiming and posting: free the channel.
      await repo.failStalePosting(new Date(clock.now().getTime() - STALE_POSTING_MS));
      return repo.dueToClose(clock.now());
    },
    key: (r) => `round-${r.id}`,
    occurrences: (r, from, to) =>
      r.closesAt > from && r.closesAt <= to ? [r.closesAt] : r.closesAt <= from ? [to] : [],
    run: async (r) => {
      await quiz.close(r.id);
    },
  };
}
