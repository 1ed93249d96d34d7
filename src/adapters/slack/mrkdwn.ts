import slackify from "slackify-markdown";
import { convertAround, unmarked } from "../../core/user-text.ts";
import { escapeSlack, JOINER, LINK, secureMrkdwn } from "./escape.ts";

/** Shown where a word longer than a whole block had to be cut, and at the end of truncated text. */
export const MARKER = "…";

/** How each `<` is escaped before the conversion: the entity, then an invisible marker (see toMrkdwn). */
const LT = `&lt;${JOINER}`;

/**
 * Markdown → Slack mrkdwn. The text is escaped first, so `<!channel>`, `<@U1>` or `<https://x|y>` typed by
 * someone are only text to the Markdown parser; slackify-markdown decodes those entities and escapes the
 * result again itself, so nothing is escaped twice (`&lt;` typed by a user still shows as `&lt;`). Inside
 * code spans and blocks the parser keeps the entities as they are, which is what Slack expects there too.
 *
 * The library's own escaping has holes: it keeps `<@…` and `<#…` raw (it takes them for mentions), and
 * of `<<` it escapes only the first, so `<<https://evil|docs>` would come out as a working fake link.
 * So each `<` is escaped as `&lt;` plus a word joiner: decoded, every `<` is followed by the joiner,
 * which the library always escapes; the joiners are taken out again at the end. secureMrkdwn then
 * escapes any `>` the library left raw and repairs links it made from bare URLs.
 */
export function toMrkdwn(markdown: string): string {
  return convertAround(markdown, cachedConvert, typedLiteral);
}

/**
 * Text a person typed, shown as the characters typed: escaped, inside a code span, where Slack applies no
 * formatting. A backtick, which would end the span, is shown as a look-alike (ˋ).
 */
