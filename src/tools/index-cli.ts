import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.ts";
import { blocking, formatProblem } from "../core/knowledge/loader.ts";
import { type OpenedKnowledge, openKnowledge } from "../core/knowledge/open.ts";
import { builtInPacks, dockhandVersion, seedIndexPath } from "../paths.ts";

/** The saved index's path from the settings, or none when they cannot be read (then `ask` builds). */
function configuredIndexPath(): string | undefined {
  try {
    return loadConfig().indexPath;
  } catch (err) {
    if (err instanceof ConfigError) return undefined;
    throw err;
  }
}

/** The packs Dockhand answers from: the built-in ones and then `extra`. */
export function packDirs(extra: string[]): string[] {
  return [...builtInPacks, ...extra.map((d) => resolve(d)).filter((d) => !builtInPacks.includes(d))];
}

/** Opens the packs for `ask`: from the saved index when it matches, without writing one. */
export function openForAsk(extra: string[]): OpenedKnowledge {
  return openKnowledge(packDirs(extra), {
    indexPath: configuredIndexPath(),
    seedPaths: [seedIndexPath],
    version: dockhandVersion,
  });
}

/** `dockhand index [--knowledge DIR]... [--out FILE]`: builds and saves the index ahead of time. */
export function runIndex(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: { knowledge: { type: "string", multiple: true, default: [] }, out: { type: "string" } },
  });
  let indexPath = values.out;
  if (!indexPath) {
    try {
      indexPath = loadConfig().indexPath;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      console.error(err.message);
      return 2;
    }
  }
  const started = performance.now();
  const dirs = packDirs(values.knowledge);
  const notes: string[] = [];
  // Always a fresh build: whatever file is there is replaced.
  const opened = openKnowledge(dirs, {
    indexPath: resolve(indexPath),
    version: dockhandVersion,
    save: true,
    log: (m) => notes.push(m),
    rebuild: true,
  });
  const problems = blocking(opened.problems);
  if (problems.length > 0) {
    for (const p of problems) console.error(formatProblem(p));
    console.error(`The knowledge packs have ${problems.length} problem(s); nothing was written.`);
    return 1;
  }
  for (const n of notes.filter((n) => n.includes("cannot save"))) console.error(n);
  if (notes.some((n) => n.includes("cannot save"))) return 1;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `index: ${opened.kb.entries.length} entries from ${dirs.length} pack(s) written to ${indexPath} in ${seconds} s`,
  );
  return 0;
}
