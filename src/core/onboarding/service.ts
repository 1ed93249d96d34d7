import { encodeAction } from "../actions.ts";
import { pages } from "../answers/render.ts";
import type { Clock } from "../clock.ts";
import { UserError } from "../errors.ts";
import type { KnowledgeBase } from "../knowledge/loader.ts";
import type { Track } from "../knowledge/schema.ts";
import type { Logger } from "../logger.ts";
import type { Platform } from "../platform.ts";
import { LETTERS } from "../quiz/bank.ts";
import type { Poster } from "../quiz/model.ts";
import { type Button, notice, type Reply, reply } from "../reply.ts";
import { formatInZone, nextOccurrence, parseTime, validateTimezone } from "../schedule/recurrence.ts";
import type { Telemetry } from "../telemetry.ts";
import { userText } from "../user-text.ts";
import { DmClosedError, type Member, type Messenger } from "./model.ts";
import { teamReply } from "./render.ts";
import type { OnboardingRepo } from "./repo.ts";

export interface OnboardingOptions {
  kb: KnowledgeBase;
  repo: OnboardingRepo;
  clock: Clock;
  log: Logger;
  messenger: Messenger;
  poster: Poster;
  /** Where DM-closed notices and congratulations go, when configured. */
  channelId?: string;
  /** Days without progress after which a member counts as stalled. */
  stallDays: number;
  /** Send new members a welcome DM with a Start button. */
  welcome?: boolean;
  telemetry?: Telemetry;
  /** Told of each wrong checkpoint answer (the question joins that member's reviews). */
  onMissed?: (who: Member, ref: { entryId: string; question: number }) => Promise<void>;
}

export const DEFAULT_TRACK = "docker-basics";

/** The onboarding tracks: start, step through with checkpoints, pause, finish. */
export class OnboardingService {
  constructor(private readonly o: OnboardingOptions) {}

  track(id?: string): Track {
    const wanted =
      id ?? (this.o.kb.tracks.some((t) => t.id === DEFAULT_TRACK) ? DEFAULT_TRACK : this.o.kb.tracks[0]?.id);
    const track = this.o.kb.tracks.find((t) => t.id === wanted);
    if (!track) {
      const known = this.o.kb.tracks.map((t) => t.id).join(", ") || "none";
      throw new UserError(
        "unknown_track",
        `There is no track "${userText(id ?? "")}". Tracks: ${known}. \`/docker onboard tracks\` lists them.`,
      );
    }
    return track;
  }

  tracks(): Reply {
    return reply({
      header: "Onboarding tracks",
      bullets: this.o.kb.tracks.map((t) => `*${t.title}* (\`${t.id}\`, ${t.steps.length} steps): ${t.description}`),
      context: "Start one with `/docker onboard start <track>`.",
      visibility: "ephemeral",
    });
  }

  /** The card for one step: goal, the entry's summary and key commands, and what to do next. */
  stepReply(track: Track, step: number): Reply {
    const s = track.steps[step];
    const entry = s ? this.o.kb.byId.get(s.entry) : undefined;
    if (!s || !entry) throw new Error(`track ${track.id} has no step ${step}`);
    const buttons: Button[] = [
      { label: "Got it, next", action: encodeAction({ kind: "obnext", track: track.id, step }), style: "primary" },
      { label: "Quiz me", action: encodeAction({ kind: "obquiz", track: track.id, step }) },
    ];
    if (pages(entry).length > 0)
      buttons.push({ label: "Show more", action: encodeAction({ kind: "more", entry: entry.id }) });
    buttons.push({ label: "Pause", action: encodeAction({ kind: "obpause", track: track.id }) });
    return reply({
      header: `${track.title}: step ${step + 1} of ${track.steps.length}: ${entry.title}`,
      text: `*Goal:* ${s.goal}\n\n${entry.summary}`,
      bullets: entry.commands.slice(0, 4).map((c) => `\`${c.cmd}\`: ${c.does}`),
      buttons,
      visibility: "ephemeral",
    });
  }

  /**
   * Sends a step as a DM; when DMs are closed, records it and tells the member once in a channel.
   * `tag` names scheduled work, so that a DM resumed by another process is not shown twice.
   */
  async deliver(member: Member, track: Track, step: number, channelId?: string, tag?: string): Promise<boolean> {
    try {
      await this.o.messenger.dm(member, this.stepReply(track, step), tag ? { tag } : undefined);
      this.o.telemetry?.onboardingStep("sent");
      return true;
    } catch (err) {
      if (!(err instanceof DmClosedError)) throw err;
      this.o.telemetry?.onboardingStep("dm_closed");
      await this.dmFailed(member, err.reason, channelId);
      return false;
    }
  }

