import { UserError } from "../errors.ts";
import { userText } from "../user-text.ts";

const HINT = 'Use a duration such as "30m", "2h" or "1h30m".';
const UNITS: Record<string, number> = {
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

/** Parses "90m", "2h", "1h30m", "2 hours" into milliseconds, between 1 minute and 7 days. */
export function parseDuration(input: string): number {
  const text = input.trim().toLowerCase();
  const parts = [...text.matchAll(/(\d+)\s*([a-z]+)/g)];
  const rest = text.replace(/(\d+)\s*([a-z]+)/g, "").trim();
  if (parts.length === 0 || rest !== "")
    throw new UserError("bad_duration", `"${userText(input)}" is not a duration. ${HINT}`);
  let ms = 0;
  for (const [, n, unit] of parts) {
    const size = UNITS[unit ?? ""];
    if (!size) throw new UserError("bad_duration", `"${userText(unit ?? "")}" is not a unit I know. ${HINT}`);
    ms += Number(n) * size;
  }
  if (ms < 60_000 || ms > 7 * 86_400_000)
    throw new UserError("bad_duration", `A question stays open between 1 minute and 7 days. ${HINT}`);
  return ms;
}

export function formatDuration(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.round((ms % 3_600_000) / 60_000);
  return [h ? `${h}h` : "", m ? `${m}m` : ""].filter(Boolean).join("") || "0m";
}
