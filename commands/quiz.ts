import { defineCommand, isAdmin } from "../src/core/command.ts";
import { UserError } from "../src/core/errors.ts";
import { channelOf } from "../src/core/quiz/service.ts";

const ACTIONS = ["now", "schedule", "off", "status", "leaderboard", "me", "close"] as const;
const PERIODS = ["week", "month", "all"] as const;
type Period = (typeof PERIODS)[number];

/** `quiz schedule 09:00 Europe/Berlin weekdays close after 2h` → its parts, unvalidated. */
function parseSchedule(words: string[]) {
  const [time, ...rest] = words;
  let timezone: string | undefined;
  let closeAfter: string | undefined;
  const days: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i] as string;
    if (w.toLowerCase() === "close" && rest[i + 1]?.toLowerCase() === "after") {
      // "close after" with nothing after it still reaches parseDuration, which says what to type.
      closeAfter = rest.slice(i + 2).join(" ") || "after";
      break;
    }
    // Zone names have a slash; UTC, GMT and abbreviations such as EST are read as zones too, so
    // that the zone check (not the day check) answers them.
    if (w.includes("/") || /^(utc|gmt)([+-]\d{1,2})?$/i.test(w) || /^[A-Z]{3,5}$/.test(w)) timezone = w;
    else days.push(w);
  }
  return { time, timezone, days: days.length > 0 ? days.join(",") : undefined, close_after: closeAfter };
}

export default defineCommand({
  spec: {
    name: "quiz",
    description: "The daily Docker quiz: post one now, schedule it, see the leaderboard",
    verb: "quiz",
    options: {
      action: { type: "string", description: "What to do", required: true, choices: ACTIONS },
      time: { type: "string", description: "schedule: local time, HH:MM (24-hour)", maxLength: 5 },
      timezone: {
        type: "string",
        description: "schedule: IANA time zone, e.g. Europe/Berlin",
        suggest: "timezones",
        maxLength: 64,
      },
      days: { type: "string", description: "schedule: daily, weekdays, or days like mon,wed,fri", maxLength: 40 },
      close_after: { type: "string", description: "schedule: how long a question stays open, e.g. 2h", maxLength: 20 },
      period: { type: "string", description: "leaderboard: week, month or all", choices: PERIODS },
    },
    parseText: (rest) => {
      const words = rest.split(/\s+/).filter(Boolean);
      const [first, ...more] = words;
      const action = (first ?? "status").toLowerCase();
      if (action === "schedule") return { action, ...parseSchedule(more), period: undefined };
      if (action === "leaderboard" && more.length <= 1) {
        const period = (more[0]?.toLowerCase() ?? "week") as Period;
        return PERIODS.includes(period)
          ? { action, period, time: undefined, timezone: undefined, days: undefined, close_after: undefined }
          : null;
      }
      if ((ACTIONS as readonly string[]).includes(action) && more.length === 0) {
        return {
          action: action as (typeof ACTIONS)[number],
          time: undefined,
          timezone: undefined,
          days: undefined,
          close_after: undefined,
          period: undefined,
        };
      }
      return null;
    },
    saves: (o) => o.action === "now" || o.action === "schedule" || o.action === "off" || o.action === "close",
    examples: [
      "/docker quiz now",
      "/docker quiz schedule 09:30 Europe/Berlin weekdays close after 2h",
      "/docker quiz leaderboard week",
      "/docker quiz me",
    ],
  },
  async run(o, caller, ctx) {
    const requireAdmin = (what: string) => {
      if (!isAdmin(caller, ctx)) {
        throw new UserError(
          "admins_only",
          `Only admins can ${what}. Ask a workspace admin, or have your user id added to DOCKHAND_ADMINS.`,
        );
      }
    };
    switch (o.action) {
      case "now":
        return ctx.quiz.now(caller);
      case "schedule":
        requireAdmin("schedule the quiz");
        return ctx.quiz.schedule(caller, { ...o, closeAfter: o.close_after });
      case "off":
        requireAdmin("turn the quiz off");
        return ctx.quiz.unschedule(channelOf(caller));
      case "status":
        return ctx.quiz.status(channelOf(caller));
      case "leaderboard":
        return ctx.quiz.leaderboard(channelOf(caller), o.period ?? "week");
      case "me":
        return ctx.quiz.me(caller);
      case "close":
        return ctx.quiz.closeEarly(caller, isAdmin(caller, ctx));
    }
  },
});
