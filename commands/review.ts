import { defineCommand, isAdmin } from "../src/core/command.ts";
import { UserError } from "../src/core/errors.ts";
import { memberOf } from "./onboard.ts";

const ACTIONS = ["next", "status", "add", "daily", "reset", "dm", "team"] as const;
type Action = (typeof ACTIONS)[number];

const none = { topic: undefined, time: undefined, timezone: undefined };
const DAILY_HINT = "Type `/docker review daily 09:00 [time zone]`, or `/docker review daily off`.";

export default defineCommand({
  spec: {
    name: "review",
    description: "Your own spaced-repetition reviews of the quiz questions you missed",
    verb: "review",
    options: {
      action: { type: "string", description: "What to do (default: review the next due card)", choices: ACTIONS },
      topic: {
        type: "string",
        description: "add: the topic whose questions join your deck",
        suggest: "entries",
        maxLength: 100,
      },
      time: { type: "string", description: "daily: local time HH:MM, or off", maxLength: 5 },
      timezone: {
        type: "string",
        description: "daily: IANA time zone, e.g. Europe/Berlin",
        suggest: "timezones",
        maxLength: 64,
      },
    },
    parseText: (rest) => {
      const [first, ...more] = rest.split(/\s+/).filter(Boolean);
      const action = (first?.toLowerCase() ?? "next") as Action;
      if (!ACTIONS.includes(action)) return null;
      if (action === "add") return { ...none, action, topic: more.join(" ") || undefined };
      if (action === "daily" && more.length <= 2) return { ...none, action, time: more[0], timezone: more[1] };
      return more.length === 0 ? { ...none, action } : null;
    },
    saves: (o) => o.action === "add" || o.action === "daily",
    examples: [
      "/docker review",
      "/docker review add volumes",
      "/docker review status",
      "/docker review daily 09:00 Europe/Berlin",
      "/docker review daily off",
      "/docker review reset",
    ],
  },
  async run(o, caller, ctx) {
    const me = memberOf(caller);
    switch (o.action ?? "next") {
      case "next":
        return ctx.review.next(me);
      case "status":
        return ctx.review.status(me);
      case "add":
        if (!o.topic) throw new UserError("no_topic", "Name a topic: `/docker review add volumes`.");
        return ctx.review.addTopic(me, o.topic);
      case "daily":
        if (!o.time) throw new UserError("bad_time", `Give a time. ${DAILY_HINT}`);
        if (o.time.toLowerCase() === "off") return ctx.review.dailyOff(me);
        return ctx.review.setDaily(me, caller.channelId, o.time, o.timezone);
      case "reset":
        return ctx.review.resetAsk(me);
      case "dm":
        return ctx.review.dm(me);
      case "team":
        if (!isAdmin(caller, ctx)) throw new UserError("admins_only", "Only admins can see the team's review lapses.");
        return ctx.review.team(caller.platform, caller.workspaceId);
    }
  },
});
