import { type FSWatcher, watch } from "node:fs";
import { blocking, formatProblem, type KnowledgeBase } from "../core/knowledge/loader.ts";
import type { OpenedKnowledge } from "../core/knowledge/open.ts";
import type { SearchIndex } from "../core/knowledge/search.ts";
import type { Logger } from "../core/logger.ts";

/** What /healthz says of the packs being served. */
export interface LoadedPacks {
  /** The hash of the packs' files (the saved index's key), shortened. */
  hash: string;
  entries: number;
  reloads: number;
  failures: number;
}

/**
 * Reloads the knowledge packs in a running process (SIGHUP, or file changes with --watch): the
 * new index is built beside the one serving and swapped in only when the packs load without a
 * problem; otherwise the old one keeps serving and each problem is logged with its file.
 */
export class KnowledgeReloader {
  private state: LoadedPacks;

  constructor(
    private readonly opts: {
      open: () => OpenedKnowledge;
      /** The knowledge base the services hold: updated in place on a swap. */
      kb: KnowledgeBase;
      /** The holder of the index commands search (the command context). */
      target: { search: SearchIndex };
      key: string;
      log: Logger;
      count?: (outcome: "ok" | "failed") => void;
    },
  ) {
    this.state = { hash: opts.key.slice(0, 16), entries: opts.kb.entries.length, reloads: 0, failures: 0 };
  }

  get loaded(): LoadedPacks {
    return { ...this.state };
  }

  /** Builds the packs again and swaps them in; false (old index kept) when they have problems. */
  reload(why: string): boolean {
    const log = this.opts.log;
    log.info({ why }, "reloading the knowledge packs");
    let opened: OpenedKnowledge;
    try {
      opened = this.opts.open();
    } catch (err) {
      return this.failed([`cannot load the packs: ${(err as Error).message}`]);
    }
    const problems = blocking(opened.problems);
    if (problems.length > 0 || !opened.search) return this.failed(problems.map(formatProblem));
    Object.assign(this.opts.kb, opened.kb);
    this.opts.target.search = opened.search;
    this.state = {
      ...this.state,
      hash: opened.key.slice(0, 16),
      entries: opened.kb.entries.length,
      reloads: this.state.reloads + 1,
    };
    this.opts.count?.("ok");
    log.info({ entries: opened.kb.entries.length, hash: this.state.hash }, "knowledge packs reloaded");
    return true;
  }

  private failed(problems: string[]): false {
    for (const p of problems) this.opts.log.error({ problem: p }, "knowledge reload: a pack has a problem");
    this.state = { ...this.state, failures: this.state.failures + 1 };
    this.opts.count?.("failed");
    this.opts.log.warn({ problems: problems.length }, "knowledge reload failed; the previous packs keep serving");
    return false;
  }

  /** Reloads on SIGHUP; returns the function that stops listening. */
  onSignal(): () => void {
    const on = () => void this.reload("SIGHUP");
    process.on("SIGHUP", on);
    return () => process.off("SIGHUP", on);
  }

  /** Reloads when a file under `dirs` changes, after a quiet `delayMs` (for development). */
  watch(dirs: string[], delayMs = 300): () => void {
    let timer: NodeJS.Timeout | undefined;
    const watchers: FSWatcher[] = dirs.map((dir) =>
      watch(dir, { recursive: true }, () => {
        clearTimeout(timer);
        timer = setTimeout(() => this.reload("a pack file changed"), delayMs);
      }),
    );
    return () => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    };
  }
}
