import { encodeAction } from "../actions.ts";
import type { Entry, QuizQuestion } from "../knowledge/schema.ts";
import { LETTERS } from "../quiz/bank.ts";
import { type Button, notice, type Reply, reply } from "../reply.ts";
import type { Grade, QuestionRef } from "./model.ts";

/**
 * A choice's identity in a button: a short hash of its text. The order shown is shuffled, so the
 * button says which choice (not which position) was pressed; a choice whose text changed in the
 * pack since it was shown matches nothing and is refused.
 */
export function choiceId(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

/** The choices in a fresh random order (Fisher–Yates), each with its index in the pack. */
export function shuffled(choices: readonly string[], random: () => number): { text: string; index: number }[] {
  const out = choices.map((text, index) => ({ text, index }));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]];
  }
  return out;
}

/** The calendar date ("2026-03-22") that the wall clock in `timezone` shows at `at`. */
export function localDate(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(at);
}

/** "today", "tomorrow", "in 3 days (Fri 9 Jan)": when a card is due, in the person's zone. */
export function dueText(due: Date, now: Date, timezone: string): string {
  const days = Math.round((Date.parse(localDate(due, timezone)) - Date.parse(localDate(now, timezone))) / 86_400_000);
  if (days <= 0) return "today";
  if (days === 1) return "tomorrow";
  const day = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    weekday: "short",
    day: "numeric",
    month: "short",
  });
  return `in ${days} days (${day.format(due)})`;
}

const nextButton = (label = "Next"): Button => ({
  label,
  action: encodeAction({ kind: "rvnext" }),
  style: "primary",
});

/** One card shown: the question, its choices in a new order, a button per choice. */
export function questionReply(
  entry: Entry,
  ref: QuestionRef,
  reps: number,
  order: { text: string; index: number }[],
  left: number,
  replaceOriginal: boolean,
): Reply {
  const q = entry.quiz[ref.question] as QuizQuestion;
  return reply({
    header: `Review: ${entry.title}`,
    text: q.question,
    bullets: order.map((c, i) => `${LETTERS[i]}. ${c.text}`),
    buttons: order.map((c, i) => ({
      label: LETTERS[i] as string,
      action: encodeAction({
        kind: "rvans",
        entry: entry.id,
        q: ref.question,
        rep: reps,
        choice: choiceId(c.text),
      }),
    })),
    context: `${left} ${left === 1 ? "card" : "cards"} due · only you see this`,
    visibility: "ephemeral",
    replaceOriginal,
  });
}

/** After a click: right or wrong, the explanation, when the card comes back, and what next. */
export function resultReply(p: {
  entry: Entry;
  ref: QuestionRef;
  chosen: number;
  grade: Grade;
  reps: number;
  when: string;
  moreDue: number;
}): Reply {
  const q = p.entry.quiz[p.ref.question] as QuizQuestion;
  const right = q.choices[q.answer] ?? "";
  const verdict =
    p.grade === "again"
      ? `❌ Not quite: you chose “${q.choices[p.chosen]}”. The answer is “${right}”.`
      : `✅ Right: “${right}”.`;
  const buttons: Button[] = [
    { label: `Learn more: ${p.entry.title}`, action: encodeAction({ kind: "entry", entry: p.entry.id }) },
  ];
  if (p.grade === "good")
    buttons.push({
      label: "That was easy",
      action: encodeAction({ kind: "rveasy", entry: p.entry.id, q: p.ref.question, rep: p.reps }),
    });
  if (p.moreDue > 0) buttons.push(nextButton());
  return reply({
    header: `Review: ${p.entry.title}`,
    text: `${verdict}\n\n${q.explanation}`,
    buttons,
    context: `This card comes back ${p.when}. ${moreText(p.moreDue)}`,
    visibility: "ephemeral",
    replaceOriginal: true,
  });
}

export function moreText(moreDue: number): string {
  return moreDue > 0
    ? `${moreDue} more ${moreDue === 1 ? "card" : "cards"} due.`
    : "That was the last card due today. 🎉";
}

/** After "That was easy". */
export function easyReply(entry: Entry, when: string, moreDue: number): Reply {
  return reply({
    text: `Marked as easy: “${entry.title}” comes back ${when}. ${moreText(moreDue)}`,
    buttons: moreDue > 0 ? [nextButton()] : [],
    visibility: "ephemeral",
    replaceOriginal: true,
  });
}

/** The daily nudge, sent by DM. */
export function nudgeReply(due: number): Reply {
  return reply({
    text: `📚 ${due} ${due === 1 ? "card is" : "cards are"} due for review today.`,
    buttons: [nextButton("Review")],
    visibility: "ephemeral",
    fallback: `${due} ${due === 1 ? "card" : "cards"} due: Review`,
  });
}

/** Answers to buttons that point at something gone or already done; they change nothing. */
export const STALE = {
  answered: notice("You already answered this card; that answer stands. `/docker review` shows your next card."),
  gone: notice(
    "This question changed or left the knowledge pack since it was shown, so nothing was graded. `/docker review` shows your next card.",
  ),
  notInDeck: notice(
    "This card is no longer in your deck (your review data was reset). `/docker review add <topic>` adds cards.",
  ),
  notEasy: notice("Only a card you just got right can be marked as easy; nothing changed."),
};
