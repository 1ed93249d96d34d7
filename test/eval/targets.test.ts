import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadKnowledge } from "../../src/core/knowledge/loader.ts";
import { SearchIndex } from "../../src/core/knowledge/search.ts";
import { builtInPacks, packageRoot } from "../../src/paths.ts";
import { type EvalReport, evaluate, readEvalFile } from "../../src/tools/eval.ts";

// Search quality is a product requirement: these are the targets, checked on every run.
const dev = join(packageRoot, "../shared/eval/dev.jsonl");
const holdout = join(packageRoot, "test/eval/holdout.jsonl");

let index: SearchIndex;
beforeAll(() => {
  index = new SearchIndex(loadKnowledge(builtInPacks).kb);
});

function rates(r: EvalReport) {
  return { top1: r.top1 / r.inScope, top3: r.top3 / r.inScope, abstain: r.abstained / r.outOfScope };
}

describe.skipIf(!existsSync(dev))("search on the shared dev set", () => {
  it("answers ≥ 90% top-1 and ≥ 97% top-3, and abstains on ≥ 85% of out-of-scope questions", () => {
    const r = rates(evaluate(index, readEvalFile(dev)));
    expect(r.top1).toBeGreaterThanOrEqual(0.9);
    expect(r.top3).toBeGreaterThanOrEqual(0.97);
    expect(r.abstain).toBeGreaterThanOrEqual(0.85);
  });
});
if (!existsSync(dev)) console.warn(`search targets on dev.jsonl skipped: ${dev} is not there`);

describe("search on the project's own holdout set", () => {
  // Written independently of dev.jsonl; a floor that catches regressions, not a tuning target.
  it("keeps top-1 ≥ 85%, top-3 ≥ 95% and out-of-scope abstention ≥ 80%", () => {
    const r = rates(evaluate(index, readEvalFile(holdout)));
    expect(r.top1).toBeGreaterThanOrEqual(0.85);
    expect(r.top3).toBeGreaterThanOrEqual(0.95);
    expect(r.abstain).toBeGreaterThanOrEqual(0.8);
  });
});
