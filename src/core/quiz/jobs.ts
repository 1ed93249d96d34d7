import type { Clock } from "../clock.ts";
import { occurrencesBetween } from "../schedule/recurrence.ts";
import type { Job } from "../schedule/scheduler.ts";
import type { QuizRound, QuizSchedule } from "./model.ts";
import type { QuizRepo } from "./repo.ts";
import type { QuizService } from "./service.ts";
import { closeTime, recurrenceOf } from "./timing.ts";

function channelKey(c: { platform: string; workspaceId: string; channelId: string }): string {
  return `${c.platform}:${c.workspaceId}:${c.channelId}`;
}

/**
 * Posts each channel's scheduled question at its time. The claim is at least once (a process that
 * died holding it is taken over), so a resumed run first looks at the rounds of its occurrence:
 * one already out is left alone, one left in 'posting' is resumed (found in the channel or posted),
 * and a failed one whose message turned up after all is opened instead of posting another.
 */
export function quizPostJob(repo: QuizRepo, quiz: QuizService): Job<QuizSchedule> {
  return {
    kind: "quiz-post",
    items: () => repo.listSchedules(),
    key: channelKey,
    // A schedule set at 09:30 for 09:00 starts tomorrow, not at once.
    occurrences: (s, from, to) =>
      occurrencesBetween(recurrenceOf(s), new Date(Math.max(from.getTime(), s.createdAt.getTime())), to),
    run: async (s, at, attempt) => {
      const key = `${channelKey(s)}@${at.toISOString()}`;
      // Counted from when the message actually goes out: a late post is not born closed.
      const closesAt = (postedAt: Date) => closeTime(postedAt, s.closeAfterMs, s);
      if (attempt.resumed) {
        const rounds = await repo.posting.forSchedule(key);
        const out = rounds.find((r) => r.status === "open" || r.status === "closed");
        if (out) return `round ${out.id} already posted`;
        const posting = rounds.find((r) => r.status === "posting");
        if (posting) {
          if (!(await quiz.resume(posting.id, closesAt)))
            throw new Error(`round ${posting.id} is still being posted by another process`);
          return `round ${posting.id} resumed`;
        }
        const failed = rounds[0];
        if (failed && (await quiz.adopt(failed, closesAt))) return `round ${failed.id} found in the channel`;
      }
      const opts = { postedBy: null, scheduleKey: key, closesAt };
      let result = await quiz.post(s, opts);
      // The previous round closes when this one is due: when it is still open, close it now rather
      // than wait for the closing job's tick. Looked at only when it blocks the post, which spares
      // the usual case (nothing open) a query.
      if (!result.ok && result.open.status === "open" && result.open.closesAt <= at) {
        await quiz.close(result.open.id);
        result = await quiz.post(s, opts);
      }
      if (!result.ok) throw new Error(`channel ${s.channelId} still has round ${result.open.id} open`);
      return `round ${result.round.id} posted`;
    },
  };
}

/**
 * Closes rounds at their closing time, claimed once. A round whose time passed while no process
 * ran is closed at once rather than skipped: closing late is better than never. Each tick also
 * resumes rounds left in 'posting' by a process that stopped renewing them (see QuizService.resume).
 */
export function quizCloseJob(repo: QuizRepo, quiz: QuizService, clock: Clock): Job<QuizRound> {
  return {
    kind: "quiz-close",
    items: async () => {
      await quiz.recoverStuck();
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
