import type { Kysely } from "kysely";
import type { QuizRepo } from "../core/quiz/repo.ts";
import { QuizPostingStore } from "./quiz-posting.ts";
import { QuizRevealStore } from "./quiz-reveals.ts";
import { QuizRounds } from "./quiz-rounds.ts";
import { QuizSchedules } from "./quiz-schedules.ts";
import { QuizScores } from "./quiz-scores.ts";
import type { Database } from "./schema.ts";
import { merge } from "./shared.ts";

/**
 * The quiz's repository: schedules, rounds with their answers, scores, the leases on rounds
 * being posted and on reveals, over one kysely instance.
 */
export function quizStore(db: Kysely<Database>, dialect: "sqlite" | "postgres"): QuizRepo {
  const parts = merge(new QuizSchedules(db), new QuizRounds(db, dialect), new QuizScores(db, dialect));
  return { ...parts, posting: new QuizPostingStore(db), reveals: new QuizRevealStore(db) } satisfies QuizRepo;
}