  private async dmFailed(member: Member, reason: string, channelId?: string): Promise<void> {
    const { firstNotice } = await this.o.repo.recordDmFailure(member, reason, this.o.clock.now());
    this.o.log.warn({ user: member.userId, reason }, "could not send an onboarding DM");
    const where = channelId ?? this.o.channelId;
    if (firstNotice && where) {
      await this.o.messenger.notice(
        where,
        member,
        notice(
          "I tried to send you your onboarding steps by direct message, but your DMs are closed. Allow direct messages from this server or workspace, then type `/docker onboard`.",
        ),
      );
    }
  }

  /** `onboard` / `onboard start [track]`: start or resume, and send the current step by DM. */
  async start(member: Member, trackId: string | undefined, channelId: string): Promise<Reply> {
    const track = this.track(trackId);
    const now = this.o.clock.now();
    // A member who stopped another track may switch; one still on it (active or paused) is told first.
    const current = await this.o.repo.get(member);
    const switchTrack = current?.status === "stopped" && current.trackId !== track.id;
    const result = await this.o.repo.enrol(member, {
      userName: member.userName,
      trackId: track.id,
      at: now,
      switchTrack,
    });
    const e = result.enrolment;
    if (result.otherTrack) {
      return notice(
        `You are on the track "${e.trackId}" (step ${e.step + 1}). Finish it, or \`/docker onboard stop\` it first.`,
      );
    }
    if (e.status === "finished") {
      return notice(`You finished "${track.title}" already. \`/docker onboard status\` shows your summary.`);
    }
    await this.o.repo.markDelivered(member, track.id, e.step, now);
    const sent = await this.deliver(member, track, e.step, channelId);
    if (!sent)
      return notice(
        "I could not send you a direct message: allow DMs from this app, then type `/docker onboard` again.",
      );
    return notice(
      result.created
        ? `Welcome aboard! Step 1 of "${track.title}" is in your direct messages.`
        : `Welcome back! Step ${e.step + 1} of "${track.title}" is in your direct messages.`,
    );
  }

  /** "Got it, next": marks the step done (once, even on a double click) and shows the next or the finish. */
  async next(member: Member, trackId: string, step: number): Promise<Reply> {
    const track = this.track(trackId);
    const now = this.o.clock.now();
    const e = await this.o.repo.get(member);
    if (!e || e.trackId !== track.id)
      return notice("This step is from a track you are not on. `/docker onboard` starts one.");
    if (e.status === "paused" || e.status === "stopped") {
      await this.o.repo.setStatus(member, "active", now);
    }
    const advanced = await this.o.repo.advance(member, track.id, step, now);
    if (advanced) this.o.telemetry?.onboardingStep("completed");
    if (!advanced) {
      const latest = (await this.o.repo.get(member)) ?? e;
      if (latest.status === "finished") return this.finishReply(member, track);
      return notice(`You are at step ${latest.step + 1} already.`);
    }
    if (step + 1 >= track.steps.length) {
      await this.o.repo.finish(member, track.id, now);
      await this.congratulate(member, track);
      return this.finishReply(member, track);
    }
    await this.o.repo.markDelivered(member, track.id, step + 1, now);
    return this.stepReply(track, step + 1);
  }

  private async finishReply(member: Member, track: Track): Promise<Reply> {
    const s = await this.o.repo.summary(member, track.id);
    return reply({
      header: `🎉 You finished "${track.title}"`,
      text: `${track.steps.length} steps done. Checkpoints passed first time: ${s.passedFirstTry} of ${s.checkpointsPassed} passed (${s.attempts} tries in all).`,
      context: "Keep going with `/docker quiz` in your team channel, or ask `/docker <anything>`.",
      visibility: "ephemeral",
    });
  }

  private async congratulate(member: Member, track: Track): Promise<void> {
    if (!this.o.channelId) return;
    try {
      await this.o.poster.post(
        { platform: member.platform, workspaceId: member.workspaceId, channelId: this.o.channelId },
        reply({
          text: `🎉 ${userText(member.userName)} finished the onboarding track "${track.title}". Welcome to the team!`,
          visibility: "channel",
        }),
      );
    } catch (err) {
      this.o.log.warn({ err }, "could not post the onboarding congratulation");
    }
  }

