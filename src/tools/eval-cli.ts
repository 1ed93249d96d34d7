import { existsSync } from "node:fs";
import { join } from "node:path";
import type { KnowledgeBase } from "../core/knowledge/loader.ts";
import { SearchIndex } from "../core/knowledge/search.ts";
import { packageRoot } from "../paths.ts";
import { evaluate, evaluateAnswers, formatAnswersReport, formatReport, readAnyEvalFile } from "./eval.ts";

export function runEval(files: string[], kb: KnowledgeBase): number {
  const defaults = [
    join(packageRoot, "../shared/eval/dev.jsonl"),
    join(packageRoot, "../shared/eval/answers-dev.jsonl"),
    join(packageRoot, "test/eval/answers-own.jsonl"),
    join(packageRoot, "test/eval/answers-new-entries.jsonl"),
  ].filter(existsSync);
  const paths = files.length > 0 ? files : defaults;
  if (paths.length === 0) {
    console.error("No evaluation file given and ../shared/eval/dev.jsonl is not there: npm run eval -- FILE.jsonl");
    return 2;
  }
  const index = new SearchIndex(kb);
  for (const path of paths) {
    try {
      const file = readAnyEvalFile(path);
      console.log(
        file.kind === "answers"
          ? formatAnswersReport(path, evaluateAnswers(index, file.cases))
          : formatReport(path, evaluate(index, file.cases)),
      );
    } catch (err) {
      console.error((err as Error).message);
      return 2;
    }
  }
  return 0;
}
