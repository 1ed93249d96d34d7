import type { Kysely } from "kysely";
import type { QuizRepo } from "../core/quiz/repo.ts";
import { QuizRounds } from "./quiz-rounds.ts";
import { QuizSchedules } from "./quiz-schedules.ts";
import { QuizScores } from "./quiz-scores.ts";
import type { Database } from "./schema.ts";
import { merge } from "./shared.ts";

/** The quiz's repository: schedules, rounds with their answers, and scores, over one kysely instance. */
export function quizStore(db: Kysely<Database>, dialect: "sqlite" | "postgres"): QuizRepo {
  return merge(new QuizSchedules(db), new QuizRounds(db, dialect), new QuizScores(db, dialect)) satisfies QuizRepo;
}
