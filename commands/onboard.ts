import { type Caller, defineCommand, isAdmin } from "../src/core/command.ts";
import { UserError } from "../src/core/errors.ts";
import type { Member } from "../src/core/onboarding/model.ts";
import { notice } from "../src/core/reply.ts";

const ACTIONS = ["start", "status", "stop", "invite", "team", "tracks", "pace"] as const;
type Action = (typeof ACTIONS)[number];

export function memberOf(caller: Caller): Member {
  return {
    platform: caller.platform,
    workspaceId: caller.workspaceId,
    userId: caller.userId,
    userName: caller.userName,
  };
}

/** A user as typed: a Slack mention <@U123|name>, a Discord mention <@123>, @name or a plain id. */
export function parseUserRef(text: string): string | null {
  const m = /^<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>$/.exec(text) ?? /^@?([A-Za-z0-9._-]{1,64})$/.exec(text);
  return m?.[1] ?? null;
}

const none = { track: undefined, user: undefined, time: undefined, timezone: undefined };

export default defineCommand({
  spec: {
    name: "onboard",
    description: "Guided Docker onboarding in direct messages",
    dm: true,
    verb: "onboard",
    options: {
      action: { type: "string", description: "What to do", required: true, choices: ACTIONS },
      track: { type: "string", description: "A track id, e.g. docker-basics", suggest: "tracks", maxLength: 60 },
      user: { type: "string", description: "invite: the member to invite", maxLength: 100 },
      time: { type: "string", description: "pace: a local time HH:MM for one step each workday", maxLength: 5 },
      timezone: {
        type: "string",
        description: "pace: IANA time zone, e.g. Europe/Berlin",
        suggest: "timezones",
        maxLength: 64,
      },
    },
    parseText: (rest) => {
      const words = rest.split(/\s+/).filter(Boolean);
      const [first, ...more] = words;
      const action = (first?.toLowerCase() ?? "start") as Action;
      if (!ACTIONS.includes(action)) return null;
      if (action === "start" && more.length <= 1) return { ...none, action, track: more[0] };
      if (action === "invite" && more.length >= 1 && more.length <= 2)
        return { ...none, action, user: more[0], track: more[1] };
      if (action === "pace") {
        // Anything after "pace" is for pace: what is not valid gets told how to choose one.
        const [mode, time, timezone] = more;
        if (mode === "self" && more.length === 1) return { ...none, action, time: "self" };
        if (mode === "drip" && time && more.length <= 3) return { ...none, action, time, timezone };
        return { ...none, action };
      }
      return more.length === 0 ? { ...none, action } : null;
    },
    saves: (o) => o.action === "start" || o.action === "stop" || o.action === "invite" || o.action === "pace",
    examples: [
      "/docker onboard",
      "/docker onboard status",
      "/docker onboard pace drip 09:30 Europe/Berlin",
      "/docker onboard invite @sam",
      "/docker onboard team",
      "/docker onboard tracks",
    ],
  },
  async run(o, caller, ctx) {
    const me = memberOf(caller);
    const onboarding = ctx.onboarding;
    switch (o.action) {
      case "start":
        return onboarding.start(me, o.track, caller.channelId);
      case "status":
        return onboarding.status(me);
      case "stop":
        return onboarding.stop(me);
      case "tracks":
        return onboarding.tracks();
      case "team":
        if (!isAdmin(caller, ctx)) {
          throw new UserError(
            "admins_only",
            "Only admins can see the team's onboarding progress. Ask a workspace admin.",
          );
        }
        return onboarding.team(caller.platform, caller.workspaceId);
      case "invite": {
        if (!isAdmin(caller, ctx)) throw new UserError("admins_only", "Only admins can invite members to onboarding.");
        const userId = o.user ? parseUserRef(o.user.trim()) : null;
        if (!userId)
          throw new UserError("bad_user", "Name the member to invite: `/docker onboard invite @name [track]`.");
        const member: Member = { platform: caller.platform, workspaceId: caller.workspaceId, userId, userName: userId };
        const sent = await onboarding.invite(member, o.track, caller.userName, caller.channelId);
        return notice(
          sent
            ? `Invitation sent to ${userId} by direct message.`
            : `${userId} does not accept direct messages; they were told in this channel.`,
        );
      }
      case "pace":
        return onboarding.pace(me, o.time, o.timezone ?? ctx.timezone);
    }
  },
});