export function typedLiteral(typed: string): string {
  const t = escapeSlack(typed.replace(/`/g, "\u02cb"));
  return t.trim() ? `\`${t}\`` : "";
}

function cachedConvert(markdown: string): string {
  // The same entries are answered again and again: converting their Markdown was a large part of
  // an answer's cost. The conversion is pure, so a bounded cache of recent texts is safe.
  const hit = converted_.get(markdown);
  if (hit !== undefined) return hit;
  const out = convert(markdown);
  if (markdown.length <= CACHE_MAX_TEXT) {
    if (converted_.size >= CACHE_ENTRIES) converted_.delete(converted_.keys().next().value as string);
    converted_.set(markdown, out);
  }
  return out;
}

const CACHE_ENTRIES = 500;
const CACHE_MAX_TEXT = 16_000;
const converted_ = new Map<string, string>();

function convert(markdown: string): string {
  let converted: string;
  try {
    converted = slackify(escapeSlack(markdown).replaceAll("&lt;", LT));
  } catch {
    // The converter throws on a URL with a malformed %-escape or a lone surrogate; a reply must never be
    // lost to it: show the text as it is.
    return escapeSlack(markdown).trimEnd();
  }
  return secureMrkdwn(converted).replaceAll(LT, "&lt;").trimEnd();
}

/** Bold mrkdwn for a short plain label (a field name, a side, an aspect): escaped, on one line. */
export function boldLabel(text: string): string {
  const line = escapeSlack(unmarked(text).replace(/\s+/g, " ").trim());
  return line ? `*${line}*` : "";
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const ENTITIES = ["&amp;", "&lt;", "&gt;"];

/**
 * The largest index ≤ budget (and > 0) at which `s` can be cut: between two grapheme clusters (so an
 * emoji or an accented letter is never torn apart) and never inside an entity such as `&amp;`.
 */
export function safeCut(s: string, budget: number): number {
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
  // keep a neutralised `<` together with its word joiner (see neutralisePlain)
  if (s[cut] === JOINER && s[cut - 1] === "<" && cut > 1) cut--;
  const amp = s.lastIndexOf("&", cut - 1);
  const entity = amp >= 0 ? ENTITIES.find((e) => s.startsWith(e, amp)) : undefined;
  if (entity && cut < amp + entity.length) cut = amp > 0 ? amp : entity.length;
  return cut;
}

/** Cuts text to at most `max` characters, at a space when there is one in the last half, ending with "…". */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = safeCut(text, max - MARKER.length);
  const space = Math.max(text.lastIndexOf(" ", cut), text.lastIndexOf("\n", cut));
  if (space > max / 2) cut = space;
  return `${text.slice(0, cut).trimEnd()}${MARKER}`;
}

/** Plain text on one line, cut to `max` characters with "…" (headers and button labels). */
export function oneLine(text: string, max: number): string {
  return truncate(text.replace(/\s+/g, " ").trim(), max);
}

interface Piece {
  text: string;
  /** What joins it to the piece before when both go into one block. */
  sep: string;
  /** A part of a word cut in two: the block must end here (the "…" marks the cut). */
  cut?: boolean;
}

/** The words of a line, split at spaces, with each link kept whole even when its text has spaces. */
function words(line: string): string[] {
  const out: string[] = [];
  let word = "";
  let i = 0;
  while (i < line.length) {
    if (line[i] === "<") {
      LINK.lastIndex = i;
      const link = LINK.exec(line);
      if (link) {
        word += link[0];
        i += link[0].length;
        continue;
      }
    }
    if (line[i] === " ") {
      out.push(word);
      word = "";
    } else word += line[i];
    i++;
  }
  out.push(word);
  return out;
}

/** Replaces each link by its text: a link cannot be cut, but its text can. */
function unlink(word: string): string {
  let out = "";
  let i = 0;
  while (i < word.length) {
    LINK.lastIndex = i;
    const link = word[i] === "<" ? LINK.exec(word) : null;
    if (link) {
      const bar = link[0].indexOf("|");
      out += bar >= 0 ? link[0].slice(bar + 1, -1) : link[0].slice(1, -1);
      i += link[0].length;
    } else out += word[i++];
  }
  return out;
}

/** A word longer than a block: cut into parts of at most `max`, each but the last ending with "…". */
function hardPieces(word: string, max: number, sep: string): Piece[] {
  const out: Piece[] = [];
  let rest = unlink(word);
  let first = true;
  while (rest.length > max) {
    const cut = safeCut(rest, max - MARKER.length);
    out.push({ text: `${rest.slice(0, cut)}${MARKER}`, sep: first ? sep : "", cut: true });
    rest = rest.slice(cut);
    first = false;
  }
  out.push({ text: rest, sep: first ? sep : "" });
  return out;
}

/** Breaks text into pieces of at most `max`: whole lines when they fit, else words, else parts of words. */
function linePieces(text: string, max: number, sep: string): Piece[] {
  if (text.length <= max) return [{ text, sep }];
  return text.split("\n").flatMap((line, i): Piece[] => {
    const lineSep = i === 0 ? sep : "\n";
    if (line.length <= max) return [{ text: line, sep: lineSep }];
    return words(line).flatMap((word, j) => {
      const wordSep = j === 0 ? lineSep : " ";
      return word.length <= max ? [{ text: word, sep: wordSep }] : hardPieces(word, max, wordSep);
    });
  });
}

/** Joins pieces greedily into blocks of at most `max` characters. */
function pack(pieces: Piece[], max: number): string[] {
  const out: string[] = [];
  let current: string | undefined;
  let closed = false;
  for (const p of pieces) {
    if (current !== undefined && !closed && current.length + p.sep.length + p.text.length <= max) {
      current += p.sep + p.text;
    } else {
      if (current !== undefined) out.push(current);
      current = p.text;
    }
    closed = p.cut === true;
  }
  if (current !== undefined) out.push(current);
  return out;
}

interface Unit {
  lines: string[];
  sep: string;
  code: boolean;
}

const FENCE = "```";

/** Paragraphs and fenced code blocks, with the separator that preceded each. */
function units(text: string): Unit[] {
  const out: Unit[] = [];
  let current: Unit | undefined;
  let gap = "";
  const start = (code: boolean): Unit => {
    current = { lines: [], sep: out.length === 0 ? "" : gap, code };
    gap = "\n";
    return current;
  };
  const end = () => {
    if (current) out.push(current);
    current = undefined;
  };
  for (const line of text.split("\n")) {
    const fence = line.trimStart().startsWith(FENCE);
    if (current?.code) {
      current.lines.push(line);
      if (fence && current.lines.length > 1) end();
    } else if (fence) {
      end();
      start(true).lines.push(line);
    } else if (line.trim() === "") {
      end();
      gap = "\n\n";
    } else (current ?? start(false)).lines.push(line);
  }
  end();
  return out;
}

/** A code block's content without its fences. */
function codeContent(lines: string[]): string {
  const inner = lines.slice(1);
  if (inner.length > 0 && (inner[inner.length - 1] ?? "").trimStart().startsWith(FENCE)) inner.pop();
  return inner.join("\n");
}

/**
 * Splits mrkdwn into blocks of at most `max` characters: between paragraphs if possible, else between
 * lines, else between words; a word longer than a block is cut with "…". A code block that must be split
 * is closed and reopened around each cut, and links and entities are never cut.
 */
export function splitMrkdwn(text: string, max: number): string[] {
  const pieces: Piece[] = [];
  for (const unit of units(text)) {
    if (!unit.code) {
      pieces.push(...linePieces(unit.lines.join("\n"), max, unit.sep));
      continue;
    }
    const content = codeContent(unit.lines);
    const whole = `${FENCE}\n${content}\n${FENCE}`;
    if (whole.length <= max) {
      pieces.push({ text: whole, sep: unit.sep });
      continue;
    }
    const wrap = FENCE.length * 2 + 2;
    pack(linePieces(content, max - wrap, ""), max - wrap).forEach((part, i) => {
      pieces.push({ text: `${FENCE}\n${part}\n${FENCE}`, sep: i === 0 ? unit.sep : "\n" });
    });
  }
  return pack(pieces, max)
    .map((block) => block.trim())
    .filter((block) => block.length > 0);
}
