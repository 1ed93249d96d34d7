import type { KnowledgeBase } from "../knowledge/loader.ts";
import { notice, type Reply, reply } from "../reply.ts";
import { userText } from "../user-text.ts";
import type { TeamRow } from "./model.ts";

/** `onboard team`: who is on which step, and who has had no progress for `stallDays` or more. */
export function teamReply(rows: TeamRow[], kb: KnowledgeBase, at: Date, stallDays: number): Reply {
  if (rows.length === 0)
    return notice("Nobody is on an onboarding track yet. `/docker onboard invite @someone` invites a member.");
  const now = at.getTime();
  const days = (d: Date) => Math.floor((now - d.getTime()) / 86_400_000);
  return reply({
    header: "Onboarding progress",
    bullets: rows.map((r) => {
      const track = kb.tracks.find((t) => t.id === r.trackId);
      const total = track?.steps.length ?? r.step + 1;
      const idle = days(r.lastActivityAt);
      const stalled = r.status !== "finished" && r.status !== "stopped" && idle >= stallDays;
      const when = idle === 0 ? "today" : `${idle} day${idle === 1 ? "" : "s"} ago`;
      return `${userText(r.userName)}: ${r.status === "finished" ? "finished" : `step ${r.step + 1}/${total}`} · ${r.stepsDone} done · checkpoints ${r.checkpointsPassed}/${r.checkpointsAttempted} · last active ${when}${stalled ? " · ⚠️ stalled" : ""}`;
    }),
    context: `Stalled: no progress for ${stallDays} days or more.`,
    visibility: "ephemeral",
  });
}
