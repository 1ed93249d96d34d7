import { defineCommand, isAdmin } from "../src/core/command.ts";
import { UserError } from "../src/core/errors.ts";
import { formatDuration, parseDuration } from "../src/core/quiz/duration.ts";
import { closeTime, daysFromText, daysToText, recurrenceOf } from "../src/core/quiz/jobs.ts";
import { channelOf, DEFAULT_CLOSE_MS } from "../src/core/quiz/service.ts";
import { notice, reply } from "../src/core/reply.ts";
import {
  formatDays,
  formatInZone,
  nextOccurrence,
  parseDays,
  parseTime,
  validateTimezone,
} from "../src/core/schedule/recurrence.ts";
import { userText } from "../src/core/user-text.ts";

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
        autocomplete: true,
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
    examples: [
      "/docker quiz now",
      "/docker quiz schedule 09:30 Europe/Berlin weekdays close after 2h",
      "/docker quiz leaderboard week",
      "/docker quiz me",
    ],
  },
  async run(o, caller, ctx) {
    const ch = channelOf(caller);
    const quiz = ctx.store.quiz;
    const now = ctx.clock.now();
    const requireAdmin = (what: string) => {
      if (!isAdmin(caller, ctx)) {
        throw new UserError(
          "admins_only",
          `Only admins can ${what}. Ask a workspace admin, or have your user id added to DOCKHAND_ADMINS.`,
        );
      }
    };
    switch (o.action) {
      case "now": {
        const schedule = await quiz.getSchedule(ch);
        const closesAt = closeTime(now, schedule?.closeAfterMs ?? DEFAULT_CLOSE_MS, schedule);
        const result = await ctx.quiz.post(ch, { postedBy: caller.userId, scheduleKey: null, closesAt });
        if (!result.ok) {
          return notice(
            `There is already a question open in this channel: answer it above. It closes at ${formatInZone(result.open.closesAt, schedule?.timezone ?? ctx.timezone)}.`,
          );
        }
        return notice(
          `Quiz question posted. It closes at ${formatInZone(closesAt, schedule?.timezone ?? ctx.timezone)}; close it early with \`/docker quiz close\`.`,
        );
      }
      case "schedule": {
        requireAdmin("schedule the quiz");
        if (!o.time)
          throw new UserError(
            "bad_time",
            "Give a time: `/docker quiz schedule 09:30 [time zone] [daily|weekdays|mon,wed,fri] [close after 2h]`.",
          );
        const time = parseTime(o.time);
        const timezone = validateTimezone(o.timezone ?? ctx.timezone);
        const days = parseDays(o.days ?? "daily");
        const closeAfterMs = o.close_after ? parseDuration(o.close_after) : DEFAULT_CLOSE_MS;
        await quiz.setSchedule(ch, {
          time,
          timezone,
          days: daysToText(days),
          closeAfterMs,
          createdBy: caller.userId,
          at: now,
        });
        const next = nextOccurrence({ time, timezone, days }, now);
        return reply({
          text: `Daily quiz set for this channel: ${time} ${timezone}, ${formatDays(days)}; each question stays open ${formatDuration(closeAfterMs)}.${next ? ` Next question: ${formatInZone(next, timezone)}.` : ""}`,
          visibility: "channel",
        });
      }
      case "off": {
        requireAdmin("turn the quiz off");
        return (await quiz.removeSchedule(ch))
          ? reply({
              text: "The daily quiz is off for this channel. `/docker quiz schedule 09:30` turns it on again.",
              visibility: "channel",
            })
          : notice("This channel has no quiz schedule. `/docker quiz schedule 09:30 Europe/Berlin` sets one.");
      }
      case "status": {
        const [schedule, open] = await Promise.all([quiz.getSchedule(ch), quiz.openRoundIn(ch)]);
        const lines: string[] = [];
        if (schedule) {
          const rec = recurrenceOf(schedule);
          const next = nextOccurrence(rec, now);
          lines.push(
            `Schedule: ${schedule.time} ${schedule.timezone}, ${formatDays(daysFromText(schedule.days))}, open ${formatDuration(schedule.closeAfterMs)}.`,
          );
          if (next) lines.push(`Next question: ${formatInZone(next, schedule.timezone)}.`);
        } else {
          lines.push(
            "No schedule in this channel. An admin can set one: `/docker quiz schedule 09:30 Europe/Berlin weekdays`.",
          );
        }
        lines.push(
          open
            ? `Open now: a question that closes at ${formatInZone(open.closesAt, schedule?.timezone ?? ctx.timezone)}.`
            : "No question is open right now: `/docker quiz now` posts one.",
        );
        return notice(lines.join("\n"));
      }
      case "leaderboard": {
        const period = o.period ?? "week";
        const since = period === "all" ? null : new Date(now.getTime() - (period === "week" ? 7 : 30) * 86_400_000);
        const rows = await quiz.leaderboard(ch, since, 10);
        const title = { week: "this week", month: "the last 30 days", all: "all time" }[period];
        if (rows.length === 0) return notice(`No points ${title} yet. \`/docker quiz now\` starts a round.`);
        return reply({
          header: `Quiz leaderboard, ${title}`,
          bullets: rows.map(
            (r) => `${r.rank}. ${userText(r.userName)}: ${r.points} ${r.points === 1 ? "point" : "points"}`,
          ),
          visibility: "channel",
        });
      }
      case "me": {
        const me = await quiz.me(ch, caller.userId);
        if (!me) return notice("You have not answered a quiz question in this channel yet.");
        return notice(
          `Points: ${me.points} · accuracy ${Math.round(me.accuracy * 100)}% (${me.correct}/${me.answered}) · streak ${me.streak} (best ${me.bestStreak}) · rank ${me.rank}`,
        );
      }
      case "close": {
        const open = await quiz.openRoundIn(ch);
        if (!open) return notice("No question is open in this channel.");
        if (open.postedBy !== caller.userId && !isAdmin(caller, ctx)) {
          throw new UserError(
            "not_yours",
            "Only the person who posted this question (or an admin) can close it early.",
          );
        }
        await ctx.quiz.close(open.id);
        return notice("Closed: the answer is revealed above.");
      }
    }
  },
});
