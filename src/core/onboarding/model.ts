import type { Platform } from "../platform.ts";
import type { Reply } from "../reply.ts";

/** A member being onboarded; one enrolment per member. */
export interface OnboardingUser {
  platform: Platform;
  workspaceId: string;
  userId: string;
}

/** stopped: left the track (progress kept, enrolling again resumes); finished: completed. */
export type OnboardingStatus = "active" | "paused" | "stopped" | "finished";
/** self: the next step comes on click; drip: one step each workday at a local time. */
export type OnboardingPace = "self" | "drip";

export interface Enrolment extends OnboardingUser {
  userName: string;
  trackId: string;
  /** Index of the current step, 0-based. */
  step: number;
  status: OnboardingStatus;
  pace: OnboardingPace;
  /** Local time of day of the drip, "HH:MM"; null when never set. */
  dripTime: string | null;
  /** IANA time zone of the drip; null when never set. */
  dripTimezone: string | null;
  /** When the pace was last chosen; null when never. */
  paceSetAt: Date | null;
  startedAt: Date;
  lastActivityAt: Date;
  finishedAt: Date | null;
}

/**
 * created: a new run of the track starts at step 0 (a new enrolment, a
 * restart of a finished track, or a switch from another track).
 * resumed: a paused or stopped enrolment on this track is active again.
 * otherTrack: the member is on another, unfinished track; nothing changed and
 * `enrolment` is that one.
 * A finished enrolment on the same track without `restart` is returned
 * unchanged with created false (its status says finished).
 */
export interface EnrolResult {
  enrolment: Enrolment;
  created: boolean;
  resumed?: true;
  restarted?: true;
  otherTrack?: true;
}

export interface CheckpointResult {
  /** Checkpoint answers given for this step so far, this one included. */
  attempts: number;
  /** True once any answer was right; stays true. */
  passed: boolean;
  /** True when the very first answer was right. */
  firstTry: boolean;
}

export interface OnboardingSummary {
  stepsDone: number;
  checkpointsPassed: number;
  /** Checkpoints whose first answer was right. */
  passedFirstTry: number;
  /** Checkpoints with at least one answer. */
  checkpointsAttempted: number;
  /** All checkpoint answers given. */
  attempts: number;
}

/** One member of `onboard team`; figures are for the member's current track. */
export interface TeamRow {
  userId: string;
  userName: string;
  trackId: string;
  step: number;
  stepsDone: number;
  checkpointsPassed: number;
  checkpointsAttempted: number;
  status: OnboardingStatus;
  lastActivityAt: Date;
  startedAt: Date;
  finishedAt: Date | null;
}

/** A member of a workspace, as onboarding addresses them. */
export interface Member {
  platform: Platform;
  workspaceId: string;
  userId: string;
  userName: string;
}

/** Thrown by a Messenger when the member does not accept direct messages (Discord error 50007). */
export class DmClosedError extends Error {
  constructor(readonly reason = "direct messages are closed") {
    super(reason);
  }
}

/** How onboarding reaches a member; each adapter implements it. */
export interface Messenger {
  /**
   * Sends a direct message; throws DmClosedError when the member does not accept them. `tag` names
   * what the message is for (a welcome, a drip step): where the platform can, a message sent again
   * with the same tag soon after (a process resuming work another one died doing) is not shown twice.
   */
  dm(member: Member, reply: Reply, o?: { tag?: string }): Promise<void>;
  /** Tells the member in a channel: a message only they see where the platform allows, else one mention. */
  notice(channelId: string, member: Member, reply: Reply): Promise<void>;
}