  /** "Quiz me": one of the step's entry questions, a different one on each try. */
  async quiz(member: Member, trackId: string, step: number): Promise<Reply> {
    const track = this.track(trackId);
    const entry = this.o.kb.byId.get(track.steps[step]?.entry ?? "");
    if (!entry) return notice("This step is no longer in the track.");
    const attempts = await this.o.repo.checkpointAttempts(member, track.id, step);
    const q = attempts % entry.quiz.length;
    const question = entry.quiz[q];
    if (!question) return notice("This step has no checkpoint question.");
    return reply({
      header: `Checkpoint: ${entry.title}`,
      text: question.question,
      bullets: question.choices.map((c, i) => `${LETTERS[i]}. ${c}`),
      buttons: question.choices.map((_c, i) => ({
        label: LETTERS[i] as string,
        action: encodeAction({ kind: "obans", track: track.id, step, q, choice: i }),
      })),
      visibility: "ephemeral",
    });
  }

  async answer(member: Member, trackId: string, step: number, q: number, choice: number): Promise<Reply> {
    const track = this.track(trackId);
    const entry = this.o.kb.byId.get(track.steps[step]?.entry ?? "");
    const question = entry?.quiz[q];
    if (!entry || !question || choice >= question.choices.length) return notice("This question has expired.");
    const correct = choice === question.answer;
    const r = await this.o.repo.recordCheckpoint(member, track.id, step, correct, this.o.clock.now());
    const next: Button = {
      label: "Got it, next",
      action: encodeAction({ kind: "obnext", track: track.id, step }),
      style: "primary",
    };
    if (correct) {
      return reply({
        text: `✅ Right: ${LETTERS[choice]}. ${question.explanation}${r.firstTry ? " Passed on the first try!" : ""}`,
        buttons: [next],
        visibility: "ephemeral",
      });
    }
    await this.o.onMissed?.(member, { entryId: entry.id, question: q });
    return reply({
      text: `Not quite. ${question.explanation} Have another go later: the checkpoint stays open.`,
      buttons: [next, { label: "Quiz me again", action: encodeAction({ kind: "obquiz", track: track.id, step }) }],
      visibility: "ephemeral",
    });
  }

  async pause(member: Member): Promise<Reply> {
    const e = await this.o.repo.get(member);
    if (e?.status !== "active") return notice("You have no active onboarding track. `/docker onboard` starts one.");
    await this.o.repo.setStatus(member, "paused", this.o.clock.now());
    return notice(`Paused at step ${e.step + 1}. Type \`/docker onboard\` to pick up where you left off.`);
  }

  async stop(member: Member): Promise<Reply> {
    const e = await this.o.repo.get(member);
    if (!e || e.status === "finished" || e.status === "stopped") return notice("You are not on an onboarding track.");
    await this.o.repo.setStatus(member, "stopped", this.o.clock.now());
    return notice(`Stopped. Your progress is kept: \`/docker onboard\` resumes at step ${e.step + 1}.`);
  }

  async status(member: Member): Promise<Reply> {
    const e = await this.o.repo.get(member);
    if (!e) return notice("You are not on an onboarding track yet. `/docker onboard` starts the Docker basics.");
    const track = this.track(e.trackId);
    const s = await this.o.repo.summary(member, track.id);
    const current = track.steps[e.step];
    const where =
      e.status === "finished"
        ? `finished all ${track.steps.length} steps`
        : `step ${e.step + 1} of ${track.steps.length}${current ? ` (${this.o.kb.byId.get(current.entry)?.title ?? current.entry})` : ""}, ${e.status}`;
    return notice(
      `${track.title}: ${where}. Steps done: ${s.stepsDone}. Checkpoints passed: ${s.checkpointsPassed} (${s.passedFirstTry} on the first try).`,
    );
  }

  /** An invitation (or a welcome) by DM, with a Start button. */
  async invite(
    member: Member,
    trackId: string | undefined,
    from: string,
    channelId?: string,
    o?: { tag?: string },
  ): Promise<boolean> {
    const track = this.track(trackId);
    const invitation = reply({
      header: `${userText(from)} invites you to "${track.title}"`,
      text: `${track.description}\n${track.steps.length} short steps, each with an optional checkpoint question. Go at your own pace.`,
      buttons: [{ label: "Start", action: encodeAction({ kind: "obstart", track: track.id }), style: "primary" }],
      visibility: "ephemeral",
    });
    try {
      await this.o.messenger.dm(member, invitation, o);
      return true;
    } catch (err) {
      if (!(err instanceof DmClosedError)) throw err;
      await this.dmFailed(member, err.reason, channelId);
      return false;
    }
  }

