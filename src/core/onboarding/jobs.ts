import type { Clock } from "../clock.ts";
import { occurrencesBetween } from "../schedule/recurrence.ts";
import type { Job } from "../schedule/scheduler.ts";
import type { Enrolment, Member } from "./model.ts";
import type { OnboardingRepo } from "./repo.ts";
import type { OnboardingService } from "./service.ts";

function member(e: Enrolment): Member {
  return { platform: e.platform, workspaceId: e.workspaceId, userId: e.userId, userName: e.userName };
}

const key = (e: Enrolment) => `${e.platform}:${e.workspaceId}:${e.userId}`;

/**
 * The drip: one step each workday at the member's chosen local time. Claimed under a lease: when the
 * process sending a step dies, the next one resumes the occurrence (see OnboardingService.drip).
 */
export function onboardingDripJob(repo: OnboardingRepo, service: OnboardingService): Job<Enrolment> {
  return {
    kind: "onboard-drip",
    items: () => repo.dripEnrolments(),
    key,
    // Only times after the member chose the drip: choosing 09:30 at 09:51 starts tomorrow.
    occurrences: (e, from, to) =>
      e.dripTime && e.dripTimezone
        ? occurrencesBetween(
            { time: e.dripTime, timezone: e.dripTimezone, days: "weekdays" },
            new Date(Math.max(from.getTime(), e.paceSetAt?.getTime() ?? 0)),
            to,
          )
        : [],
    run: (e, at, attempt) => service.drip(member(e), e.trackId, at, attempt.resumed),
  };
}

/** Once a week (Mondays 10:00 UTC), one gentle nudge to each member who has stalled. */
export function onboardingNudgeJob(
  repo: OnboardingRepo,
  service: OnboardingService,
  clock: Clock,
  stallDays: number,
): Job<Enrolment> {
  return {
    kind: "onboard-nudge",
    items: () => repo.stalled(new Date(clock.now().getTime() - stallDays * 86_400_000)),
    key,
    occurrences: (_e, from, to) => occurrencesBetween({ time: "10:00", timezone: "UTC", days: [1] }, from, to),
    run: (e, at) => service.nudge(member(e), e.trackId, `nudge@${at.toISOString()}`),
  };
}
