import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildIndexData } from "./index-data.ts";
import { readIndexFile, StaleIndex, writeIndexFile } from "./index-file.ts";
import { blocking, type KnowledgeBase, loadKnowledge, type Problem } from "./loader.ts";
import { SearchIndex } from "./search.ts";

/** The knowledge packs ready to answer, or the problems that stop them. */
export interface OpenedKnowledge {
  kb: KnowledgeBase;
  /** Absent when a problem blocks the packs from loading. */
  search?: SearchIndex;
  problems: Problem[];
  /** Whether the index came from the saved file or was built now. */
  source: "saved" | "built";
  /** The hash of the packs' files and Dockhand's version that keys the saved index. */
  key: string;
}

export interface OpenOptions {
  /** Where the saved index lives; without it the index is built and not saved. */
  indexPath?: string;
  /** Read-only indexes to use when `indexPath` has none for these packs (the one built into the image). */
  seedPaths?: string[];
  /** Write the index to `indexPath` after building it (`ask` only reads). */
  save?: boolean;
  /** Build even when a saved index matches (`dockhand index`). */
  rebuild?: boolean;
  /** Dockhand's version: an index from another version is rebuilt. */
  version: string;
  /** One line for each time the saved index is not used or cannot be written. */
  log?: (message: string) => void;
  cwd?: string;
}

/** Files a fingerprint looks at per pack, at most (a pack may hold 50,000). */
const FINGERPRINT_FILES = 60_000;

/**
 * A hash of every file of the packs (path, size and modification time) and of the version:
 * any change to a pack, or another Dockhand, gives another key. Stat only, no reads, so that
 * checking a large pack costs milliseconds.
 */
export function packFingerprint(dirs: readonly string[], version: string, cwd = process.cwd()): string {
  const hash = createHash("sha1").update(`dockhand ${version}\n${cwd}\n`);
  dirs.forEach((dir, i) => {
    const seen: string[] = [];
    const walk = (at: string, rel: string) => {
      let names: string[];
      try {
        names = readdirSync(at).sort();
      } catch {
        seen.push(`${rel}\0unreadable`);
        return;
      }
      for (const name of names) {
        if (seen.length > FINGERPRINT_FILES || name.startsWith(".") || name === "node_modules") continue;
        const path = join(at, name);
        const st = statSync(path, { throwIfNoEntry: false });
        if (!st) continue;
        if (st.isDirectory()) walk(path, `${rel}${name}/`);
        else if (st.isFile()) seen.push(`${rel}${name}\0${st.size}\0${st.mtimeMs}`);
      }
    };
    walk(dir, "");
    hash.update(`${i}\0${dir}\n${seen.join("\n")}\n`);
  });
  return hash.digest("hex");
}

/**
 * Opens the packs: from the saved index when its key matches, otherwise by loading every file
 * and building the index (then saving it for the next start). A saved index that is missing,
 * stale, damaged or from another version is rebuilt with one log line; several processes may do
 * this at once, each writing a whole file and renaming it into place.
 */
export function openKnowledge(dirs: string[], opts: OpenOptions): OpenedKnowledge {
  const key = packFingerprint(dirs, opts.version, opts.cwd);
  const stamp = { key, version: opts.version };
  const why: string[] = [];
  for (const path of [opts.indexPath, ...(opts.seedPaths ?? [])]) {
    if (!path || opts.rebuild) continue;
    try {
      const { kb, data } = readIndexFile(path, stamp);
      return { kb, search: new SearchIndex(kb, data), problems: [], source: "saved", key };
    } catch (err) {
      if (!(err instanceof StaleIndex)) throw err;
      if (path === opts.indexPath) why.push(err.message);
    }
  }
  if (opts.indexPath && !opts.rebuild)
    opts.log?.(`knowledge index at ${opts.indexPath}: ${why.join("; ")}; building it`);
  const { kb, problems } = loadKnowledge(dirs, opts.cwd);
  if (blocking(problems).length > 0) return { kb, problems, source: "built", key };
  const data = buildIndexData(kb);
  const search = new SearchIndex(kb, data);
  if (opts.indexPath && opts.save) {
    try {
      mkdirSync(dirname(opts.indexPath), { recursive: true });
      writeIndexFile(opts.indexPath, kb, data, stamp);
    } catch (err) {
      opts.log?.(
        `knowledge index: cannot save ${opts.indexPath} (${(err as Error).message}); it is rebuilt at each start`,
      );
    }
  }
  return { kb, search, problems, source: "built", key };
}
