import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KnowledgeBase } from "../core/knowledge/loader.ts";
import { packageRoot } from "../paths.ts";
import { writeDocsTree } from "./docs-tree.ts";

interface Measured {
  buildMs: number;
  buildCpuMs: number;
  firstAnswerMs?: number;
  firstAnswerCpuMs?: number;
  peakRssMb: number;
  p50: number;
  p99: number;
  p99best: number;
  entries: number;
  source?: string;
}

// The rows run the compiled JavaScript, as the image does (`node dist/src/bin.js`): compiled
// first, so that the figures are this checkout's, and without a TypeScript loader in the process.
const dist = join(packageRoot, "dist/src");
const child = join(dist, "tools/bench-child.js");

function compile(): void {
  const run = spawnSync(process.execPath, [join(packageRoot, "scripts/build.js")], {
    cwd: packageRoot,
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`npm run build failed:\n${run.stdout}${run.stderr}`);
}

function measure(queryFile: string, ...args: string[]): Measured {
  const run = spawnSync(process.execPath, [child, queryFile, ...args], {
    cwd: packageRoot,
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`bench ${args.join(" ")} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop() as string) as Measured;
}

function timed(args: string[]): number {
  const t = performance.now();
  const run = spawnSync(process.execPath, [join(dist, "bin.js"), ...args], {
    cwd: packageRoot,
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`dockhand ${args.join(" ")} failed:\n${run.stderr}`);
  return performance.now() - t;
}

const f = (n: number | undefined, digits = 0) => (n === undefined ? "-" : n.toFixed(digits));

/**
 * Large packs, each measurement in a process of its own: the synthetic 10,000-entry pack of
 * ../shared/eval/synth-pack.mjs beside plain MiniSearch over the same files, the saved index,
 * the built-in pack alone, and a generated 2,000-file reference pack.
 */
export function runPackBench(kb: KnowledgeBase, queries: string[], shared: string, size = 10_000): void {
  const generator = join(shared, "eval/synth-pack.mjs");
  const work = mkdtempSync(join(tmpdir(), "dockhand-bench-"));
  const queryFile = join(work, "queries.json");
  writeFileSync(queryFile, JSON.stringify(queries));
  try {
    compile();
    console.log(
      `\nLarge packs (one process per row, running the compiled code in dist/ as the image does; ${queries.length} queries, times in ms, memory in MB)\n`,
    );
    console.log(
      "pack                      engine                 build  first answer  peak RSS   p50     p99  p99 best-of-3",
    );
    const row = (pack: string, engine: string, m: Measured) =>
      console.log(
        `${pack.padEnd(25)} ${engine.padEnd(21)} ${f(m.buildMs).padStart(6)}  ${f(m.firstAnswerMs).padStart(12)}  ${f(m.peakRssMb).padStart(8)}  ${f(m.p50, 3).padStart(6)}  ${f(m.p99, 3).padStart(6)}  ${f(m.p99best, 3).padStart(6)}`,
      );
    row(`built-in (${kb.entries.length})`, "dockhand build", measure(queryFile, "build"));
    if (existsSync(generator)) {
      const synth = join(work, "synth");
      const gen = spawnSync(process.execPath, [generator, packageRoot, String(size), synth], { encoding: "utf8" });
      if (gen.status !== 0) throw new Error(`synth-pack.mjs failed:\n${gen.stderr}`);
      const label = `synth-pack ${size}`;
      const mini = measure(queryFile, "minisearch", synth);
      row(label, "plain minisearch", mini);
      const built = measure(queryFile, "build", synth);
      row(label, "dockhand build", built);
      const indexFile = join(work, "index.bin");
      const indexMs = timed(["index", "--knowledge", synth, "--out", indexFile]);
      const saved = measure(queryFile, "saved", synth, indexFile);
      row(label, "dockhand saved index", saved);
      console.log(
        `\n  build / minisearch parse+index: ${(built.buildMs / mini.buildMs).toFixed(2)}x (target ≤ 1.3x; in CPU time ` +
          `${(built.buildCpuMs / mini.buildCpuMs).toFixed(2)}x: ${f(built.buildCpuMs)} / ${f(mini.buildCpuMs)} ms); ` +
          `\`dockhand index\` (build and write): ${f(indexMs)} ms; saved index: first answer ${f(saved.firstAnswerMs)} ms ` +
          `(target ≤ 2000; CPU time ${f(saved.firstAnswerCpuMs)} ms), peak RSS ${f(saved.peakRssMb)} MB (target ≤ 300); p99 ${f(built.p99, 2)} ms, best-of-3 ${f(built.p99best, 2)} ms (target ≤ 10)`,
      );
    } else {
      console.log(`  (${generator} not found: the synthetic 10,000-entry rows are skipped)`);
    }
    const docs = join(work, "docs");
    writeDocsTree(kb, docs, 2000);
    row("reference, 2000 files", "dockhand build", measure(queryFile, "build", docs));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
