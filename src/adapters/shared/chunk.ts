/**
 * Cutting and breaking text for chat platforms, written once: grapheme-safe cuts, truncation with
 * "…", and the breaking of Markdown into pieces (whole paragraphs when they fit, else lines, else
 * words, else parts of a word) that a platform packs into its messages. Each platform adds its
 * hooks: where a cut must not fall (Slack: inside an entity), what a word is (Slack: a link with
 * spaces is one), and how a word that must be cut reads (Slack: a link becomes its text).
 */

/** Shown where a word longer than a whole block had to be cut, and at the end of truncated text. */
export const MARKER = "…";

export interface Hooks {
  /** Moves a grapheme-safe cut earlier where the platform's syntax must stay whole. */
  keep?: (s: string, cut: number) => number;
  /** The words of a line (default: split at spaces). */
  words?: (line: string) => string[];
  /** A word as it reads once it has to be cut (default: itself). */
  plain?: (word: string) => string;
}

export interface Piece {
  text: string;
  /** What joins it to the piece before when both are in one block. */
  sep: string;
  /** Part of a word cut in two: the block ends here (the "…" marks the cut). */
  cut?: boolean;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The largest index ≤ budget (and > 0) between two grapheme clusters: an emoji or accent is never torn apart. */
export function safeCut(s: string, budget: number, hooks: Hooks = {}): number {
  if (s.length <= budget) return s.length;
  let cut = 0;
  for (const { index } of segmenter.segment(s.slice(0, budget + 32))) {
    if (index > budget) break;
    cut = index;
  }
  if (cut === 0) {
    // One cluster longer than the budget (hundreds of combining marks): cut between code points.
    cut = budget;
    const code = s.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut--;
  }
  return hooks.keep ? hooks.keep(s, cut) : cut;
}

/** Cuts text to at most `max` characters, at a space when there is one in the last half, ending with "…". */
export function truncate(text: string, max: number, hooks: Hooks = {}): string {
  if (text.length <= max) return text;
  let cut = safeCut(text, max - MARKER.length, hooks);
  const space = Math.max(text.lastIndexOf(" ", cut), text.lastIndexOf("\n", cut));
  if (space > max / 2) cut = space;
  return `${text.slice(0, cut).trimEnd()}${MARKER}`;
}

/** A word longer than a block: cut into parts of at most `max`, each but the last ending with "…". */
export function hardPieces(word: string, max: number, sep: string, hooks: Hooks = {}): Piece[] {
  const out: Piece[] = [];
  let rest = hooks.plain ? hooks.plain(word) : word;
  while (rest.length > max) {
    const cut = safeCut(rest, max - MARKER.length, hooks);
    out.push({ text: `${rest.slice(0, cut)}${MARKER}`, sep: out.length === 0 ? sep : "", cut: true });
    rest = rest.slice(cut);
  }
  out.push({ text: rest, sep: out.length === 0 ? sep : "" });
  return out;
}

/** Breaks text into pieces of at most `max`: whole when it fits, else lines, else words, else parts of words. */
export function textPieces(text: string, max: number, sep: string, hooks: Hooks = {}): Piece[] {
  if (text.length <= max) return [{ text, sep }];
  return text.split("\n").flatMap((line, i): Piece[] => {
    const lineSep = i === 0 ? sep : "\n";
    if (line.length <= max) return [{ text: line, sep: lineSep }];
    const words = hooks.words ? hooks.words(line) : line.split(" ");
    return words.flatMap((word, j) => {
      const wordSep = j === 0 ? lineSep : " ";
      return word.length <= max ? [{ text: word, sep: wordSep }] : hardPieces(word, max, wordSep, hooks);
    });
  });
}
