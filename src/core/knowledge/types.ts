import type { Entry, Track } from "./schema.ts";

/** One thing wrong in a pack, named by file and field so that a person can fix it. */
export interface Problem {
  file: string;
  field?: string;
  message: string;
  /**
   * A flaw `dockhand lint` fails on but that does not stop the pack from answering (two sections
   * asking the same question): start-up and `ask` load the pack anyway and only count these.
   */
  lintOnly?: boolean;
}

/** The validated knowledge of all packs, later packs layered over earlier ones. */
export interface KnowledgeBase {
  entries: Entry[];
  byId: Map<string, Entry>;
  tracks: Track[];
  packs: string[];
}
