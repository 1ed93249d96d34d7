import type { KnowledgeBase } from "../knowledge/loader.ts";
import type { QuizQuestion } from "../knowledge/schema.ts";

/** One question of the bank: an entry's quiz question, keyed "entryId#index". */
export interface BankQuestion {
  key: string;
  entryId: string;
  index: number;
  question: QuizQuestion;
}

export function bank(kb: KnowledgeBase): BankQuestion[] {
  return kb.entries.flatMap((e) =>
    e.quiz.map((question, index) => ({ key: `${e.id}#${index}`, entryId: e.id, index, question })),
  );
}

/** A stable pseudo-random rank, so picks vary between channels and rounds but tests can predict them. */
function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The next question for a channel: none repeats until the bank is used up; among the unused, those
 * on entries the channel has missed more often come first; ties are broken by a hash of the
 * channel and the round number.
 */
export function pickQuestion(
  questions: BankQuestion[],
  uses: ReadonlyMap<string, number>,
  misses: ReadonlyMap<string, number>,
  salt: string,
): BankQuestion | undefined {
  if (questions.length === 0) return undefined;
  // The least-used questions: on a first pass the unused ones, after that the next cycle's.
  const fewest = Math.min(...questions.map((q) => uses.get(q.key) ?? 0));
  const pool = questions.filter((q) => (uses.get(q.key) ?? 0) === fewest);
  return [...pool].sort(
    (a, b) => (misses.get(b.entryId) ?? 0) - (misses.get(a.entryId) ?? 0) || hash(salt + a.key) - hash(salt + b.key),
  )[0];
}

export const LETTERS = ["A", "B", "C", "D"];
