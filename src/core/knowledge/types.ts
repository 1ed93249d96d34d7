import type { Entry, Track } from "./schema.ts";

/** The validated knowledge of all packs, later packs layered over earlier ones. */
export interface KnowledgeBase {
  entries: Entry[];
  byId: Map<string, Entry>;
  tracks: Track[];
  packs: string[];
}
