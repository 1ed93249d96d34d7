import { Cron } from "croner";
import Fuse from "fuse.js";
import { UserError } from "../errors.ts";
import { userText } from "../user-text.ts";

/** Which weekdays a recurrence fires on: every day, Monday to Friday, or a list (0 = Sunday … 6 = Saturday). */
export type Days = "daily" | "weekdays" | number[];

/** A wall-clock time on some weekdays in one IANA time zone, e.g. 09:00 Europe/Berlin on weekdays. */
export interface Recurrence {
  /** "HH:MM", 24-hour, local to `timezone`. */
  time: string;
  /** An IANA name, e.g. "Europe/Berlin". */
  timezone: string;
  days: Days;
}

const DAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
const SHORT_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const WEEKDAYS = [1, 2, 3, 4, 5];
const TIME_HINT = "Use 24-hour HH:MM, e.g. 09:30.";
const ZONE_HINT = "Use an IANA name such as Europe/Berlin or America/New_York.";
const DAYS_HINT = 'Use "daily", "weekdays" or days like "mon,wed,fri".';
/** How far nextOccurrence looks ahead. */
const HORIZON_MS = 400 * 86_400_000;
/**
 * The sizes of daylight-saving shifts in use (Lord Howe Island moves 30 minutes, Troll station
 * two hours, everyone else one): used to recognise the second pass through a fall-back overlap.
 */
const DST_SHIFTS_MS = [30 * 60_000, 60 * 60_000, 120 * 60_000];

// ---------------------------------------------------------------------------------------------
// Parsing user input

/** Parses "9:05" or "09:05" into "09:05"; anything else is a UserError that says what to type. */
export function parseTime(input: string): string {
  const text = input.trim();
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (m) {
    const hours = Number(m[1]);
    const minutes = Number(m[2]);
    if (hours <= 23 && minutes <= 59) return `${pad(hours)}:${pad(minutes)}`;
    if (hours === 24 && minutes === 0) {
      throw new UserError("bad_time", `"${userText(text)}" is not a time. ${TIME_HINT} For midnight, type 00:00.`);
    }
  }
  throw new UserError("bad_time", `"${userText(text)}" is not a time. ${TIME_HINT}${timeSuggestion(text)}`);
}

/** "9" → " Did you mean 09:00?", "9pm" → " Did you mean 21:00?"; "" when nothing sensible fits. */
function timeSuggestion(text: string): string {
  const m = /^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$/i.exec(text);
  if (!m) return "";
  let hours = Number(m[1]);
  const minutes = m[2] === undefined ? 0 : Number(m[2]);
  const meridiem = m[3]?.toLowerCase();
  if (minutes > 59) return "";
  if (meridiem) {
    if (hours < 1 || hours > 12) return "";
    hours = (hours % 12) + (meridiem === "pm" ? 12 : 0);
  }
  return hours <= 23 ? ` Did you mean ${pad(hours)}:${pad(minutes)}?` : "";
}

let zoneIndex: { byLower: Map<string, string>; fuse: Fuse<string> } | undefined;
function zones() {
  if (!zoneIndex) {
    const names = Intl.supportedValuesOf("timeZone");
    zoneIndex = {
      byLower: new Map(names.map((n) => [n.toLowerCase(), n])),
      fuse: new Fuse(names, { includeScore: true, threshold: 0.3 }),
    };
  }
  return zoneIndex;
}

/**
 * Checks an IANA time zone name and returns its usual spelling ("europe/berlin" → "Europe/Berlin").
 * Accepts the names Intl lists plus the aliases it understands ("UTC", "Etc/GMT+5", "US/Eastern");
 * rejects abbreviations such as "EST", which do not follow daylight saving time the way people expect.
 */
