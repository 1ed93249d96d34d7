import slackify from "slackify-markdown";
import { convertAround, unmarked } from "../../core/user-text.ts";
import { safeCut as cutAt, truncate as cutTo, type Hooks, type Piece, textPieces } from "../shared/chunk.ts";
import { escapeSlack, JOINER, LINK, secureMrkdwn } from "./escape.ts";

export { MARKER } from "../shared/chunk.ts";

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

const ENTITIES = ["&amp;", "&lt;", "&gt;"];

/** Never inside an entity such as `&amp;`, nor between a neutralised `<` and its word joiner. */
function keep(s: string, at: number): number {
  let cut = at;
  if (s[cut] === JOINER && s[cut - 1] === "<" && cut > 1) cut--;
  const amp = s.lastIndexOf("&", cut - 1);
  const entity = amp >= 0 ? ENTITIES.find((e) => s.startsWith(e, amp)) : undefined;
  if (entity && cut < amp + entity.length) cut = amp > 0 ? amp : entity.length;
  return cut;
}

/** Slack's hooks: cuts keep entities whole; a link is one word, and reads as its text once cut. */
const SLACK: Hooks = { keep, words, plain: unlink };

/** The largest index ≤ budget (and > 0) at which mrkdwn can be cut (see keep). */
export function safeCut(s: string, budget: number): number {
  return cutAt(s, budget, SLACK);
}

/** Cuts text to at most `max` characters, at a space when there is one in the last half, ending with "…". */
export function truncate(text: string, max: number): string {
  return cutTo(text, max, SLACK);
}

/** Plain text on one line, cut to `max` characters with "…" (headers and button labels). */
export function oneLine(text: string, max: number): string {
  return truncate(text.replace(/\s+/g, " ").trim(), max);
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

function textPiecesSlack(text: string, max: number, sep: string): Piece[] {
  return textPieces(text, max, sep, SLACK);
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
      pieces.push(...textPiecesSlack(unit.lines.join("\n"), max, unit.sep));
      continue;
    }
    const content = codeContent(unit.lines);
    const whole = `${FENCE}\n${content}\n${FENCE}`;
    if (whole.length <= max) {
      pieces.push({ text: whole, sep: unit.sep });
      continue;
    }
    const wrap = FENCE.length * 2 + 2;
    pack(textPiecesSlack(content, max - wrap, ""), max - wrap).forEach((part, i) => {
      pieces.push({ text: `${FENCE}\n${part}\n${FENCE}`, sep: i === 0 ? unit.sep : "\n" });
    });
  }
  return pack(pieces, max)
    .map((block) => block.trim())
    .filter((block) => block.length > 0);
}
