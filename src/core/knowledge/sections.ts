/** The most characters a section's text may have: a passage is shown whole, as the answer. */
export const SECTION_MAX = 1200;

/** One `## heading` of an entry's body and the Markdown under it. */
export interface Section {
  heading: string;
  /** The Markdown under the heading, trimmed. */
  text: string;
  /** The heading as a URL fragment (GitHub's rule: lower case, spaces to hyphens, punctuation dropped). */
  anchor: string;
}

/** The body split into sections, and what keeps it from being one (for lint). */
export interface ParsedBody {
  sections: Section[];
  /** Text before the first heading, which no passage would show. */
  preamble: string;
  /** Headings deeper or shallower than `##`, which would split a passage the reader cannot see. */
  otherHeadings: string[];
}

const FENCE = /^\s{0,3}(```|~~~)/;
const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

/**
 * Splits a body at its `## ` headings, outside fenced code blocks (a `# comment` in a shell
 * example is not a heading).
 */
export function parseSections(body: string): ParsedBody {
  const sections: Section[] = [];
  const preamble: string[] = [];
  const otherHeadings: string[] = [];
  let current: { heading: string; lines: string[] } | undefined;
  let fence: string | undefined;
  const close = () => {
    if (!current) return;
    sections.push({
      heading: current.heading,
      text: current.lines.join("\n").trim(),
      anchor: anchorOf(current.heading),
    });
  };
  for (const line of body.split(/\r?\n/)) {
    const f = FENCE.exec(line)?.[1];
    if (f && (fence === undefined || f === fence)) fence = fence === undefined ? f : undefined;
    const h = fence === undefined && !f ? HEADING.exec(line) : null;
    if (h && h[1] === "##") {
      close();
      current = { heading: (h[2] as string).trim(), lines: [] };
      continue;
    }
    if (h) otherHeadings.push(line.trim());
    if (current) current.lines.push(line);
    else preamble.push(line);
  }
  close();
  const parsed = { sections, preamble: preamble.join("\n").trim(), otherHeadings };
  splitFrom.set(sections, { body, preamble: parsed.preamble });
  return parsed;
}

/** The body, and its preamble, that each list of sections `parseSections` made was split from. */
const splitFrom = new WeakMap<Section[], { body: string; preamble: string }>();

/**
 * The body `sections` were split from by `parseSections`, and the text before its first heading:
 * that body is, token for token, its preamble then each section's heading and text.
 */
export function sectionsSplitFrom(sections: Section[]): { body: string; preamble: string } | undefined {
  return splitFrom.get(sections);
}

/** A heading as GitHub makes its anchor: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

/** Two headings that differ only in case, punctuation or spacing are the same question. */
export function headingKey(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}
