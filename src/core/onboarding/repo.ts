import type { Platform } from "../platform.ts";
import type {
  CheckpointResult,
  Enrolment,
  EnrolResult,
  OnboardingPace,
  OnboardingStatus,
  OnboardingSummary,
  OnboardingUser,
  TeamRow,
} from "./model.ts";

/**
 * What onboarding needs from storage. Rules that must hold across processes (one enrolment per
 * member, a step delivered once, a double click advances once, one fallback mention per member)
 * are the implementation's to enforce atomically.
 */
export interface OnboardingRepo {
  /** Starts or resumes the member's track (see EnrolResult). */
  enrol(
    u: OnboardingUser,
    o: { userName: string; trackId: string; at: Date; restart?: boolean; switchTrack?: boolean },
  ): Promise<EnrolResult>;
  /** The workspace of a member's most recent enrolment on a platform (a Discord DM has none). */
  latestWorkspace(platform: Platform, userId: string): Promise<string | undefined>;
  get(u: OnboardingUser): Promise<Enrolment | undefined>;
  /** Pause, stop or reactivate; false when there is none, it is finished, or it has that status. */
  setStatus(u: OnboardingUser, status: Exclude<OnboardingStatus, "finished">, at: Date): Promise<boolean>;
  /** Sets the pace (a drip needs a time and a zone); false when the member has no enrolment. */
  setPace(
    u: OnboardingUser,
    p: { pace: OnboardingPace; time?: string | null; timezone?: string | null; at: Date },
  ): Promise<boolean>;
  /** Records that a step was sent; true only the first time. */
  markDelivered(u: OnboardingUser, trackId: string, step: number, at: Date): Promise<boolean>;
  /** When a step was first recorded as sent (markDelivered's `at`), or undefined. */
  deliveredAt(u: OnboardingUser, trackId: string, step: number): Promise<Date | undefined>;
  /** Moves an active enrolment from `fromStep` to the next; true for exactly one caller. */
  advance(u: OnboardingUser, trackId: string, fromStep: number, at: Date): Promise<boolean>;
  /** Marks an active enrolment on `trackId` finished; true once. */
  finish(u: OnboardingUser, trackId: string, at: Date): Promise<boolean>;
  /** Records one checkpoint answer of a step. */
  recordCheckpoint(
    u: OnboardingUser,
    trackId: string,
    step: number,
    correct: boolean,
    at: Date,
  ): Promise<CheckpointResult>;
  /** Checkpoint answers given for a step so far (0 when none). */
  checkpointAttempts(u: OnboardingUser, trackId: string, step: number): Promise<number>;
  /** The member's figures on a track (all zero when nothing was recorded). */
  summary(u: OnboardingUser, trackId: string): Promise<OnboardingSummary>;
  /** Everyone enrolled in the workspace, most recently active first. */
  team(platform: Platform, workspaceId: string): Promise<TeamRow[]>;
  /** Active enrolments on a drip. */
  dripEnrolments(): Promise<Enrolment[]>;
  /** Active or paused enrolments without activity since `before`, least recently active first. */
  stalled(before: Date): Promise<Enrolment[]>;
  /** Records an undelivered DM; firstNotice is true for exactly one call per member ever. */
  recordDmFailure(u: OnboardingUser, reason: string, at: Date): Promise<{ firstNotice: boolean }>;
}
