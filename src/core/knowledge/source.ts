import type { Passage } from "./passages.ts";
import type { Entry } from "./schema.ts";

/** Where a reference pack's answer comes from: the pack's name and the link to the file's section. */
export function referenceLink(entry: Entry, passage?: Passage): string | undefined {
  const url = entry.source?.url;
  if (!url) return undefined;
  return passage ? `${url}#${passage.section.anchor}` : url;
}

/** The line under a reference pack's answer: "Source: team-docs · https://…/deploy.md#rollback". */
export function referenceSource(entry: Entry, passage?: Passage): string {
  const link = referenceLink(entry, passage);
  return `Source: ${entry.source?.name ?? entry.pack}${link ? ` · ${link}` : ` · ${entry.file}`}`;
}
