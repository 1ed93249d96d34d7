import { readFileSync } from "node:fs";
import { z } from "zod";
import { answerReply } from "../core/answers/render.ts";
import type { SearchIndex } from "../core/knowledge/search.ts";
import type { Reply } from "../core/reply.ts";

const line = z.object({ q: z.string(), expect: z.array(z.string()), source: z.string().optional() });
export type EvalCase = z.infer<typeof line>;

/** An answers case: the reply must be confident and contain one of `any` (case aside). */
const answerLine = z.object({ q: z.string(), any: z.array(z.string().min(1)).min(1) });
export type AnswerCase = z.infer<typeof answerLine> & Record<string, unknown>;

export type EvalFile = { kind: "entries"; cases: EvalCase[] } | { kind: "answers"; cases: AnswerCase[] };

/** Reads a file of either kind: lines with `expect` (which entry) or with `any` (what the reply says). */
export function readAnyEvalFile(path: string): EvalFile {
  const lines = readLines(path);
  const answers =
    lines.length > 0 && lines.every(([json]) => typeof json === "object" && json !== null && "any" in json);
  if (!answers) return { kind: "entries", cases: readEvalFile(path) };
  return {
    kind: "answers",
    cases: lines.map(([json, n]) => {
      const parsed = answerLine.safeParse(json);
      if (!parsed.success) throw new Error(`${path}:${n}: not an answers line: ${parsed.error.issues[0]?.message}`);
      return json as AnswerCase;
    }),
  };
}

function readLines(path: string): [unknown, number][] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return text
    .split("\n")
    .map((l, i) => [l.trim(), i + 1] as const)
    .filter(([l]) => l.length > 0)
    .map(([l, n]) => {
      try {
        return [JSON.parse(l) as unknown, n];
      } catch {
        throw new Error(`${path}:${n}: not valid JSON`);
      }
    });
}

export interface AnswersReport {
  total: number;
  /** Confident, and the reply contains the answer. */
  answered: number;
  /** Confident, but the reply does not contain the answer. */
  thin: number;
  abstained: number;
  misses: string[];
}

/** Everything a person reads in a reply, buttons aside (an answer one click away is not in the reply). */
export function replyText(r: Reply): string {
  return [
    r.header,
    r.text,
    ...(r.fields ?? []).flatMap((f) => [f.label, f.value]),
    ...(r.comparison
      ? [r.comparison.sides.join(" "), ...r.comparison.rows.flatMap((row) => [row.aspect, ...row.values])]
      : []),
    r.code,
    ...(r.bullets ?? []),
    r.context,
  ]
    .filter((p): p is string => !!p)
    .join("\n");
}

/** Scores replies: answered (confident and containing the answer), thin or wrong, abstained. */
export function evaluateAnswers(index: SearchIndex, cases: AnswerCase[]): AnswersReport {
  const report: AnswersReport = { total: cases.length, answered: 0, thin: 0, abstained: 0, misses: [] };
  for (const c of cases) {
    const r = index.search(c.q);
    const reply = answerReply(index.kb, r, { visibility: "channel" });
    const top = r.hits[0];
    const got = top ? `${top.entry.id}${top.passage ? ` § ${top.passage.section.heading}` : ""}` : "nothing";
    if (!reply) {
      report.abstained++;
      report.misses.push(
        `abstained: "${c.q}" → ${r.kind} [${r.hits
          .slice(0, 3)
          .map((h) => h.entry.id)
          .join(", ")}]`,
      );
      continue;
    }
    const text = replyText(reply).toLowerCase();
    if (c.any.some((a) => text.includes(a.toLowerCase()))) report.answered++;
    else {
      report.thin++;
      report.misses.push(`thin or wrong: "${c.q}" (wants ${c.any.join(" | ")}) → ${got}`);
    }
  }
  return report;
}

export function formatAnswersReport(name: string, r: AnswersReport): string {
  const pct = (a: number) => (r.total === 0 ? "n/a" : `${((100 * a) / r.total).toFixed(1)}%`);
  return [
    `${name}: ${r.total} questions`,
    `  answered ${pct(r.answered)} (${r.answered}/${r.total})   thin or wrong ${pct(r.thin)} (${r.thin}/${r.total})   abstained ${pct(r.abstained)} (${r.abstained}/${r.total})`,
    ...r.misses.map((m) => `  - ${m}`),
  ].join("\n");
}

export function readEvalFile(path: string): EvalCase[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return text
    .split("\n")
    .map((l, i) => [l.trim(), i + 1] as const)
    .filter(([l]) => l.length > 0)
    .map(([l, n]) => {
      let json: unknown;
      try {
        json = JSON.parse(l);
      } catch {
        throw new Error(`${path}:${n}: not valid JSON`);
      }
      const parsed = line.safeParse(json);
      if (!parsed.success) throw new Error(`${path}:${n}: not an evaluation line: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}

export interface EvalReport {
  inScope: number;
  top1: number;
  top3: number;
  outOfScope: number;
  abstained: number;
  misses: string[];
}

/** Scores search on labelled queries: top-1 (confident and right), top-3, and abstention out of scope. */
export function evaluate(index: SearchIndex, cases: EvalCase[]): EvalReport {
  const report: EvalReport = { inScope: 0, top1: 0, top3: 0, outOfScope: 0, abstained: 0, misses: [] };
  for (const c of cases) {
    const r = index.search(c.q);
    const ids = r.hits.map((h) => h.entry.id);
    const got = `${r.kind}${r.confident ? "" : "?"} [${ids.slice(0, 3).join(", ")}]`;
    if (c.expect.length === 0) {
      report.outOfScope++;
      if (!r.confident) report.abstained++;
      else report.misses.push(`out of scope, answered: "${c.q}" → ${got}`);
      continue;
    }
    report.inScope++;
    const first = r.confident && ids[0] !== undefined && c.expect.includes(ids[0]);
    const inTop3 = ids.slice(0, 3).some((id) => c.expect.includes(id));
    if (first) report.top1++;
    if (inTop3) report.top3++;
    if (!first)
      report.misses.push(`${inTop3 ? "top-3 only" : "miss"}: "${c.q}" expected ${c.expect.join("|")} → ${got}`);
  }
  return report;
}

export function formatReport(name: string, r: EvalReport): string {
  const pct = (a: number, b: number) => (b === 0 ? "n/a" : `${((100 * a) / b).toFixed(1)}%`);
  return [
    `${name}: ${r.inScope} in scope, ${r.outOfScope} out of scope`,
    `  top-1 ${pct(r.top1, r.inScope)} (${r.top1}/${r.inScope})   top-3 ${pct(r.top3, r.inScope)} (${r.top3}/${r.inScope})   out of scope not confident ${pct(r.abstained, r.outOfScope)} (${r.abstained}/${r.outOfScope})`,
    ...r.misses.map((m) => `  - ${m}`),
  ].join("\n");
}