export function validateTimezone(name: string): string {
  const text = name.trim();
  const listed = zones().byLower.get(text.toLowerCase());
  if (listed) return listed;
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat("en", { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    resolved = undefined;
  }
  const isUniversal = /^(utc|gmt|uct|zulu|universal|greenwich)$/i.test(text);
  if (resolved && (text.includes("/") || isUniversal)) {
    return resolved.toLowerCase() === text.toLowerCase() || isUniversal ? resolved : text;
  }
  if (resolved) {
    throw new UserError(
      "bad_timezone",
      `"${userText(text)}" is an abbreviation, not a time zone name. Use an IANA name such as America/New_York or Europe/Berlin, which also keeps daylight saving time right.`,
    );
  }
  const best = text ? zones().fuse.search(text, { limit: 1 })[0] : undefined;
  const guess = best && (best.score ?? 1) <= 0.2 ? ` Did you mean ${best.item}?` : "";
  throw new UserError("bad_timezone", `Unknown time zone "${userText(text)}".${guess} ${ZONE_HINT}`);
}

/**
 * Parses "daily", "weekdays", "weekends" or a list of days ("mon,wed,fri", "Monday Friday",
 * "mon-fri"; any prefix of two or more letters). Lists that mean every day or Monday to Friday
 * come back as "daily" or "weekdays".
 */
export function parseDays(input: string): Days {
  const text = input.trim().toLowerCase();
  if (text === "daily" || text === "every day" || text === "everyday") return "daily";
  if (text === "weekdays") return "weekdays";
  if (text === "weekends") return [0, 6];
  const parts = text.split(/[\s,]+/).filter((p) => p !== "" && p !== "and");
  if (parts.length === 0) throw new UserError("bad_days", `No days given. ${DAYS_HINT}`);
  const chosen = new Set<number>();
  for (const part of parts) {
    const range = /^([a-z]+)-([a-z]+)$/.exec(part);
    if (range) {
      const from = dayNumber(range[1] ?? "");
      const to = dayNumber(range[2] ?? "");
      for (let d = from; ; d = (d + 1) % 7) {
        chosen.add(d);
        if (d === to) break;
      }
    } else {
      chosen.add(dayNumber(part));
    }
  }
  return normalizeDays([...chosen]);
}

function dayNumber(word: string): number {
  const index = word.length >= 2 ? DAY_NAMES.findIndex((name) => name.startsWith(word)) : -1;
  if (index < 0) throw new UserError("bad_days", `"${userText(word)}" is not a day. ${DAYS_HINT}`);
  return index;
}

/** Sorted, deduplicated; every day → "daily", Monday to Friday → "weekdays". */
export function normalizeDays(days: Days): Days {
  if (!Array.isArray(days)) return days;
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.some((d) => !Number.isInteger(d) || d < 0 || d > 6)) {
    throw new UserError("bad_days", `Days must be numbers 0 (Sunday) to 6 (Saturday). ${DAYS_HINT}`);
  }
  if (sorted.length === 7) return "daily";
  if (sorted.join() === WEEKDAYS.join()) return "weekdays";
  return sorted;
}

/** "daily", "weekdays" or "Mon, Wed, Fri". */
export function formatDays(days: Days): string {
  const normal = normalizeDays(days);
  return Array.isArray(normal) ? normal.map((d) => SHORT_DAYS[d]).join(", ") : normal;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

interface LocalParts {
  date: string;
  time: string;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function localParts(at: number, timezone: string): LocalParts {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      weekday: "short",
    });
    formatters.set(timezone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(at)) p[part.type] = part.value;
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    time: `${p.hour}:${p.minute}`,
    weekday: SHORT_DAYS.indexOf((p.weekday ?? "") as (typeof SHORT_DAYS)[number]),
  };
}

interface Compiled {
  cron: Cron;
  time: string;
  timezone: string;
  allowed: (weekday: number) => boolean;
  /**
   * What is known so far: the occurrences in (from, times[last]] are exactly `times`. Kept as a
   * short chain because callers ask for consecutive windows and, within one, "and the one after?".
   */
  memo?: { from: number; times: number[] };
}

// Croner builds a new Intl formatter for every time-zone conversion (about 0.3 ms a step), and a
// scheduler asks every few minutes for every schedule, so compiled recurrences are cached and
// remember their last answer. The cache changes no result: the functions stay pure.
const compiled = new Map<string, Compiled>();
function compile(rec: Recurrence): Compiled {
  const key = `${rec.time}|${rec.timezone}|${Array.isArray(rec.days) ? rec.days.join(",") : rec.days}`;
  let c = compiled.get(key);
  if (!c) {
    const time = parseTime(rec.time);
    const timezone = validateTimezone(rec.timezone);
    const days = normalizeDays(rec.days);
    const [hours, minutes] = time.split(":").map(Number);
    const dow = days === "daily" ? "*" : days === "weekdays" ? "1-5" : days.join(",");
    const allowedSet = new Set(days === "daily" ? [0, 1, 2, 3, 4, 5, 6] : days === "weekdays" ? WEEKDAYS : days);
    c = {
      cron: new Cron(`${minutes} ${hours} * * ${dow}`, { timezone, mode: "5-part" }),
      time,
      timezone,
      allowed: (weekday) => allowedSet.has(weekday),
    };
    if (compiled.size >= 1000) compiled.clear();
    compiled.set(key, c);
  }
  return c;
}

