import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isUserError } from "../../../src/core/errors.ts";
import {
  formatDays,
  formatInZone,
  nextOccurrence,
  occurrencesBetween,
  parseDays,
  parseTime,
  type Recurrence,
  validateTimezone,
} from "../../../src/core/schedule/recurrence.ts";
import { unmarked } from "../../../src/core/user-text.ts";

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const between = (rec: Recurrence, from: string, to: string) =>
  iso(occurrencesBetween(rec, new Date(from), new Date(to)));

const wallClocks = new Map<string, Intl.DateTimeFormat>();
/** The wall clock in a zone: "2026-03-30 Mon 09:00". */
function local(at: Date, timezone: string): string {
  let f = wallClocks.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
    });
    wallClocks.set(timezone, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day} ${p.weekday} ${p.hour}:${p.minute}`;
}

function userError(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isUserError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected a UserError");
}

describe("parsing what people type", () => {
  it("reads 24-hour times", () => {
    expect(parseTime("9:05")).toBe("09:05");
    expect(parseTime(" 09:30 ")).toBe("09:30");
    expect(parseTime("0:00")).toBe("00:00");
    expect(parseTime("23:59")).toBe("23:59");
  });

  it.each([
    ["24:00", /"24:00" is not a time\. Use 24-hour HH:MM, e\.g\. 09:30\. For midnight, type 00:00\./],
    ["25:00", /"25:00" is not a time\. Use 24-hour HH:MM/],
    ["9", /"9" is not a time\. Use 24-hour HH:MM, e\.g\. 09:30\. Did you mean 09:00\?/],
    ["ab:cd", /"ab:cd" is not a time\. Use 24-hour HH:MM, e\.g\. 09:30\.$/],
    ["12:60", /"12:60" is not a time\. Use 24-hour HH:MM, e\.g\. 09:30\.$/],
    ["9pm", /Did you mean 21:00\?/],
    ["12am", /Did you mean 00:00\?/],
    ["", /"" is not a time/],
  ])("rejects the time %j with a message that says what to type", (input, message) => {
    const err = userError(() => parseTime(input));
    expect(err.code).toBe("bad_time");
    expect(unmarked(err.message)).toMatch(message);
  });

  it("accepts IANA zones and the aliases Intl knows, in their usual spelling", () => {
    expect(validateTimezone("Europe/Berlin")).toBe("Europe/Berlin");
    expect(validateTimezone("america/new_york")).toBe("America/New_York");
    expect(validateTimezone("UTC")).toBe("UTC");
    expect(validateTimezone("utc")).toBe("UTC");
    expect(validateTimezone("Etc/GMT+5")).toBe("Etc/GMT+5");
  });

  it.each([
    ["Europe/Berln", /^Unknown time zone "Europe\/Berln"\. Did you mean Europe\/Berlin\? Use an IANA name such as/],
    ["Mars/Base", /^Unknown time zone "Mars\/Base"\. Use an IANA name such as Europe\/Berlin or America\/New_York\.$/],
    ["EST", /^"EST" is an abbreviation, not a time zone name\. Use an IANA name such as America\/New_York/],
    ["", /^Unknown time zone ""/],
  ])("rejects the zone %j with a message that says what to type", (input, message) => {
    const err = userError(() => validateTimezone(input));
    expect(err.code).toBe("bad_timezone");
    expect(unmarked(err.message)).toMatch(message);
  });

  it("reads days", () => {
    expect(parseDays("daily")).toBe("daily");
    expect(parseDays("Weekdays")).toBe("weekdays");
    expect(parseDays("mon,wed,fri")).toEqual([1, 3, 5]);
    expect(parseDays("Friday, monday wed")).toEqual([1, 3, 5]);
    expect(parseDays("tues,thurs")).toEqual([2, 4]);
    expect(parseDays("mon-fri")).toBe("weekdays");
    expect(parseDays("fri-mon")).toEqual([0, 1, 5, 6]);
    expect(parseDays("sun,mon,tue,wed,thu,fri,sat")).toBe("daily");
    expect(parseDays("weekends")).toEqual([0, 6]);
    expect(formatDays([5, 1, 3])).toBe("Mon, Wed, Fri");
    expect(formatDays("weekdays")).toBe("weekdays");
  });

  it.each([
    ["funday", /^"funday" is not a day\. Use "daily", "weekdays" or days like "mon,wed,fri"\.$/],
    ["mon,funday", /"funday" is not a day/],
    ["m", /"m" is not a day/],
    [" , ", /^No days given/],
  ])("rejects the days %j with a message that says what to type", (input, message) => {
    const err = userError(() => parseDays(input));
    expect(err.code).toBe("bad_days");
    expect(unmarked(err.message)).toMatch(message);
  });

  it("rejects a stored recurrence that is not valid", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    expect(userError(() => occurrencesBetween({ time: "9", timezone: "UTC", days: "daily" }, at, at)).code).toBe(
      "bad_time",
    );
    expect(userError(() => nextOccurrence({ time: "09:00", timezone: "Nowhere/X", days: "daily" }, at)).code).toBe(
      "bad_timezone",
    );
    expect(userError(() => nextOccurrence({ time: "09:00", timezone: "UTC", days: [7] }, at)).code).toBe("bad_days");
    expect(userError(() => nextOccurrence({ time: "09:00", timezone: "UTC", days: [] }, at)).code).toBe("bad_days");
  });
});

describe("occurrencesBetween", () => {
  it("daily 09:00 in Europe/Berlin: one a day for a whole year, at UTC+1 in winter and UTC+2 in summer", () => {
    const rec: Recurrence = { time: "09:00", timezone: "Europe/Berlin", days: "daily" };
    // From local midnight on 1 January to local midnight on 1 January 2027.
    const all = occurrencesBetween(rec, new Date("2025-12-31T23:00:00Z"), new Date("2026-12-31T23:00:00Z"));
    expect(all).toHaveLength(365);
    const day = new Date("2026-01-01T00:00:00Z");
    for (const at of all) {
      const date = day.toISOString().slice(0, 10);
      // EU summer time 2026: from 29 March (02:00 local, before 09:00) to 25 October (03:00 local).
      const summer = date >= "2026-03-29" && date < "2026-10-25";
      expect(at.toISOString()).toBe(`${date}T${summer ? "07" : "08"}:00:00.000Z`);
      expect(local(at, rec.timezone)).toMatch(/ 09:00$/);
      day.setUTCDate(day.getUTCDate() + 1);
    }
  });

  it("weekdays in America/New_York skip Saturday and Sunday, across both DST changes", () => {
    const rec: Recurrence = { time: "09:00", timezone: "America/New_York", days: "weekdays" };
    const all = occurrencesBetween(rec, new Date("2026-03-01T00:00:00Z"), new Date("2026-11-30T00:00:00Z"));
    const weekdays = new Set(all.map((at) => local(at, rec.timezone).slice(11, 14)));
    expect([...weekdays].sort()).toEqual(["Fri", "Mon", "Thu", "Tue", "Wed"]);
    for (const at of all) expect(local(at, rec.timezone)).toMatch(/ 09:00$/);
    // US DST 2026 starts Sunday 8 March and ends Sunday 1 November.
    expect(between(rec, "2026-03-06T00:00:00Z", "2026-03-10T00:00:00Z")).toEqual([
      "2026-03-06T14:00:00.000Z", // Fri, EST (UTC-5)
      "2026-03-09T13:00:00.000Z", // Mon, EDT (UTC-4)
    ]);
    expect(between(rec, "2026-10-30T00:00:00Z", "2026-11-03T00:00:00Z")).toEqual([
      "2026-10-30T13:00:00.000Z", // Fri, EDT
      "2026-11-02T14:00:00.000Z", // Mon, EST
    ]);
  });

  it("weekdays in Europe/Berlin keep 09:00 local across both DST changes", () => {
    const rec: Recurrence = { time: "09:00", timezone: "Europe/Berlin", days: "weekdays" };
    expect(between(rec, "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z")).toEqual([
      "2026-03-27T08:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
    ]);
    expect(between(rec, "2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z")).toEqual([
      "2026-10-23T07:00:00.000Z",
      "2026-10-26T08:00:00.000Z",
    ]);
  });

  it('"mon,wed,fri" fires on those days only', () => {
    const rec: Recurrence = { time: "17:45", timezone: "Europe/Berlin", days: parseDays("mon,wed,fri") };
    const all = occurrencesBetween(rec, new Date("2026-01-04T00:00:00Z"), new Date("2026-01-18T00:00:00Z"));
    expect(all.map((at) => local(at, rec.timezone))).toEqual([
      "2026-01-05 Mon 17:45",
      "2026-01-07 Wed 17:45",
      "2026-01-09 Fri 17:45",
      "2026-01-12 Mon 17:45",
      "2026-01-14 Wed 17:45",
      "2026-01-16 Fri 17:45",
    ]);
  });

  it("is exclusive of `from` and inclusive of `to`", () => {
    const rec: Recurrence = { time: "09:00", timezone: "UTC", days: "daily" };
    expect(between(rec, "2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z")).toEqual(["2026-01-06T09:00:00.000Z"]);
    expect(between(rec, "2026-01-05T08:59:59.999Z", "2026-01-05T09:00:00Z")).toEqual(["2026-01-05T09:00:00.000Z"]);
    expect(between(rec, "2026-01-05T09:00:00.001Z", "2026-01-06T08:59:59.999Z")).toEqual([]);
    expect(between(rec, "2026-01-06T00:00:00Z", "2026-01-05T00:00:00Z")).toEqual([]);
  });

  describe("Europe/Berlin DST (2026: starts 29 March 02:00→03:00, ends 25 October 03:00→02:00)", () => {
    const rec: Recurrence = { time: "02:30", timezone: "Europe/Berlin", days: "daily" };

    it("skips 02:30 on the day it does not exist (not moved to 03:30)", () => {
      expect(between(rec, "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z")).toEqual([
        "2026-03-28T01:30:00.000Z", // 02:30 CET
        "2026-03-30T00:30:00.000Z", // 02:30 CEST; nothing on the 29th
      ]);
    });

    it("runs 02:30 once on the day it happens twice, at the first pass", () => {
      expect(between(rec, "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z")).toEqual([
        "2026-10-25T00:30:00.000Z", // 02:30 CEST; not again at 01:30Z (02:30 CET)
        "2026-10-26T01:30:00.000Z",
      ]);
      // A window that starts between the two passes sees nothing.
      expect(between(rec, "2026-10-25T00:31:00Z", "2026-10-25T02:00:00Z")).toEqual([]);
    });
  });

  describe("America/New_York DST (2026: starts 8 March 02:00→03:00, ends 1 November 02:00→01:00)", () => {
    it("skips 02:30 and 02:00 on the start day; 03:00 happens", () => {
      const at = (time: string) => ({ time, timezone: "America/New_York", days: "daily" }) satisfies Recurrence;
      expect(between(at("02:30"), "2026-03-07T12:00:00Z", "2026-03-09T12:00:00Z")).toEqual([
        "2026-03-09T06:30:00.000Z",
      ]);
      expect(between(at("02:00"), "2026-03-07T12:00:00Z", "2026-03-09T12:00:00Z")).toEqual([
        "2026-03-09T06:00:00.000Z",
      ]);
      expect(between(at("03:00"), "2026-03-07T12:00:00Z", "2026-03-09T12:00:00Z")).toEqual([
        "2026-03-08T07:00:00.000Z",
        "2026-03-09T07:00:00.000Z",
      ]);
    });

    it("runs 01:30 once on the end day, at the first pass (EDT); 02:00 is not doubled", () => {
      const at = (time: string) => ({ time, timezone: "America/New_York", days: "daily" }) satisfies Recurrence;
      expect(between(at("01:30"), "2026-10-31T12:00:00Z", "2026-11-02T12:00:00Z")).toEqual([
        "2026-11-01T05:30:00.000Z", // 01:30 EDT; not again at 06:30Z (01:30 EST)
        "2026-11-02T06:30:00.000Z",
      ]);
      expect(between(at("01:30"), "2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z")).toEqual([]);
      expect(between(at("02:00"), "2026-10-31T12:00:00Z", "2026-11-01T12:00:00Z")).toEqual([
        "2026-11-01T07:00:00.000Z",
      ]);
    });
  });

  it("handles a 30-minute DST shift (Australia/Lord_Howe), where croner picks the second pass", () => {
    const gap: Recurrence = { time: "02:15", timezone: "Australia/Lord_Howe", days: "daily" };
    // 4 October 2026: 02:00 → 02:30 (UTC+10:30 → UTC+11).
    expect(between(gap, "2026-10-02T12:00:00Z", "2026-10-05T12:00:00Z")).toEqual([
      "2026-10-02T15:45:00.000Z",
      "2026-10-04T15:15:00.000Z",
    ]);
    const overlap: Recurrence = { time: "01:45", timezone: "Australia/Lord_Howe", days: "daily" };
    // 5 April 2026: 02:00 → 01:30, so 01:45 comes twice: 14:45Z (UTC+11), then 15:15Z (UTC+10:30).
    expect(between(overlap, "2026-04-03T12:00:00Z", "2026-04-05T18:00:00Z")).toEqual([
      "2026-04-03T14:45:00.000Z",
      "2026-04-04T14:45:00.000Z",
      "2026-04-05T15:15:00.000Z",
    ]);
    expect(between(overlap, "2026-04-04T14:45:00Z", "2026-04-04T16:00:00Z")).toEqual([]);
  });

  it("handles a two-hour DST shift (Antarctica/Troll)", () => {
    const rec: Recurrence = { time: "02:00", timezone: "Antarctica/Troll", days: "daily" };
    // 29 March 2026: 01:00 → 03:00; 25 October 2026: 03:00 → 01:00.
    expect(between(rec, "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z")).toEqual([
      "2026-03-28T02:00:00.000Z",
      "2026-03-30T00:00:00.000Z",
    ]);
    expect(between(rec, "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z")).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-26T02:00:00.000Z",
    ]);
  });

  it("splitting a window anywhere gives the same occurrences (what consecutive ticks rely on)", () => {
    const zones = [
      "Europe/Berlin",
      "America/New_York",
      "Australia/Lord_Howe",
      "Antarctica/Troll",
      "UTC",
      "Asia/Kolkata",
    ];
    const start = Date.parse("2026-01-01T00:00:00Z");
    const year = 365 * 86_400_000;
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(0, 15, 30, 45),
        fc.constantFrom<Recurrence["days"]>("daily", "weekdays", [0, 6], [2]),
        fc.integer({ min: 0, max: year }),
        fc.integer({ min: 0, max: 10 * 86_400_000 }),
        fc.integer({ min: 0, max: 10 * 86_400_000 }),
        (timezone, h, m, days, offset, first, second) => {
          const rec: Recurrence = {
            time: `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`,
            timezone,
            days,
          };
          const a = new Date(start + offset);
          const b = new Date(a.getTime() + first);
          const c = new Date(b.getTime() + second);
          const whole = iso(occurrencesBetween(rec, a, c));
          expect([...iso(occurrencesBetween(rec, a, b)), ...iso(occurrencesBetween(rec, b, c))]).toEqual(whole);
          expect(new Set(whole.map((t) => local(new Date(t), timezone).slice(0, 10))).size).toBe(whole.length);
          for (const t of whole) expect(local(new Date(t), timezone).slice(-5)).toBe(rec.time);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("occurrencesBetween against a brute-force scan of the wall clock", () => {
  /** Every quarter hour from a day before `from`; the first instant showing the time on each allowed date. */
  function scan(rec: Recurrence, from: Date, to: Date): string[] {
    const quarter = 15 * 60_000;
    const allowed = rec.days === "daily" ? [0, 1, 2, 3, 4, 5, 6] : rec.days === "weekdays" ? [1, 2, 3, 4, 5] : rec.days;
    const names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const seen = new Set<string>();
    const out: string[] = [];
    for (let t = Math.floor((from.getTime() - 86_400_000) / quarter) * quarter; t <= to.getTime(); t += quarter) {
      const wall = local(new Date(t), rec.timezone);
      const date = wall.slice(0, 10);
      if (wall.slice(-5) !== rec.time || seen.has(date) || !allowed.includes(names.indexOf(wall.slice(11, 14))))
        continue;
      seen.add(date);
      if (t > from.getTime()) out.push(new Date(t).toISOString());
    }
    return out;
  }

  it("agrees with the scan in zones with 30-minute, one-hour and two-hour shifts", () => {
    const zones = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Antarctica/Troll", "Asia/Kolkata"];
    // Windows around the 2026 DST changes of these zones, so that most runs cross one.
    const changes = ["2026-03-08", "2026-03-29", "2026-04-05", "2026-10-04", "2026-10-25", "2026-11-01"].map(
      Date.parse,
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(0, 15, 30, 45),
        fc.constantFrom<Recurrence["days"]>("daily", "weekdays", [0], [0, 3]),
        fc.constantFrom(...changes),
        fc.integer({ min: -4 * 86_400_000, max: 0 }),
        fc.integer({ min: 0, max: 8 * 86_400_000 }),
        (timezone, h, m, days, change, offset, length) => {
          const rec: Recurrence = {
            time: `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`,
            timezone,
            days,
          };
          const from = new Date(change + offset);
          const to = new Date(from.getTime() + length);
          expect(iso(occurrencesBetween(rec, from, to))).toEqual(scan(rec, from, to));
        },
      ),
      { numRuns: 80 },
    );
  });

  it("agrees with the scan for any order of windows, as ticks, look-aheads and other callers ask (the remembered occurrences change no answer)", () => {
    const zones = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"];
    const start = Date.parse("2026-10-20T00:00:00Z");
    const window = fc.record({
      from: fc.integer({ min: 0, max: 20 * 86_400_000 }),
      length: fc.integer({ min: 1, max: 3 * 86_400_000 }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(0, 30),
        fc.constantFrom<Recurrence["days"]>("daily", "weekdays", [3]),
        fc.array(window, { minLength: 2, maxLength: 12 }),
        (timezone, h, m, days, windows) => {
          const rec: Recurrence = {
            time: `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`,
            timezone,
            days,
          };
          for (const w of windows) {
            const from = new Date(start + w.from);
            const to = new Date(from.getTime() + w.length);
            expect(iso(occurrencesBetween(rec, from, to))).toEqual(scan(rec, from, to));
            // The window right after, as the next tick asks.
            const after = new Date(to.getTime() + w.length);
            expect(iso(occurrencesBetween(rec, to, after))).toEqual(scan(rec, to, after));
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("nextOccurrence", () => {
  it("finds the next one, strictly after the given instant", () => {
    const rec: Recurrence = { time: "09:00", timezone: "Europe/Berlin", days: "weekdays" };
    // Friday 9 January 2026, 10:00 local → Monday 12 January 09:00 CET.
    expect(nextOccurrence(rec, new Date("2026-01-09T09:00:00Z"))?.toISOString()).toBe("2026-01-12T08:00:00.000Z");
    expect(nextOccurrence(rec, new Date("2026-01-12T08:00:00Z"))?.toISOString()).toBe("2026-01-13T08:00:00.000Z");
    expect(nextOccurrence(rec, new Date("2026-01-12T07:59:59Z"))?.toISOString()).toBe("2026-01-12T08:00:00.000Z");
  });

  it("steps over a skipped day", () => {
    const rec: Recurrence = { time: "02:30", timezone: "Europe/Berlin", days: "daily" };
    expect(nextOccurrence(rec, new Date("2026-03-28T12:00:00Z"))?.toISOString()).toBe("2026-03-30T00:30:00.000Z");
    // Only on Sundays: 29 March is skipped, so the next is 5 April.
    const sundays: Recurrence = { ...rec, days: [0] };
    expect(nextOccurrence(sundays, new Date("2026-03-28T12:00:00Z"))?.toISOString()).toBe("2026-04-05T00:30:00.000Z");
  });

  it("formats an instant as the zone's wall clock", () => {
    expect(formatInZone(new Date("2026-03-30T07:00:00Z"), "Europe/Berlin")).toMatch(/Mon.*30 Mar 2026.*09:00.*GMT\+2/);
  });
});
