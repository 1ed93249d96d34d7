import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import Fuse from "fuse.js";
import type { KnowledgeBase } from "../core/knowledge/loader.ts";
import type { Entry } from "../core/knowledge/schema.ts";
import { SearchIndex } from "../core/knowledge/search.ts";
import { packageRoot } from "../paths.ts";
import { runPackBench } from "./bench-packs.ts";
import { readEvalFile } from "./eval.ts";

/** A small seeded generator, so every run benchmarks the same synthetic packs. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A pack of `size` entries: the real ones plus synthetic entries that mix a few of their words and
 * sentences with text from a large made-up lexicon (Zipf-distributed, as words in real text are),
 * so that the vocabulary and posting lists grow as a real large pack's would.
 */
export function syntheticPack(kb: KnowledgeBase, size: number, seed = 42): KnowledgeBase {
  const rand = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const words = [
    ...new Set(kb.entries.flatMap((e) => `${e.title} ${e.aliases.join(" ")}`.toLowerCase().split(/\W+/))),
  ].filter((w) => w.length > 2);
  const sentences = kb.entries.flatMap((e) => e.body.split(/(?<=\.)\s+/));
  const syllables = ["ka", "lo", "mi", "tor", "ven", "qua", "rix", "sel", "dun", "pra", "zo", "fen", "bri", "sto"];
  const madeUp = () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(syllables)).join("");
  // Other topics bring their own words, used with Zipf-like frequencies as in real text.
  const lexicon = Array.from({ length: 30000 }, madeUp);
  const zipfWord = () => lexicon[Math.min(lexicon.length - 1, Math.floor(Math.exp(rand() * Math.log(lexicon.length))))];
  const sentence = () => `${Array.from({ length: 8 + Math.floor(rand() * 10) }, zipfWord).join(" ")}.`;
  const entries: Entry[] = [...kb.entries];
  for (let i = entries.length; i < size; i++) {
    const base = pick(kb.entries);
    const title = `${madeUp()} ${pick(words)} ${pick(words)}`;
    entries.push({
      ...base,
      id: `synthetic-${i}`,
      title,
      aliases: Array.from({ length: 5 }, () => `${pick(words)} ${madeUp()} ${zipfWord()}`),
      tags: [pick(words).replace(/[^a-z0-9-]/g, "") || "misc"],
      summary: `${sentence()} ${sentence()} ${sentence()}`,
      body: `## ${title}\n${pick(sentences)} ${Array.from({ length: 12 }, sentence).join(" ")}`,
      related: [],
      compare: undefined,
    });
  }
  return { entries, byId: new Map(entries.map((e) => [e.id, e])), tracks: [], packs: [] };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function measure(
  run: (q: string) => unknown,
  queries: string[],
  rounds: number,
  warm = true,
): { p50: number; p99: number } {
  // One full pass first: a bot runs for days, so JIT compilation is not part of a query's cost.
  if (warm) for (const q of queries) run(q);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const q of queries) {
      const t = performance.now();
      run(q);
      times.push(performance.now() - t);
    }
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

function heapMb(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

function benchQueries(shared: string): string[] {
  const files = [join(shared, "eval/dev.jsonl"), join(packageRoot, "test/eval/holdout.jsonl")];
  const queries = files.filter(existsSync).flatMap((f) => readEvalFile(f).map((c) => c.q));
  return queries.length > 0 ? queries : ["volumes vs bind mounts", "docker ps -a", "how do I publish a port"];
}

/** `bench [--quick] [--shared DIR]`: --quick skips the in-memory 1,000 and 10,000 rows; DIR holds eval/ (default ../shared). */
export function runBench(kb: KnowledgeBase, args: string[] = []): number {
  const { values } = parseArgs({
    args,
    options: { quick: { type: "boolean", default: false }, shared: { type: "string" } },
  });
  const shared = resolve(values.shared ?? join(packageRoot, "../shared"));
  const opts = { quick: values.quick };
  const queries = benchQueries(shared);
  if (!globalThis.gc) console.log("(heap figures are rougher without --expose-gc)");
  console.log(`${queries.length} queries; times in ms\n`);
  console.log("pack      engine       build   heap MB   p50      p99");
  for (const size of opts.quick ? [kb.entries.length] : [kb.entries.length, 1000, 10000]) {
    const pack = size === kb.entries.length ? kb : syntheticPack(kb, size);
    const h0 = heapMb();
    let t = performance.now();
    const index = new SearchIndex(pack);
    const build = performance.now() - t;
    const heap = heapMb() - h0;
    const ours = measure((q) => index.search(q), queries, size > 1000 ? 3 : 10);

    // The baseline: fuse.js alone over the same entries and fields.
    const h1 = heapMb();
    t = performance.now();
    const fuse = new Fuse(pack.entries, {
      keys: ["title", "aliases", "tags", "summary", "body"],
      includeScore: true,
      ignoreLocation: true,
      threshold: 0.4,
    });
    const fuseBuild = performance.now() - t;
    const fuseHeap = heapMb() - h1;
    const fuseQueries = size > 1000 ? queries.slice(0, 12) : size > 100 ? queries.slice(0, 60) : queries;
    const plain = measure((q) => fuse.search(q, { limit: 5 }), fuseQueries, 1, size <= 1000);

    const row = (name: string, b: number, hp: number, m: { p50: number; p99: number }) =>
      console.log(
        `${String(pack.entries.length).padEnd(9)} ${name.padEnd(12)} ${b.toFixed(0).padStart(5)}  ${hp.toFixed(1).padStart(7)}  ${m.p50.toFixed(3).padStart(7)}  ${m.p99.toFixed(3).padStart(7)}`,
      );
    row("dockhand", build, heap, ours);
    row("plain fuse", fuseBuild, fuseHeap, plain);
    index.search(""); // keep both indexes alive until measured
    fuse.search("");
  }
  runPackBench(kb, queries, shared);
  return 0;
}