/**
 * Croner's answer checked against the wall clock: the instant the recurrence really happens, or
 * undefined when `at` is not one. Croner moves a time that falls into a spring-forward gap to after
 * the gap (02:30 → 03:30): that does not show the time, so the day is skipped. In a fall-back
 * overlap croner answers the first pass for one-hour shifts but the second for Lord Howe's
 * 30-minute one, so the second pass is mapped back to the first.
 */
function actual(c: Compiled, at: number): number | undefined {
  const local = localParts(at, c.timezone);
  if (local.time !== c.time || !c.allowed(local.weekday)) return undefined;
  for (const shift of DST_SHIFTS_MS) {
    const earlier = localParts(at - shift, c.timezone);
    if (earlier.time === local.time && earlier.date === local.date) return at - shift;
  }
  return at;
}

/** Occurrences kept per compiled recurrence (see Compiled.memo). */
const MEMO_LENGTH = 4;

/** The first occurrence strictly after `after`, if there is one at or before `limit`. */
function firstAfter(c: Compiled, after: number, limit: number): number | undefined {
  const memo = c.memo;
  const last = memo?.times.at(-1);
  let next: number | undefined;
  if (memo && last !== undefined && after >= memo.from && after < last) {
    next = memo.times.find((t) => t > after);
  } else {
    next = computeFirstAfter(c, after);
    if (next === undefined) return undefined;
    // Remembered even when past `limit`: the next window usually starts inside it.
    if (memo && last !== undefined && after >= memo.from && after === last) {
      // "And the one after?": the chain grows; its oldest entries go.
      const times = [...memo.times, next];
      const drop = Math.max(0, times.length - MEMO_LENGTH);
      c.memo = { from: drop > 0 ? (times[drop - 1] as number) : memo.from, times: times.slice(drop) };
    } else c.memo = { from: after, times: [next] };
  }
  return next !== undefined && next <= limit ? next : undefined;
}

/** Asks croner, checked against the wall clock (see actual), for the first occurrence after `after`. */
function computeFirstAfter(c: Compiled, after: number): number | undefined {
  let cursor = after;
  for (;;) {
    const candidate = c.cron.nextRun(new Date(cursor))?.getTime();
    if (candidate === undefined) return undefined;
    const next = actual(c, candidate);
    // A first pass at or before `after` was an earlier window's occurrence.
    if (next !== undefined && next > after) return next;
    if (candidate > after + HORIZON_MS) return undefined;
    cursor = candidate;
  }
}

/**
 * Every instant t with from < t <= to at which the wall clock in rec.timezone shows rec.time on an
 * allowed weekday. A time that a spring-forward gap skips does not happen that day; a time that a
 * fall-back overlap repeats happens once, at its first pass. Invalid recurrences throw a UserError.
 */
export function occurrencesBetween(rec: Recurrence, from: Date, to: Date): Date[] {
  const c = compile(rec);
  const limit = to.getTime();
  const out: Date[] = [];
  for (let t = firstAfter(c, from.getTime(), limit); t !== undefined; t = firstAfter(c, t, limit)) {
    out.push(new Date(t));
  }
  return out;
}

/** The first occurrence after `after` (strictly), looking at most 400 days ahead. */
export function nextOccurrence(rec: Recurrence, after: Date): Date | undefined {
  const c = compile(rec);
  const t = firstAfter(c, after.getTime(), after.getTime() + HORIZON_MS);
  return t === undefined ? undefined : new Date(t);
}

/** `at` as the wall clock in `timezone` shows it, e.g. "Mon 30 Mar 2026, 09:00 GMT+2". */
export function formatInZone(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "shortOffset",
  }).format(at);
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
