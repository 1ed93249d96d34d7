import { readFileSync } from "node:fs";
import { z } from "zod";
import type { SearchIndex } from "../core/knowledge/search.ts";

const line = z.object({ q: z.string(), expect: z.array(z.string()), source: z.string().optional() });
export type EvalCase = z.infer<typeof line>;

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