  /**
   * A member joined: a welcome DM with a Start button, when the team turned welcomes on. `tag` names
   * the join, so that a welcome resumed after its process died is not shown twice.
   */
  async welcome(member: Member, channelId?: string, o?: { tag?: string }): Promise<boolean> {
    if (!this.o.welcome) return false;
    return this.invite(member, undefined, "The team", channelId, o);
  }

  /** `onboard team`: who is where, and who has stalled. */
  async team(platform: Platform, workspaceId: string): Promise<Reply> {
    const rows = await this.o.repo.team(platform, workspaceId);
    return teamReply(rows, this.o.kb, this.o.clock.now(), this.o.stallDays);
  }

  /** `onboard pace self` (the next step on click) or `onboard pace drip 09:30 [zone]` (each workday). */
  async pace(member: Member, time: string | undefined, timezone: string): Promise<Reply> {
    const e = await this.o.repo.get(member);
    if (!e) throw new UserError("not_enrolled", "Start a track first with `/docker onboard`, then choose its pace.");
    const now = this.o.clock.now();
    if (!time) {
      throw new UserError(
        "bad_pace",
        "Choose a pace: `/docker onboard pace self` (the next step on click) or `/docker onboard pace drip 09:30 [Europe/Berlin]` (one step each workday).",
      );
    }
    if (time === "self") {
      await this.o.repo.setPace(member, { pace: "self", time: null, timezone: null, at: now });
      return notice("Self-paced: the next step comes when you click “Got it, next”.");
    }
    const hhmm = parseTime(time);
    const zone = validateTimezone(timezone);
    await this.o.repo.setPace(member, { pace: "drip", time: hhmm, timezone: zone, at: now });
    const next = nextOccurrence({ time: hhmm, timezone: zone, days: "weekdays" }, now);
    return notice(`One step each workday at ${hhmm} ${zone}.${next ? ` Next: ${formatInZone(next, zone)}.` : ""}`);
  }

  /** The workspace a member's DM belongs to: that of their most recent enrolment on the platform. */
  latestWorkspace(platform: Platform, userId: string): Promise<string | undefined> {
    return this.o.repo.latestWorkspace(platform, userId);
  }

  /**
   * The drip: one step per occurrence. Delivers the current step, or moves on if it was delivered.
   * `resumed`: a process died running this occurrence; a step it recorded for this occurrence is
   * sent again (under the occurrence's tag, so a DM that did go out is not shown twice) instead of
   * being taken for an earlier day's step and skipped.
   */
  async drip(member: Member, trackId: string, at: Date, resumed = false): Promise<void> {
    const track = this.track(trackId);
    const e = await this.o.repo.get(member);
    if (e?.status !== "active" || e.trackId !== track.id) return;
    const tag = `drip@${at.toISOString()}`;
    let step = e.step;
    if (resumed && (await this.o.repo.deliveredAt(member, track.id, step))?.getTime() === at.getTime()) {
      await this.deliver(member, track, step, undefined, tag);
      return;
    }
    if (!(await this.o.repo.markDelivered(member, track.id, step, at))) {
      if (step + 1 >= track.steps.length) return;
      if (!(await this.o.repo.advance(member, track.id, step, at))) return;
      step += 1;
      await this.o.repo.markDelivered(member, track.id, step, at);
    }
    await this.deliver(member, track, step, undefined, tag);
  }

  /** A gentle weekly reminder to a stalled member; `tag` names the occurrence (see deliver). */
  async nudge(member: Member, trackId: string, tag?: string): Promise<void> {
    const track = this.track(trackId);
    const e = await this.o.repo.get(member);
    if (!e) return;
    const text = `Hi ${userText(member.userName)}! You are at step ${e.step + 1} of "${track.title}". Whenever you have ten minutes, type \`/docker onboard\` to continue.`;
    try {
      await this.o.messenger.dm(member, reply({ text, visibility: "ephemeral" }), tag ? { tag } : undefined);
    } catch (err) {
      if (!(err instanceof DmClosedError)) throw err;
      await this.dmFailed(member, err.reason);
    }
  }
}
