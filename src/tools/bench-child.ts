/**
 * One measurement of `npm run bench`, in its own process so that its peak memory is its own:
 * `node dist/src/tools/bench-child.js QUERIES.json MODE [DIR] [INDEX]` (compiled by `npm run build`;
 * `node --import tsx src/tools/bench-child.ts ...` runs the sources) prints one JSON line.
 *   minisearch DIR   plain MiniSearch over the pack's files: YAML parse plus index
 *   build [DIR]      Dockhand: load and build the index (built-in packs, then DIR)
 *   saved DIR INDEX  Dockhand from the saved index INDEX: process start to first answer
 * Each also times the dev set's queries (p50/p99, after one warm-up pass).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { openKnowledge } from "../core/knowledge/open.ts";
import { builtInPacks, dockhandVersion } from "../paths.ts";

const [queryFile, mode, dir, indexPath] = process.argv.slice(2);
const queries = JSON.parse(readFileSync(queryFile as string, "utf8")) as string[];

function latency(run: (q: string) => unknown): { p50: number; p99: number; p99best: number } {
  for (const q of queries) run(q);
  const times: number[] = [];
  // Each query's fastest round: its own cost, without the pauses other processes cause on a busy machine.
  const best = queries.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < 3; r++) {
    queries.forEach((q, i) => {
      const t = performance.now();
      run(q);
      const took = performance.now() - t;
      times.push(took);
      best[i] = Math.min(best[i] as number, took);
    });
  }
  const at = (xs: number[], p: number) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  };
  return { p50: at(times, 50), p99: at(times, 99), p99best: at(best, 99) };
}

const rssMb = () => process.resourceUsage().maxRSS / 1024;
/** CPU time (all threads) since `from`: on a machine shared with other work, steadier than the clock. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};
const out: Record<string, unknown> = { mode };
if (mode === "minisearch" && dir) {
  // Loaded here only: the Dockhand rows' start-up should not pay for them.
  const { default: MiniSearch } = await import("minisearch");
  const { parse: parseYaml } = await import("yaml");
  const t = performance.now();
  const cpu = process.cpuUsage();
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .map((f) => {
      const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(readFileSync(join(dir, f), "utf8"));
      const fm = parseYaml(m?.[1] ?? "") as Record<string, unknown>;
      const list = (v: unknown) => (Array.isArray(v) ? v.join(" ; ") : "");
      return {
        id: String(fm.id),
        title: String(fm.title),
        aliases: list(fm.aliases),
        tags: list(fm.tags),
        summary: String(fm.summary),
        body: m?.[2] ?? "",
      };
    });
  const mini = new MiniSearch({ fields: ["title", "aliases", "tags", "summary", "body"], storeFields: [] });
  mini.addAll(docs);
  out.buildMs = performance.now() - t;
  out.buildCpuMs = cpuMs(cpu);
  out.rssAfterBuildMb = rssMb();
  Object.assign(
    out,
    latency((q) => mini.search(q).slice(0, 10)),
  );
  out.entries = docs.length;
} else if (mode === "build" || mode === "saved") {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const opened = openKnowledge([...builtInPacks, ...(dir ? [dir] : [])], {
    version: dockhandVersion,
    ...(mode === "saved" ? { indexPath } : {}),
  });
  const search = opened.search;
  if (!search) throw new Error(`the pack has problems: ${opened.problems.length}`);
  search.search("volumes vs bind mounts");
  out.firstAnswerMs = process.uptime() * 1000;
  out.firstAnswerCpuMs = cpuMs({ user: 0, system: 0 });
  out.buildMs = performance.now() - t;
  out.buildCpuMs = cpuMs(cpu);
  out.source = opened.source;
  out.rssAfterBuildMb = rssMb();
  Object.assign(
    out,
    latency((q) => search.search(q)),
  );
  out.entries = opened.kb.entries.length;
}
out.peakRssMb = rssMb();
console.log(JSON.stringify(out));
