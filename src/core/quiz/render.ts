import { encodeAction } from "../actions.ts";
import type { Entry } from "../knowledge/schema.ts";
import { type Reply, reply } from "../reply.ts";
import { userText } from "../user-text.ts";
import { LETTERS } from "./bank.ts";

export interface RoundView {
  id: number;
  entry: Entry;
  index: number;
  closesAt: Date;
  /** The team's time zone (DOCKHAND_TIMEZONE) for the closing time; UTC when absent. */
  timezone?: string;
}

function question(round: RoundView) {
  const q = round.entry.quiz[round.index];
  if (!q) throw new Error(`entry ${round.entry.id} has no quiz question ${round.index}`);
  return q;
}

/** "13:00 UTC", or "14:00 Europe/Berlin": the local time with the zone's name, so no one has to convert. */
function hhmm(d: Date, timezone = "UTC"): string {
  if (timezone === "UTC") return `${d.toISOString().slice(11, 16)} UTC`;
  const local = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(d);
  return `${local} ${timezone}`;
}

/** The public question: choices as buttons and the number of answers so far. */
export function questionReply(round: RoundView, answered: number): Reply {
  const q = question(round);
  return reply({
    header: `Docker quiz: ${round.entry.title}`,
    text: q.question,
    bullets: q.choices.map((c, i) => `${LETTERS[i]}. ${c}`),
    buttons: q.choices.map((_c, i) => ({
      label: LETTERS[i] as string,
      action: encodeAction({ kind: "answer", round: round.id, choice: i }),
    })),
    context: `${answered} ${answered === 1 ? "answer" : "answers"} so far · closes at ${hhmm(round.closesAt, round.timezone)} · your first click counts`,
    visibility: "channel",
  });
}

export interface RevealAnswer {
  userName: string;
  choice: number;
  correct: boolean;
}

function bar(count: number, total: number): string {
  const width = 10;
  const filled = total === 0 ? 0 : Math.round((count / total) * width);
  return `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
}

/** The reveal: the right choice, the spread of answers as bars, the explanation, who got it right. */
export function revealReply(round: RoundView, answers: RevealAnswer[], showNames: boolean): Reply {
  const q = question(round);
  const total = answers.length;
  const spread = q.choices.map((c, i) => {
    const n = answers.filter((a) => a.choice === i).length;
    const pct = total === 0 ? 0 : Math.round((100 * n) / total);
    return `${i === q.answer ? "✅" : "▫️"} ${LETTERS[i]}. ${c}  ${bar(n, total)} ${n} (${pct}%)`;
  });
  const right = answers.filter((a) => a.correct);
  const who =
    right.length === 0
      ? "Nobody got it this time."
      : showNames
        ? `${right.length} got it right: ${right.map((a) => userText(a.userName)).join(", ")}.`
        : `${right.length} got it right.`;
  return reply({
    header: `Quiz answer: ${LETTERS[q.answer]}. ${q.choices[q.answer]}`,
    text: `${q.question}\n\n${q.explanation}`,
    bullets: spread,
    buttons: [
      { label: `Learn more: ${round.entry.title}`, action: encodeAction({ kind: "entry", entry: round.entry.id }) },
    ],
    context: `${total} ${total === 1 ? "answer" : "answers"}. ${who}`,
    visibility: "channel",
    replaceOriginal: true,
  });
}
