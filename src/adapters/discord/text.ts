import { escapeMarkdown } from "discord.js";
import { convertAround, unmarked } from "../../core/user-text.ts";
import { tableAt } from "../shared/tables.ts";

/**
 * Text for Discord: making echoed text harmless (mentions, lone surrogates), cutting on word and
 * grapheme boundaries, the few Markdown rewrites Discord needs, and splitting long Markdown into
 * chunks that never break a code fence. render.ts lays the chunks out in embeds.
 */

export const MARKER = "…";
export const EMPTY = "—";
export const ZWSP = "\u200b";
export const FENCE = "```";
export const CLOSE = `\n${FENCE}`;

/** Lone surrogates would make the JSON invalid for Discord: each becomes U+FFFD. */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/**
 * Makes echoed text harmless to look at, on top of `allowedMentions: { parse: [] }` (which already stops every
 * ping): a zero-width space after the `@` of @everyone/@here, and after the `<` of user, role, channel and
 * command mentions (`<@1>`, `<@!1>`, `<@&1>`, `<#1>`, `</cmd:1>`), so none of them renders as a mention either.
 */
export function neutraliseMentions(text: string): string {
  return text
    .replace(/@(?=everyone|here)/gi, `@${ZWSP}`)
    .replace(/<(?=(?:@[!&]?|#)\d+>|\/[^<>\s:]+:\d+>)/g, `<${ZWSP}`);
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The largest index ≤ budget (and > 0) between two grapheme clusters: an emoji or accent is never torn apart. */
export function safeCut(s: string, budget: number): number {
  if (s.length <= budget) return s.length;
  let cut = 0;
  for (const { index } of segmenter.segment(s.slice(0, budget + 32))) {
    if (index > budget) break;
    cut = index;
  }
  if (cut > 0) return cut;
  // one cluster longer than the budget (hundreds of combining marks): cut between code points
  const code = s.charCodeAt(budget - 1);
  return code >= 0xd800 && code <= 0xdbff ? budget - 1 : budget;
}

/** Cuts text to at most `max` characters, at a space when there is one in the last half, ending with "…". */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = safeCut(text, max - MARKER.length);
  const space = Math.max(text.lastIndexOf(" ", cut), text.lastIndexOf("\n", cut));
  if (space > max / 2) cut = space;
  return `${text.slice(0, cut).trimEnd()}${MARKER}`;
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** A plain label where Discord renders Markdown (embed title, field name): escaped, on one line, cut to `max`. */
export function label(text: string, max: number): string {
  return truncate(neutraliseMentions(escapeMarkdown(oneLine(wellFormed(unmarked(text))))), max);
}

/** Footers show no Markdown: code spans, bold and links become their text (links keep their address). */
export function plainText(markdown: string): string {
  return unmarked(markdown)
    .replace(/\[([^\]\n]+)\]\((\S+?)\)/g, "$1 ($2)")
    .replace(/\*\*([^*\n]+)\*\*/g, "$1")
    .replace(/`([^`\n]+)`/g, "$1");
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown: Discord renders most of it natively. Two transformations, outside code blocks only:
// - headings: `#`–`###` render in an embed description when a blank line precedes them, so one is added there;
//   `####`–`######` never render, nor does any heading in a field value: those become a **bold** line;
// - GFM tables never render: a table becomes its header in bold and one list item per row,
//   `- first cell: other cells joined by " · "`.
// Code fences are closed wherever text is split (see take), and a fence left open is closed at its part's end.

// Both are matched against trimmed lines and written without nested or adjacent open-ended repeats, so a long
// line of spaces or dashes cannot make them backtrack for long.
const HEADING = /^(#{1,6})[ \t]+(\S.*)$/;

/** An ATX heading: its level and its text without a closing run of #. */
function heading(line: string): { level: number; text: string } | undefined {
  if (/^ {4}/.test(line)) return undefined;
  const m = HEADING.exec(line.trim());
  if (!m) return undefined;
  const text = m[2] as string;
  const closing = /[ \t]#+$/.exec(text);
  return { level: (m[1] as string).length, text: (closing ? text.slice(0, closing.index) : text).trimEnd() || text };
}

function opensFence(line: string): boolean {
  const t = line.trimStart();
  // "```x```" on one line is a complete block, not an opening fence
  return t.startsWith(FENCE) && !t.slice(FENCE.length).includes(FENCE);
}

function tableRow(row: string[], bold: boolean): string {
  const shown = row.map((c) => (c === "" ? EMPTY : bold ? `**${c}**` : c));
  const [first = EMPTY, ...rest] = shown;
  return rest.length > 0 ? `${first}: ${rest.join(" · ")}` : first;
}

/**
 * Text a person typed, shown as the characters typed: an inline code span, in which Discord renders no
 * Markdown, link or mention. A backtick, which would end the span, is shown as a look-alike (ˋ).
 */
export function typedLiteral(typed: string): string {
  const t = wellFormed(typed).replace(/`/g, "\u02cb");
  return t.trim() ? `\`${t}\`` : "";
}

/**
 * Markdown as Discord shows it in an embed description, or (`field`) in a field value; text a person typed
 * is shown literally (see typedLiteral).
 */
export function discordMarkdown(markdown: string, where: "description" | "field"): string {
  return convertAround(markdown, (md) => packMarkdown(md, where), typedLiteral);
}

function packMarkdown(markdown: string, where: "description" | "field"): string {
  const lines = wellFormed(markdown).replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let inCode = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (inCode) {
      if (line.trimStart().startsWith(FENCE)) inCode = false;
      out.push(line);
      continue;
    }
    if (opensFence(line)) {
      inCode = true;
      out.push(line);
      continue;
    }
    const h = heading(line);
    if (h) {
      if (where === "description" && h.level <= 3) {
        if (out.length > 0 && out[out.length - 1]?.trim() !== "") out.push("");
        out.push(`${"#".repeat(h.level)} ${h.text}`);
      } else out.push(`**${h.text}**`);
      continue;
    }
    const table = tableAt(lines, i);
    if (table) {
      const [header = [], ...rows] = table.rows;
      out.push(tableRow(header, true), ...rows.map((r) => `- ${tableRow(r, false)}`));
      i = table.last;
      continue;
    }
    out.push(line);
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------------------------
// Splitting: Markdown is broken into pieces (whole paragraphs when they fit, else lines, else words, else parts of
// a word ending in "…"), and pieces are packed greedily into chunks of a given size. A code block too long for a
// chunk becomes one piece per line; a chunk that ends inside it closes the fence, and the next reopens it.

interface Fence {
  open: string;
}

export interface Piece {
  text: string;
  /** What joins it to the piece before when both are in one chunk. */
  sep: string;
  /** Part of a word cut in two: the chunk ends here (the "…" marks the cut). */
  cut?: boolean;
  /** A line inside this code block. */
  fence?: Fence;
}

interface Unit {
  lines: string[];
  sep: string;
  fence?: Fence;
}

function fenceOf(line: string): Fence {
  const lang = line.trimStart().slice(FENCE.length).trim();
  return { open: /^[\w+#.-]{1,20}$/.test(lang) ? `${FENCE}${lang}` : FENCE };
}

/** Paragraphs and code blocks, each with the separator before it. */
function units(markdown: string): Unit[] {
  const out: Unit[] = [];
  let current: Unit | undefined;
  let gap = "";
  const start = (fence?: Fence): Unit => {
    current = { lines: [], sep: out.length === 0 ? "" : gap, ...(fence ? { fence } : {}) };
    gap = "\n";
    return current;
  };
  const end = () => {
    if (current && (!current.fence || current.lines.some((l) => l.trim() !== ""))) out.push(current);
    current = undefined;
  };
  for (const line of markdown.split("\n")) {
    if (current?.fence) {
      if (line.trimStart().startsWith(FENCE)) end();
      else current.lines.push(line);
    } else if (opensFence(line)) {
      end();
      start(fenceOf(line));
    } else if (line.trim() === "") {
      end();
      gap = "\n\n";
    } else (current ?? start()).lines.push(line);
  }
  end();
  return out;
}

function hardPieces(word: string, max: number, sep: string): Piece[] {
  const out: Piece[] = [];
  let rest = word;
  while (rest.length > max) {
    const cut = safeCut(rest, max - MARKER.length);
    out.push({ text: `${rest.slice(0, cut)}${MARKER}`, sep: out.length === 0 ? sep : "", cut: true });
    rest = rest.slice(cut);
  }
  out.push({ text: rest, sep: out.length === 0 ? sep : "" });
  return out;
}

function textPieces(text: string, max: number, sep: string): Piece[] {
  if (text.length <= max) return [{ text, sep }];
  return text.split("\n").flatMap((line, i): Piece[] => {
    const lineSep = i === 0 ? sep : "\n";
    if (line.length <= max) return [{ text: line, sep: lineSep }];
    return line.split(" ").flatMap((word, j) => {
      const wordSep = j === 0 ? lineSep : " ";
      return word.length <= max ? [{ text: word, sep: wordSep }] : hardPieces(word, max, wordSep);
    });
  });
}

/** The pieces of several Markdown parts, each parsed on its own (an open fence in one cannot swallow the next). */
export function pieces(parts: string[], max: number, between: string): Piece[] {
  const out: Piece[] = [];
  for (const part of parts) {
    for (const unit of units(part)) {
      const sep = out.length > 0 && unit.sep === "" ? between : unit.sep;
      const fence = unit.fence;
      if (!fence) {
        out.push(...textPieces(unit.lines.join("\n"), max, sep));
        continue;
      }
      const whole = `${fence.open}\n${unit.lines.join("\n")}${CLOSE}`;
      if (whole.length <= max) {
        out.push({ text: whole, sep });
        continue;
      }
      const inner = max - fence.open.length - 1 - CLOSE.length;
      unit.lines.forEach((line, i) => {
        const lineSep = i === 0 ? sep : "\n";
        const parts = line.length <= inner ? [{ text: line, sep: lineSep }] : hardPieces(line, inner, lineSep);
        for (const p of parts) out.push({ ...p, fence });
      });
    }
  }
  return out;
}

/**
 * Takes the longest run of pieces from the front of `queue` that fits `cap` characters, fences closed; undefined
 * when not even the first piece fits.
 */
export function take(queue: Piece[], cap: number): string | undefined {
  let out = "";
  let open: Fence | undefined;
  let n = 0;
  while (n < queue.length) {
    const p = queue[n] as Piece;
    const closing = open && p.fence !== open ? CLOSE : "";
    const opening = p.fence && p.fence !== open ? `${p.fence.open}\n` : "";
    const addition = closing + (n === 0 ? "" : p.sep) + opening + p.text;
    if (out.length + addition.length + (p.fence ? CLOSE.length : 0) > cap) break;
    out += addition;
    open = p.fence;
    n++;
    if (p.cut) break;
  }
  if (n === 0) return undefined;
  queue.splice(0, n);
  return open ? out + CLOSE : out;
}

/** Markdown parts as chunks of at most `max` characters (field values). */
export function chunks(parts: string[], max: number, between: string): string[] {
  const queue = pieces(parts, max, between);
  const out: string[] = [];
  while (queue.length > 0) {
    const chunk = take(queue, max);
    if (chunk === undefined) throw new RangeError("a piece longer than its chunk");
    if (chunk.trim()) out.push(chunk.trim());
  }
  return out;
}
